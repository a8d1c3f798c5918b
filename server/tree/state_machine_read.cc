// StateMachine reads: served from the local tree, never logged. Watches are
// registered in the caller's WatchManager as ZooKeeper's FinalRequestProcessor
// does: getData / getChildren only when the node exists (and the ACL allows
// the read), exists() always (an "exist" watch on a missing node).
#include "common/ops.h"
#include "common/path.h"
#include "server/auth/acl.h"
#include "server/tree/state_machine.h"

namespace arbor::tree {
namespace {

using Ids = google::protobuf::RepeatedPtrField<proto::Id>;

bool BadPath(const std::string& path, const DataTree& tree) {
  return path.size() > tree.options().max_path_bytes || !ValidatePath(path).ok();
}

// The node at a valid `path` if it exists and `auth` holds `perm` on it;
// else NONODE or NOAUTH, in ZooKeeper's order.
proto::ErrorCode Readable(const DataTree& tree, const std::string& path, int32_t perm,
                          const Ids& auth, NodeId* id) {
  *id = tree.Lookup(path);
  if (*id == kNoNode) return proto::NONODE;
  return tree.Permits(*id, perm, auth) ? proto::OK : proto::NOAUTH;
}

}  // namespace

namespace {

// Each helper serves one read op from `tree`, registering watches in
// `watches` (may be null) for `session`.
proto::ErrorCode Exists(const DataTree& tree, const proto::ExistsRequest& r, int64_t session,
                        WatchManager* watches, proto::ExistsResponse* out) {
  if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
  // No ACL check: ZooKeeper 3.8.0 has none on exists (3.8.4 / 3.9.2 added a
  // READ check, ZOOKEEPER-2590; the reference server is 3.8.0).
  NodeId id = tree.Lookup(r.path());
  if (id != kNoNode) tree.FillStat(id, out->mutable_stat());
  // Set even when the node is missing: that is the "exist" watch.
  if (r.watch() && watches != nullptr) watches->AddDataWatch(r.path(), session);
  return id != kNoNode ? proto::OK : proto::NONODE;
}

proto::ErrorCode GetData(const DataTree& tree, const proto::GetDataRequest& r, int64_t session,
                         const Ids& auth, WatchManager* watches, proto::GetDataResponse* out) {
  if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
  NodeId id;
  if (proto::ErrorCode rc = Readable(tree, r.path(), proto::PERM_READ, auth, &id); rc != proto::OK) return rc;
  proto::ErrorCode rc = tree.GetData(r.path(), out);
  if (rc == proto::OK && r.watch() && watches != nullptr) watches->AddDataWatch(r.path(), session);
  return rc;
}

proto::ErrorCode GetChildren(const DataTree& tree, const proto::GetChildrenRequest& r, int64_t session,
                             const Ids& auth, WatchManager* watches, proto::GetChildrenResponse* out) {
  if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
  NodeId id;
  if (proto::ErrorCode rc = Readable(tree, r.path(), proto::PERM_READ, auth, &id); rc != proto::OK) return rc;
  proto::ErrorCode rc = tree.GetChildren(r.path(), r.with_stat(), out);
  if (rc == proto::OK && r.watch() && watches != nullptr) watches->AddChildWatch(r.path(), session);
  return rc;
}

// getACL: READ or ADMIN to see it at all; without ADMIN digest hashes are
// hidden (FinalRequestProcessor's two checkACL calls).
proto::ErrorCode GetAcl(const DataTree& tree, const std::string& path, const Ids& auth,
                        proto::GetAclResponse* out) {
  if (BadPath(path, tree)) return proto::BADARGUMENTS;
  NodeId id;
  proto::ErrorCode rc = Readable(tree, path, proto::PERM_READ | proto::PERM_ADMIN, auth, &id);
  if (rc != proto::OK) return rc;
  rc = tree.GetAcl(path, out);
  if (rc == proto::OK && !tree.Permits(id, proto::PERM_ADMIN, auth)) arbor::auth::MaskDigests(out->mutable_acl());
  return rc;
}

proto::ErrorCode AllChildrenNumber(const DataTree& tree, const std::string& path, const Ids& auth,
                                   proto::GetAllChildrenNumberResponse* out) {
  if (BadPath(path, tree)) return proto::BADARGUMENTS;
  NodeId id;
  if (proto::ErrorCode rc = Readable(tree, path, proto::PERM_READ, auth, &id); rc != proto::OK) return rc;
  int32_t total = 0;
  proto::ErrorCode rc = tree.GetAllChildrenNumber(path, &total);
  out->set_total_number(total);
  return rc;
}

// addWatch, removeWatches, checkWatches: watch bookkeeping only.
proto::ErrorCode WatchOp(const DataTree& tree, const proto::Request& req, int64_t session,
                         WatchManager* watches, proto::Response* resp) {
  switch (req.op_case()) {
    case proto::Request::kAddWatch: {
      const proto::AddWatchRequest& r = req.add_watch();
      if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
      resp->mutable_add_watch();
      if (watches != nullptr) {
        watches->AddPersistentWatch(r.path(), session, r.mode() == proto::ADD_WATCH_PERSISTENT_RECURSIVE);
      }
      return proto::OK;
    }
    case proto::Request::kRemoveWatches: {
      const proto::RemoveWatchesRequest& r = req.remove_watches();
      if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
      resp->mutable_remove_watches();
      return watches == nullptr ? proto::NOWATCHER : watches->Remove(r.path(), session, r.type());
    }
    case proto::Request::kCheckWatches: {
      const proto::CheckWatchesRequest& r = req.check_watches();
      if (BadPath(r.path(), tree)) return proto::BADARGUMENTS;
      resp->mutable_check_watches();
      return watches == nullptr ? proto::NOWATCHER : watches->Check(r.path(), session, r.type());
    }
    default:
      return proto::UNIMPLEMENTED;
  }
}

}  // namespace

proto::Response StateMachine::Read(const proto::Request& req, int64_t session_id,
                                   WatchManager* watches) const {
  static const Ids kWorldOnly;
  return Read(req, session_id, kWorldOnly, watches);
}

proto::Response StateMachine::Read(const proto::Request& req, int64_t session_id, const Ids& auth,
                                   WatchManager* watches) const {
  proto::Response resp;
  resp.set_xid(req.xid());
  resp.set_zxid(last_applied_zxid_);
  proto::ErrorCode rc = proto::OK;
  if (ops::TraitsOf(req).path == ops::Path::kWrite) {
    resp.set_error(proto::UNIMPLEMENTED);  // writes go through the log
    return resp;
  }
  switch (req.op_case()) {
    case proto::Request::kExists:
      rc = Exists(tree_, req.exists(), session_id, watches, resp.mutable_exists());
      break;
    case proto::Request::kGetData:
      rc = GetData(tree_, req.get_data(), session_id, auth, watches, resp.mutable_get_data());
      break;
    case proto::Request::kGetChildren:
      rc = GetChildren(tree_, req.get_children(), session_id, auth, watches,
                       resp.mutable_get_children());
      break;
    case proto::Request::kGetAcl:
      rc = GetAcl(tree_, req.get_acl().path(), auth, resp.mutable_get_acl());
      break;
    case proto::Request::kGetEphemerals: {
      const std::string& prefix = req.get_ephemerals().prefix_path();
      if (!prefix.empty() && prefix[0] != '/') {
        rc = proto::BADARGUMENTS;
      } else {
        tree_.GetEphemerals(session_id, prefix, resp.mutable_get_ephemerals());
      }
      break;
    }
    case proto::Request::kGetAllChildrenNumber:
      rc = AllChildrenNumber(tree_, req.get_all_children_number().path(), auth,
                             resp.mutable_get_all_children_number());
      break;
    case proto::Request::kMulti:
      if (!req.multi().read_only()) {
        rc = proto::BADARGUMENTS;
      } else {
        ReadMulti(req.multi(), session_id, auth, watches, resp.mutable_multi());
      }
      break;
    case proto::Request::kAddWatch:
    case proto::Request::kRemoveWatches:
    case proto::Request::kCheckWatches:
      rc = WatchOp(tree_, req, session_id, watches, &resp);
      break;
    case proto::Request::kSync:  // the server makes sync linearizable (ReadIndex) first
      rc = BadPath(req.sync().path(), tree_) ? proto::BADARGUMENTS : proto::OK;
      resp.mutable_sync()->set_path(req.sync().path());
      break;
    case proto::Request::kPing:
      resp.mutable_ping();
      break;
    default:  // writes go through the log; setWatches through SetWatches()
      rc = proto::UNIMPLEMENTED;
      break;
  }
  resp.set_error(rc);
  if (rc != proto::OK) resp.clear_result();
  return resp;
}

void StateMachine::ReadMulti(const proto::MultiRequest& req, int64_t session_id, const Ids& auth,
                             WatchManager* watches, proto::MultiResponse* out) const {
  for (const proto::MultiOp& op : req.ops()) {
    proto::MultiOpResult* result = out->add_results();
    proto::Request single;
    if (op.has_get_data()) {
      *single.mutable_get_data() = op.get_data();
    } else if (op.has_get_children()) {
      *single.mutable_get_children() = op.get_children();
    } else {
      result->set_error(proto::BADARGUMENTS);
      continue;
    }
    proto::Response r = Read(single, session_id, auth, watches);
    result->set_error(r.error());
    if (r.error() != proto::OK) continue;
    if (r.has_get_data()) *result->mutable_get_data() = std::move(*r.mutable_get_data());
    if (r.has_get_children()) *result->mutable_get_children() = std::move(*r.mutable_get_children());
  }
}

void StateMachine::SetWatches(const proto::SetWatchesRequest& req, int64_t session_id,
                              WatchManager* watches, std::vector<proto::WatchEvent>* fired) const {
  if (watches == nullptr || fired == nullptr) return;
  const int64_t rel = req.relative_zxid();
  auto fire = [&](const std::string& path, proto::EventType type) {
    proto::WatchEvent e;
    e.set_type(type);
    e.set_state(proto::SYNC_CONNECTED);
    e.set_path(path);
    e.set_zxid(last_applied_zxid_);
    fired->push_back(std::move(e));
  };
  proto::Stat st;
  auto lookup = [&](const std::string& path) {
    NodeId id = BadPath(path, tree_) ? kNoNode : tree_.Lookup(path);
    if (id != kNoNode) tree_.FillStat(id, &st);
    return id != kNoNode;
  };
  for (const std::string& p : req.data_watches()) {
    if (!lookup(p)) {
      fire(p, proto::NODE_DELETED);
    } else if (st.mzxid() > rel) {
      fire(p, proto::NODE_DATA_CHANGED);
    } else {
      watches->AddDataWatch(p, session_id);
    }
  }
  for (const std::string& p : req.exist_watches()) {
    if (lookup(p)) {
      fire(p, proto::NODE_CREATED);
    } else if (!BadPath(p, tree_)) {
      watches->AddDataWatch(p, session_id);
    }
  }
  for (const std::string& p : req.child_watches()) {
    if (!lookup(p)) {
      fire(p, proto::NODE_DELETED);
    } else if (st.pzxid() > rel) {
      fire(p, proto::NODE_CHILDREN_CHANGED);
    } else {
      watches->AddChildWatch(p, session_id);
    }
  }
  for (const std::string& p : req.persistent_watches()) {
    if (!BadPath(p, tree_)) watches->AddPersistentWatch(p, session_id, false);
  }
  for (const std::string& p : req.persistent_recursive_watches()) {
    if (!BadPath(p, tree_)) watches->AddPersistentWatch(p, session_id, true);
  }
}

}  // namespace arbor::tree
