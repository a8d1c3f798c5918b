// DataTree snapshot codec. Layout (all integers little-endian, see
// docs/TREE.md):
//   u32 acl_count, then per list: u32 n, n x (i32 perms, bytes scheme, bytes id)
//   u64 node_count, then the nodes in pre-order, children sorted by name:
//     bytes name, i64 czxid mzxid pzxid ctime mtime ephemeral_owner,
//     i32 version cversion aversion, u32 acl_index, data, u32 child_count
// where data is `bytes`, except that since format version 2 a length of
// 0xFFFFFFFF (no bytes follow) is ZooKeeper's null data.
// Nothing here depends on NodeIds or hash order, so equal trees write equal
// bytes.
#include <algorithm>
#include <unordered_map>

#include "server/tree/data_tree.h"
#include "server/tree/ephemeral_type.h"
#include "server/tree/snapshot_codec.h"

namespace arbor::tree {
namespace {

// Loader bounds: generous, but a corrupted length never allocates gigabytes.
constexpr size_t kMaxNameBytes = 64 * 1024;
constexpr size_t kMaxBlobBytes = 256u << 20;
constexpr uint32_t kMaxAclLists = 1u << 24;
constexpr uint32_t kMaxAclEntries = 1u << 16;
constexpr uint64_t kMaxNodes = 1ull << 32;

// The data length that stands for null data (format version 2).
constexpr uint32_t kNullDataLength = 0xFFFFFFFFu;

Status Corrupt(const std::string& what) { return Status::Corruption("snapshot corrupt: " + what); }

// A node's data: version 1 had only byte strings; version 2 adds null.
Status ReadNodeData(SnapshotReader* r, uint32_t format_version, std::string* data, bool* null_data) {
  *null_data = false;
  if (format_version == 1) return r->Bytes(data, kMaxBlobBytes, "node data");
  uint32_t len;
  ARBOR_RETURN_IF_ERROR(r->U32(&len, "node data length"));
  if (len == kNullDataLength) {
    data->clear();
    *null_data = true;
    return Status::Ok();
  }
  if (len > kMaxBlobBytes) return Corrupt("node data length " + std::to_string(len));
  return r->Raw(len, data, "node data");
}

Status ReadAclLists(SnapshotReader* r, std::vector<AclList>* lists) {
  uint32_t acl_count;
  ARBOR_RETURN_IF_ERROR(r->U32(&acl_count, "acl list count"));
  if (acl_count > kMaxAclLists) return Corrupt("acl list count " + std::to_string(acl_count));
  // Lists are added as they are read, never sized from the count: a damaged
  // 4-byte count once allocated 2^24 empty lists (400 MB) before the first
  // read failed.
  std::string s;
  for (uint32_t l = 0; l < acl_count; ++l) {
    AclList& list = lists->emplace_back();
    uint32_t n;
    ARBOR_RETURN_IF_ERROR(r->U32(&n, "acl entry count"));
    if (n == 0 || n > kMaxAclEntries) return Corrupt("acl entry count " + std::to_string(n));
    for (uint32_t i = 0; i < n; ++i) {
      proto::Acl a;
      int32_t perms;
      ARBOR_RETURN_IF_ERROR(r->I32(&perms, "acl perms"));
      a.set_perms(perms);
      ARBOR_RETURN_IF_ERROR(r->Bytes(&s, kMaxNameBytes, "acl scheme"));
      a.mutable_id()->set_scheme(s);
      ARBOR_RETURN_IF_ERROR(r->Bytes(&s, kMaxNameBytes, "acl id"));
      a.mutable_id()->set_id(s);
      list.push_back(std::move(a));
    }
  }
  return Status::Ok();
}

Status ReadNodeStat(SnapshotReader* r, NodeStat* st) {
  ARBOR_RETURN_IF_ERROR(r->I64(&st->czxid, "czxid"));
  ARBOR_RETURN_IF_ERROR(r->I64(&st->mzxid, "mzxid"));
  ARBOR_RETURN_IF_ERROR(r->I64(&st->pzxid, "pzxid"));
  ARBOR_RETURN_IF_ERROR(r->I64(&st->ctime, "ctime"));
  ARBOR_RETURN_IF_ERROR(r->I64(&st->mtime, "mtime"));
  ARBOR_RETURN_IF_ERROR(r->I64(&st->ephemeral_owner, "ephemeral owner"));
  ARBOR_RETURN_IF_ERROR(r->I32(&st->version, "version"));
  ARBOR_RETURN_IF_ERROR(r->I32(&st->cversion, "cversion"));
  return r->I32(&st->aversion, "aversion");
}

}  // namespace

void DataTree::Save(SnapshotWriter* w) const {
  std::vector<uint32_t> live = acls_.LiveIdsByContent();
  std::unordered_map<uint32_t, uint32_t> remap;
  w->U32(static_cast<uint32_t>(live.size()));
  for (uint32_t i = 0; i < live.size(); ++i) {
    remap[live[i]] = i;
    const AclList& list = acls_.Get(live[i]);
    w->U32(static_cast<uint32_t>(list.size()));
    for (const proto::Acl& a : list) {
      w->I32(a.perms());
      w->Bytes(a.id().scheme());
      w->Bytes(a.id().id());
    }
  }
  w->U64(store_.size());
  // Explicit stack: trees may be deeper than the C++ stack allows.
  std::vector<NodeId> stack{kRootId};
  std::vector<NodeId> kids;
  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    const Node& n = store_.at(id);
    w->Bytes(n.name());
    w->I64(n.st.czxid);
    w->I64(n.st.mzxid);
    w->I64(n.st.pzxid);
    w->I64(n.st.ctime);
    w->I64(n.st.mtime);
    w->I64(n.st.ephemeral_owner);
    w->I32(n.st.version);
    w->I32(n.st.cversion);
    w->I32(n.st.aversion);
    w->U32(remap.at(n.acl_id));
    if (n.null_data) {
      w->U32(kNullDataLength);
    } else {
      w->Bytes(n.data());
    }
    w->U32(n.num_children);
    kids.clear();
    for (NodeId c = n.first_child; c != kNoNode; c = store_.at(c).next_sibling) kids.push_back(c);
    // Push in reverse name order so the smallest name pops first.
    std::sort(kids.begin(), kids.end(),
              [this](NodeId a, NodeId b) { return store_.at(a).name() > store_.at(b).name(); });
    stack.insert(stack.end(), kids.begin(), kids.end());
  }
}

