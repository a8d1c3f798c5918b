// DataTree core: the index-keeping primitives, reads, session cleanup and
// reaping. Client writes live in data_tree_write.cc, the snapshot codec in
// tree_snapshot.cc.
#include "server/tree/data_tree.h"

#include <algorithm>
#include "server/tree/check.h"

#include "common/path.h"
#include "server/tree/ephemeral_type.h"

namespace arbor::tree {
namespace {

AclList WorldAnyone(int32_t perms) {
  proto::Acl acl;
  acl.set_perms(perms);
  acl.mutable_id()->set_scheme("world");
  acl.mutable_id()->set_id("anyone");
  return {acl};
}

}  // namespace

DataTree::DataTree(TreeOptions options) : options_(std::move(options)) {
  ResetEmpty();
  AddBuiltinNodes();
}

void DataTree::ResetEmpty() {
  store_.Clear();
  acls_ = AclTable();
  ephemerals_.clear();
  empty_containers_.clear();
  ttl_expiry_.clear();
}

// "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config", with the
// stats ZooKeeper gives them: zero, except the cversion of "/" (-1) and
// "/zookeeper" (-2). ZooKeeper links these children without counting a create,
// and shows cversion as 2 * creates - children (see ChildCreates). Config is
// read-only, as in ZooKeeper 3.5+.
void DataTree::AddBuiltinNodes() {
  WriteContext none;
  NodeId root = LinkNew(kNoNode, "", "", {0, acls_.Intern(WorldAnyone(proto::PERM_ALL))}, none);
  ARBOR_TREE_CHECK(root == kRootId);
  NodeId zk = LinkNew(root, "zookeeper", "", {0, acls_.Intern(WorldAnyone(proto::PERM_ALL))}, none);
  LinkNew(zk, "quota", "", {0, acls_.Intern(WorldAnyone(proto::PERM_ALL))}, none);
  LinkNew(zk, "config", "", {0, acls_.Intern(WorldAnyone(proto::PERM_READ))}, none);
  store_.at(root).st.cversion = kBuiltinRootCversion;
  store_.at(zk).st.cversion = kBuiltinZookeeperCversion;
}


NodeId DataTree::LinkNew(NodeId parent, std::string_view name, std::string_view data,
                         const NodeInit& init, const WriteContext& ctx) {
  if (parent != kNoNode) ReapUnindex(parent);
  NodeId id = store_.Insert(parent, name, data, init.null_data);
  Node& n = store_.at(id);
  n.st.czxid = n.st.mzxid = n.st.pzxid = ctx.zxid;
  n.st.ctime = n.st.mtime = ctx.time_ms;
  n.st.ephemeral_owner = init.ephemeral_owner;
  n.acl_id = init.acl_id;
  if (IsEphemeralOwner(init.ephemeral_owner)) ephemerals_[init.ephemeral_owner].insert(id);
  ReapIndex(id);
  if (parent != kNoNode) ReapIndex(parent);
  return id;
}

void DataTree::Unlink(NodeId id) {
  Node& n = store_.at(id);
  NodeId parent = n.parent;
  ReapUnindex(id);
  if (parent != kNoNode) ReapUnindex(parent);
  int64_t owner = n.st.ephemeral_owner;
  if (IsEphemeralOwner(owner)) {
    auto it = ephemerals_.find(owner);
    ARBOR_TREE_CHECK(it != ephemerals_.end());
    it->second.erase(id);
    if (it->second.empty()) ephemerals_.erase(it);
  }
  acls_.Unref(n.acl_id);
  store_.Remove(id);
  if (parent != kNoNode) ReapIndex(parent);
}

void DataTree::SetParentChildStat(NodeId parent, int32_t cversion, int64_t pzxid) {
  ReapUnindex(parent);
  Node& p = store_.at(parent);
  p.st.cversion = cversion;
  p.st.pzxid = pzxid;
  ReapIndex(parent);
}

void DataTree::ReapUnindex(NodeId id) {
  const Node& n = store_.at(id);
  if (IsContainerOwner(n.st.ephemeral_owner)) {
    empty_containers_.erase(id);
  } else if (IsTtlOwner(n.st.ephemeral_owner)) {
    ttl_expiry_.erase({TtlExpiry(n.st.mtime, n.st.ephemeral_owner), id});
  }
}

void DataTree::ReapIndex(NodeId id) {
  const Node& n = store_.at(id);
  if (n.num_children != 0) return;
  if (IsContainerOwner(n.st.ephemeral_owner)) {
    if (n.st.cversion > 0) empty_containers_.insert(id);
  } else if (IsTtlOwner(n.st.ephemeral_owner)) {
    ttl_expiry_.insert({TtlExpiry(n.st.mtime, n.st.ephemeral_owner), id});
  }
}

void DataTree::DeleteLeaf(NodeId id, const std::string& path, int64_t zxid, Effects* fx) {
  const Node& n = store_.at(id);
  NodeId parent = n.parent;
  const Node& p = store_.at(parent);
  if (fx->record_undo) {
    UndoRecord u;
    u.kind = UndoRecord::Kind::kDeleted;
    u.path = path;
    u.saved = n.st;
    u.data = std::string(n.data());
    u.null_data = n.null_data;
    u.acl = acls_.Get(n.acl_id);
    u.parent_cversion = p.st.cversion;
    u.parent_pzxid = p.st.pzxid;
    fx->undo.push_back(std::move(u));
  }
  // The cversion clients see moves on a delete too (ZooKeeper shows
  // 2 * creates - children); sequence numbers follow the creates only.
  int32_t cversion = static_cast<int32_t>(static_cast<uint32_t>(p.st.cversion) + 1);
  Unlink(id);
  SetParentChildStat(parent, cversion, zxid);
  fx->triggers.push_back({path, proto::NODE_DELETED, zxid});
  fx->triggers.push_back({std::string(ParentPath(path)), proto::NODE_CHILDREN_CHANGED, zxid});
}

void DataTree::DeleteEphemerals(int64_t session, int64_t zxid, Effects* fx) {
  auto it = ephemerals_.find(session);
  if (it == ephemerals_.end()) return;
  std::vector<std::string> paths;
  for (NodeId id : it->second) paths.push_back(PathOf(id));
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    NodeId id = Lookup(path);
    ARBOR_TREE_CHECK(id != kNoNode && store_.at(id).num_children == 0);
    DeleteLeaf(id, path, zxid, fx);
  }
}

