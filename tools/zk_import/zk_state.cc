#include "tools/zk_import/zk_state.h"

#include <glog/logging.h>

#include "common/zk_wire/jute_reader.h"

namespace arbor::zkimport {
namespace {

using zk_wire::JuteReader;

// ZooKeeper's EphemeralType encodings (the same as Arbor's).
constexpr int64_t kContainerOwner = INT64_MIN;
int64_t TtlOwner(int64_t ttl) { return static_cast<int64_t>(0xFF00000000000000ull | static_cast<uint64_t>(ttl)); }

Status ReadAcls(JuteReader* r, AclList* out) {
  int32_t n;
  ARBOR_RETURN_IF_ERROR(r->ReadVectorCount("acl", 12, &n));
  out->clear();
  for (int32_t i = 0; i < n; ++i) {
    proto::Acl a;
    int32_t perms;
    std::string s;
    ARBOR_RETURN_IF_ERROR(r->ReadInt("perms", &perms));
    a.set_perms(perms);
    ARBOR_RETURN_IF_ERROR(r->ReadString("scheme", &s));
    a.mutable_id()->set_scheme(s);
    ARBOR_RETURN_IF_ERROR(r->ReadString("id", &s));
    a.mutable_id()->set_id(s);
    out->push_back(std::move(a));
  }
  // ZooKeeper stores a null or empty list as its open ACL (ReferenceCountedACLCache).
  if (out->empty()) {
    proto::Acl a;
    a.set_perms(proto::PERM_ALL);
    a.mutable_id()->set_scheme("world");
    a.mutable_id()->set_id("anyone");
    out->push_back(a);
  }
  return Status::Ok();
}

}  // namespace

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string NameOf(const std::string& path) { return path.substr(path.rfind('/') + 1); }

ZkState::ZkState() = default;

Status ZkState::AddSnapshotNode(const std::string& raw_path, ZkNode node) {
  std::string path = raw_path.empty() ? "/" : raw_path;
  if (path != "/") {
    if (path.front() != '/' || path.back() == '/') return Status::Corruption("bad path in snapshot: " + path);
    auto parent = nodes_.find(ParentOf(path));
    if (parent == nodes_.end()) return Status::Corruption("snapshot node " + path + " comes before its parent");
    parent->second.children.insert(NameOf(path));
  }
  if (node.ephemeral_owner > 0) ephemerals_[node.ephemeral_owner].insert(path);
  node.children.clear();
  nodes_[path] = std::move(node);
  return Status::Ok();
}

bool ZkState::CreateNode(const std::string& path, std::string data, bool null_data, AclList acl, int64_t owner,
                         int32_t parent_cversion, int64_t zxid, int64_t time) {
  if (path.empty() || path.front() != '/' || path == "/") return false;
  auto parent_it = nodes_.find(ParentOf(path));
  if (parent_it == nodes_.end()) return false;  // NONODE
  ZkNode& parent = parent_it->second;
  if (parent_cversion == -1) parent_cversion = parent.cversion + 1;  // logs of ZooKeeper 3.3
  if (nodes_.count(path) != 0) {
    // NODEEXISTS: the snapshot already held it. ZooKeeper still moves the
    // parent's cversion forward (DataTree.processTxn's fixup).
    if (parent_cversion > parent.cversion) {
      parent.cversion = parent_cversion;
      parent.pzxid = zxid;
    }
    return false;
  }
  // Only forward: the replay may cross a create and delete the snapshot
  // already saw (DataTree.createNode).
  if (parent_cversion > parent.cversion) {
    parent.cversion = parent_cversion;
    parent.pzxid = zxid;
  }
  parent.children.insert(NameOf(path));
  ZkNode n;
  n.data = std::move(data);
  n.null_data = null_data;
  n.acl = std::move(acl);
  n.czxid = n.mzxid = n.pzxid = zxid;
  n.ctime = n.mtime = time;
  n.ephemeral_owner = owner;
  if (owner > 0) ephemerals_[owner].insert(path);
  nodes_[path] = std::move(n);
  return true;
}

bool ZkState::DeleteNode(const std::string& path, int64_t zxid) {
  auto it = nodes_.find(path);
  if (it == nodes_.end() || path == "/") return false;
  if (!it->second.children.empty()) return false;  // ZooKeeper checked NOTEMPTY before logging
  if (it->second.ephemeral_owner > 0) {
    auto e = ephemerals_.find(it->second.ephemeral_owner);
    if (e != ephemerals_.end()) e->second.erase(path);
  }
  nodes_.erase(it);
  ZkNode& parent = nodes_.at(ParentOf(path));
  parent.children.erase(NameOf(path));
  if (zxid > parent.pzxid) parent.pzxid = zxid;
  return true;
}

void ZkState::KillSession(int64_t session, int64_t zxid) {
  sessions_.erase(session);
  auto it = ephemerals_.find(session);
  if (it == ephemerals_.end()) return;
  std::set<std::string> paths = std::move(it->second);
  ephemerals_.erase(it);
  for (const std::string& p : paths) DeleteNode(p, zxid);
}

Status ZkState::ApplyOp(int32_t type, std::string_view body, const ZkTxn& h, bool* ok) {
  JuteReader r(body);
  std::string path, data;
  bool null_data = false;
  AclList acl;
  int32_t parent_cversion = -1;
  *ok = true;
  switch (type) {
    case opcode::kCreate:
    case opcode::kCreate2: {
      bool ephemeral;
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &path));
      ARBOR_RETURN_IF_ERROR(r.ReadBuffer("data", &data, &null_data));
      ARBOR_RETURN_IF_ERROR(ReadAcls(&r, &acl));
      ARBOR_RETURN_IF_ERROR(r.ReadBool("ephemeral", &ephemeral));
      // ZooKeeper 3.3's CreateTxnV0 ends here.
      if (r.remaining() >= 4) ARBOR_RETURN_IF_ERROR(r.ReadInt("parentCVersion", &parent_cversion));
      *ok = CreateNode(path, std::move(data), null_data, std::move(acl), ephemeral ? h.client_id : 0, parent_cversion,
                       h.zxid, h.time);
      return Status::Ok();
    }
    case opcode::kCreateContainer:
    case opcode::kCreateTtl: {
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &path));
      ARBOR_RETURN_IF_ERROR(r.ReadBuffer("data", &data, &null_data));
      ARBOR_RETURN_IF_ERROR(ReadAcls(&r, &acl));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("parentCVersion", &parent_cversion));
      int64_t owner = kContainerOwner;
      if (type == opcode::kCreateTtl) {
        int64_t ttl;
        ARBOR_RETURN_IF_ERROR(r.ReadLong("ttl", &ttl));
        owner = TtlOwner(ttl);
      }
      *ok = CreateNode(path, std::move(data), null_data, std::move(acl), owner, parent_cversion, h.zxid, h.time);
      return Status::Ok();
    }
    case opcode::kDelete:
    case opcode::kDeleteContainer:
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &path));
      *ok = DeleteNode(path, h.zxid);
      return Status::Ok();
    case opcode::kSetData:
    case opcode::kReconfig: {
      int32_t version;
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &path));
      ARBOR_RETURN_IF_ERROR(r.ReadBuffer("data", &data, &null_data));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("version", &version));
      auto it = nodes_.find(path);
      if (it == nodes_.end()) {
        *ok = false;
        return Status::Ok();
      }
      it->second.data = std::move(data);
      it->second.null_data = null_data;
      it->second.mtime = h.time;
      it->second.mzxid = h.zxid;
      it->second.version = version;
      return Status::Ok();
    }
    case opcode::kSetAcl: {
      int32_t version;
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &path));
      ARBOR_RETURN_IF_ERROR(ReadAcls(&r, &acl));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("version", &version));
      auto it = nodes_.find(path);
      if (it == nodes_.end()) {
        *ok = false;
        return Status::Ok();
      }
      it->second.acl = std::move(acl);
      it->second.aversion = version;
      return Status::Ok();
    }
    case opcode::kCreateSession: {
      int32_t timeout;
      ARBOR_RETURN_IF_ERROR(r.ReadInt("timeOut", &timeout));
      sessions_[h.client_id] = timeout;
      return Status::Ok();
    }
    case opcode::kCloseSession:
      KillSession(h.client_id, h.zxid);
      return Status::Ok();
    case opcode::kError:
    case opcode::kCheck:
      *ok = false;
      return Status::Ok();
    case opcode::kMulti: {
      int32_t n;
      ARBOR_RETURN_IF_ERROR(r.ReadVectorCount("txns", 8, &n));
      std::vector<std::pair<int32_t, std::string>> subs;
      bool failed = false;
      for (int32_t i = 0; i < n; ++i) {
        int32_t sub_type;
        std::string sub;
        ARBOR_RETURN_IF_ERROR(r.ReadInt("type", &sub_type));
        ARBOR_RETURN_IF_ERROR(r.ReadBuffer("data", &sub));
        failed = failed || sub_type == opcode::kError;
        subs.emplace_back(sub_type, std::move(sub));
      }
      // A failed multi is logged with error txns and changes nothing.
      if (failed) {
        *ok = false;
        return Status::Ok();
      }
      for (const auto& [sub_type, sub] : subs) {
        bool sub_ok;
        ARBOR_RETURN_IF_ERROR(ApplyOp(sub_type, sub, h, &sub_ok));
        *ok = *ok && sub_ok;
      }
      return Status::Ok();
    }
    default:
      return Status::Corruption("transaction type " + std::to_string(type) + " at zxid " +
                                std::to_string(h.zxid) + " is not one ZooKeeper 3.x logs");
  }
}

Status ZkState::Apply(const ZkTxn& txn, ReplayStats* stats) {
  if (txn.zxid <= snapshot_zxid_) {
    ++stats->skipped_old;
    return Status::Ok();
  }
  bool ok = true;
  Status s = ApplyOp(txn.type, txn.body, txn, &ok);
  if (!s.ok()) return Status::Corruption("zxid " + std::to_string(txn.zxid) + ": " + s.message());
  ++stats->applied;
  if (!ok) ++stats->no_ops;
  if (txn.zxid > last_zxid_) last_zxid_ = txn.zxid;
  return Status::Ok();
}

}  // namespace arbor::zkimport