Status DataTree::Load(SnapshotReader* r, uint32_t format_version,
                      const std::function<bool(int64_t)>& session_exists) {
  ResetEmpty();
  std::vector<AclList> lists;
  ARBOR_RETURN_IF_ERROR(ReadAclLists(r, &lists));
  uint64_t count;
  ARBOR_RETURN_IF_ERROR(r->U64(&count, "node count"));
  if (count == 0 || count > kMaxNodes) return Corrupt("node count " + std::to_string(count));
  // (node, children still to read) for the ancestors of the next node.
  std::vector<std::pair<NodeId, uint32_t>> open;
  std::string name, data;
  bool null_data = false;
  for (uint64_t i = 0; i < count; ++i) {
    while (!open.empty() && open.back().second == 0) open.pop_back();
    if (i > 0 && open.empty()) return Corrupt("node " + std::to_string(i) + " has no parent");
    NodeId parent = i == 0 ? kNoNode : open.back().first;
    ARBOR_RETURN_IF_ERROR(r->Bytes(&name, kMaxNameBytes, "node name"));
    bool name_ok = i == 0 ? name.empty()
                          : !name.empty() && name != "." && name != ".." &&
                                name.find('/') == std::string::npos &&
                                name.find('\0') == std::string::npos;
    if (!name_ok) return Corrupt("bad node name at node " + std::to_string(i));
    if (parent != kNoNode && store_.Find(parent, name) != kNoNode) {
      return Corrupt("duplicate child \"" + name + "\" at node " + std::to_string(i));
    }
    NodeStat st;
    ARBOR_RETURN_IF_ERROR(ReadNodeStat(r, &st));
    uint32_t acl_index, kids;
    ARBOR_RETURN_IF_ERROR(r->U32(&acl_index, "acl index"));
    if (acl_index >= lists.size()) return Corrupt("acl index out of range at node " + std::to_string(i));
    ARBOR_RETURN_IF_ERROR(ReadNodeData(r, format_version, &data, &null_data));
    ARBOR_RETURN_IF_ERROR(r->U32(&kids, "child count"));
    if (IsEphemeralOwner(st.ephemeral_owner) && (kids != 0 || !session_exists(st.ephemeral_owner))) {
      return Corrupt("ephemeral node " + std::to_string(i) + " with children or without its session");
    }
    if (parent != kNoNode && IsEphemeralOwner(store_.at(parent).st.ephemeral_owner)) {
      return Corrupt("child of an ephemeral at node " + std::to_string(i));
    }
    NodeId id = LinkNew(parent, name, data, {st.ephemeral_owner, acls_.Intern(lists[acl_index]), null_data}, {});
    ReapUnindex(id);
    store_.at(id).st = st;
    ReapIndex(id);
    if (!open.empty()) --open.back().second;
    open.push_back({id, kids});
  }
  while (!open.empty() && open.back().second == 0) open.pop_back();
  if (!open.empty()) return Corrupt("node count ends inside a subtree");
  NodeId zk = Lookup("/zookeeper");
  if (store_.at(kRootId).num_children == 0 || zk == kNoNode) return Corrupt("missing /zookeeper");
  if (format_version == 1) {
    // Version 1 trees started "/" and "/zookeeper" at cversion 0; ZooKeeper
    // (and version 2) start them at -1 and -2. Shifting keeps a tree loaded
    // from version 1 identical to one rebuilt by replaying the log.
    // Wrapping, as every cversion bump does: a damaged file's INT32_MIN
    // must not overflow (undefined; found by the tree_snapshot fuzzer).
    auto shift = [](int32_t* cversion, int32_t by) {
      *cversion = static_cast<int32_t>(static_cast<uint32_t>(*cversion) + static_cast<uint32_t>(by));
    };
    shift(&store_.at(kRootId).st.cversion, kBuiltinRootCversion);
    shift(&store_.at(zk).st.cversion, kBuiltinZookeeperCversion);
  }
  // "/" and the /zookeeper subtree are the server's and always persistent
  // (clients cannot create or delete there). A snapshot claiming otherwise
  // would let a session end or a reap delete /zookeeper and then the root
  // itself, which has no parent: the next reap crashed.
  std::vector<NodeId> builtin{kRootId, Lookup("/zookeeper")};
  for (size_t i = 1; i < builtin.size(); ++i) {
    for (NodeId c = store_.at(builtin[i]).first_child; c != kNoNode; c = store_.at(c).next_sibling) {
      builtin.push_back(c);
    }
  }
  for (NodeId id : builtin) {
    if (store_.at(id).st.ephemeral_owner != 0) {
      return Corrupt("built-in node " + PathOf(id) + " is not persistent (ephemeral owner " +
                     std::to_string(store_.at(id).st.ephemeral_owner) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace arbor::tree