size_t DataTree::Reap(int64_t time_ms, int64_t zxid, Effects* fx) {
  std::vector<std::string> victims;
  for (NodeId id : empty_containers_) victims.push_back(PathOf(id));
  for (const auto& [expiry, id] : ttl_expiry_) {
    if (expiry >= time_ms) break;
    victims.push_back(PathOf(id));
  }
  std::sort(victims.begin(), victims.end());
  for (const std::string& path : victims) {
    NodeId id = Lookup(path);
    ARBOR_TREE_CHECK(id != kNoNode && store_.at(id).num_children == 0);
    DeleteLeaf(id, path, zxid, fx);
  }
  return victims.size();
}

NodeId DataTree::Lookup(std::string_view path) const {
  if (path.empty() || path[0] != '/') return kNoNode;
  NodeId id = kRootId;
  size_t pos = 1;
  while (pos < path.size() && id != kNoNode) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    id = store_.Find(id, path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return id;
}

std::string DataTree::PathOf(NodeId id) const {
  if (id == kRootId) return "/";
  std::vector<std::string_view> parts;
  for (NodeId cur = id; cur != kRootId; cur = store_.at(cur).parent) {
    parts.push_back(store_.at(cur).name());
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    path.push_back('/');
    path.append(it->data(), it->size());
  }
  return path;
}

void DataTree::FillStat(NodeId id, proto::Stat* stat) const {
  const Node& n = store_.at(id);
  stat->set_czxid(n.st.czxid);
  stat->set_mzxid(n.st.mzxid);
  stat->set_pzxid(n.st.pzxid);
  stat->set_ctime(n.st.ctime);
  stat->set_mtime(n.st.mtime);
  stat->set_version(n.st.version);
  stat->set_cversion(n.st.cversion);
  stat->set_aversion(n.st.aversion);
  stat->set_ephemeral_owner(n.st.ephemeral_owner);
  stat->set_data_length(static_cast<int32_t>(n.data_len));
  stat->set_num_children(static_cast<int32_t>(n.num_children));
}

proto::ErrorCode DataTree::GetData(std::string_view path, proto::GetDataResponse* out) const {
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  std::string_view data = store_.at(id).data();
  out->set_data(data.data(), data.size());
  if (store_.at(id).null_data) out->set_null_data(true);
  FillStat(id, out->mutable_stat());
  return proto::OK;
}

proto::ErrorCode DataTree::GetChildren(std::string_view path, bool with_stat,
                                       proto::GetChildrenResponse* out) const {
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  std::vector<std::string_view> names;
  names.reserve(store_.at(id).num_children);
  for (NodeId c = store_.at(id).first_child; c != kNoNode; c = store_.at(c).next_sibling) {
    names.push_back(store_.at(c).name());
  }
  std::sort(names.begin(), names.end());
  for (std::string_view name : names) out->add_children(name.data(), name.size());
  if (with_stat) FillStat(id, out->mutable_stat());
  return proto::OK;
}

proto::ErrorCode DataTree::GetAcl(std::string_view path, proto::GetAclResponse* out) const {
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  for (const proto::Acl& a : AclOf(id)) *out->add_acl() = a;
  FillStat(id, out->mutable_stat());
  return proto::OK;
}

void DataTree::GetEphemerals(int64_t session, std::string_view prefix,
                             proto::GetEphemeralsResponse* out) const {
  auto it = ephemerals_.find(session);
  if (it == ephemerals_.end()) return;
  bool all = prefix.empty() || prefix == "/";
  std::vector<std::string> paths;
  for (NodeId id : it->second) {
    std::string path = PathOf(id);
    if (all || path.compare(0, prefix.size(), prefix) == 0) paths.push_back(std::move(path));
  }
  std::sort(paths.begin(), paths.end());
  for (std::string& p : paths) out->add_paths(std::move(p));
}

proto::ErrorCode DataTree::GetAllChildrenNumber(std::string_view path, int32_t* total) const {
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  int64_t count = 0;
  std::vector<NodeId> stack{id};
  while (!stack.empty()) {
    NodeId cur = stack.back();
    stack.pop_back();
    for (NodeId c = store_.at(cur).first_child; c != kNoNode; c = store_.at(c).next_sibling) {
      ++count;
      stack.push_back(c);
    }
  }
  *total = static_cast<int32_t>(std::min<int64_t>(count, INT32_MAX));
  return proto::OK;
}

size_t DataTree::ApproximateBytes() const {
  size_t bytes = store_.ApproximateBytes();
  for (const auto& [session, ids] : ephemerals_) bytes += 64 + ids.size() * 40;
  bytes += (empty_containers_.size() + ttl_expiry_.size()) * 48;
  return bytes;
}

}  // namespace arbor::tree
