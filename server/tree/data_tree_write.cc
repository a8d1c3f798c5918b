// DataTree client writes: create, delete, setData, setACL, check and multi,
// with ZooKeeper's order of checks (PrepRequestProcessor) so the same bad
// request fails with the same code as on ZooKeeper.
#include <algorithm>

#include "common/path.h"
#include "server/auth/acl.h"
#include "server/tree/check.h"
#include "server/tree/data_tree.h"
#include "server/tree/ephemeral_type.h"

namespace arbor::tree {
namespace {

bool IsSequential(proto::CreateMode m) {
  return m == proto::PERSISTENT_SEQUENTIAL || m == proto::EPHEMERAL_SEQUENTIAL ||
         m == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
}
bool IsTtlMode(proto::CreateMode m) {
  return m == proto::PERSISTENT_WITH_TTL || m == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
}

// "/zookeeper" and everything below it belong to the server.
bool IsReserved(std::string_view path) {
  constexpr std::string_view kZk = "/zookeeper";
  return path.compare(0, kZk.size(), kZk) == 0 &&
         (path.size() == kZk.size() || path[kZk.size()] == '/');
}

bool VersionMatches(int32_t expected, int32_t actual) { return expected == -1 || expected == actual; }

int32_t Bump(int32_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v) + 1); }

// An entry without auth: world:anyone only.
const google::protobuf::RepeatedPtrField<proto::Id>& IdsOf(const WriteContext& ctx) {
  static const google::protobuf::RepeatedPtrField<proto::Id> kNone;
  return ctx.auth != nullptr ? *ctx.auth : kNone;
}

}  // namespace

bool DataTree::Permits(NodeId id, int32_t perm,
                       const google::protobuf::RepeatedPtrField<proto::Id>& auth) const {
  if (options_.acl_check) return options_.acl_check(AclOf(id), perm, auth);
  return auth::CheckAcl(AclOf(id), perm, auth);
}

bool DataTree::Allowed(NodeId id, int32_t perm, const WriteContext& ctx) const {
  return Permits(id, perm, IdsOf(ctx));
}

proto::ErrorCode DataTree::Create(const proto::CreateRequest& req, const WriteContext& ctx,
                                  proto::CreateResponse* out, Effects* fx) {
  const proto::CreateMode mode = req.mode();
  if (!proto::CreateMode_IsValid(mode)) return proto::BADARGUMENTS;
  if (IsTtlMode(mode) && (req.ttl_ms() <= 0 || req.ttl_ms() > kMaxTtlMs)) return proto::BADARGUMENTS;
  // A container may be sequential too: ZooKeeper's createContainer names the
  // node by its flags (CreateRequest.sequential carries that).
  const bool sequential = IsSequential(mode) || (mode == proto::CONTAINER && req.sequential());
  if (req.path().size() > options_.max_path_bytes) return proto::BADARGUMENTS;
  if (!ValidateCreatePath(req.path(), sequential).ok()) return proto::BADARGUMENTS;
  if (req.data().size() > kMaxStoredDataBytes) return proto::BADARGUMENTS;
  if (req.null_data() && !req.data().empty()) return proto::BADARGUMENTS;
  if (IsReserved(req.path())) return proto::BADARGUMENTS;
  AclList acl;
  if (proto::ErrorCode rc = auth::FixupAcl(req.acl(), IdsOf(ctx), &acl); rc != proto::OK) return rc;

  // A sequential create of "/" names a child of the root, as on ZooKeeper.
  std::string_view parent_path =
      (sequential && req.path() == "/") ? std::string_view("/") : ParentPath(req.path());
  if (parent_path.empty()) return proto::NODEEXISTS;  // "/" always exists
  NodeId parent = Lookup(parent_path);
  if (parent == kNoNode) return proto::NONODE;
  if (!Allowed(parent, proto::PERM_CREATE, ctx)) return proto::NOAUTH;
  const Node& p = store_.at(parent);
  std::string path = req.path();
  if (sequential) {
    path += SequenceSuffix(ChildCreates(p));
    // Checked again with the suffix: a node longer than the limit could
    // never be named in a request again (nor deleted, nor its parent).
    if (path.size() > options_.max_path_bytes) return proto::BADARGUMENTS;
  }
  std::string_view name = BaseName(path);
  if (store_.Find(parent, name) != kNoNode) return proto::NODEEXISTS;
  if (IsEphemeralOwner(p.st.ephemeral_owner)) return proto::NOCHILDRENFOREPHEMERALS;

  NodeInit init;
  if (mode == proto::EPHEMERAL || mode == proto::EPHEMERAL_SEQUENTIAL) {
    init.ephemeral_owner = ctx.session_id;
  } else if (mode == proto::CONTAINER) {
    init.ephemeral_owner = kContainerOwner;
  } else if (IsTtlMode(mode)) {
    init.ephemeral_owner = TtlOwner(req.ttl_ms());
  }
  if (fx->record_undo) {
    UndoRecord u;
    u.kind = UndoRecord::Kind::kCreated;
    u.path = path;
    u.parent_cversion = p.st.cversion;
    u.parent_pzxid = p.st.pzxid;
    fx->undo.push_back(std::move(u));
  }
  int32_t cversion = Bump(p.st.cversion);
  init.acl_id = acls_.Intern(acl);
  init.null_data = req.null_data();
  NodeId id = LinkNew(parent, name, req.data(), init, ctx);
  SetParentChildStat(parent, cversion, ctx.zxid);
  fx->triggers.push_back({path, proto::NODE_CREATED, ctx.zxid});
  fx->triggers.push_back({std::string(parent_path), proto::NODE_CHILDREN_CHANGED, ctx.zxid});
  FillStat(id, out->mutable_stat());
  out->set_path(std::move(path));
  return proto::OK;
}

proto::ErrorCode DataTree::Delete(const proto::DeleteRequest& req, const WriteContext& ctx,
                                  Effects* fx) {
  const std::string& path = req.path();
  if (path.size() > options_.max_path_bytes || !ValidatePath(path).ok()) return proto::BADARGUMENTS;
  if (path == "/" || IsReserved(path)) return proto::BADARGUMENTS;
  NodeId parent = Lookup(ParentPath(path));
  if (parent == kNoNode) return proto::NONODE;
  if (!Allowed(parent, proto::PERM_DELETE, ctx)) return proto::NOAUTH;  // before the node, as ZooKeeper
  NodeId id = store_.Find(parent, BaseName(path));
  if (id == kNoNode) return proto::NONODE;
  const Node& n = store_.at(id);
  if (req.container_only()) {
    // As ZooKeeper's deleteContainer checks: children first, then the kind.
    if (n.num_children != 0) return proto::NOTEMPTY;
    if (!IsContainerOwner(n.st.ephemeral_owner) && !IsTtlOwner(n.st.ephemeral_owner)) {
      return proto::BADVERSION;
    }
  }
  if (!VersionMatches(req.version(), n.st.version)) return proto::BADVERSION;
  if (n.num_children != 0) return proto::NOTEMPTY;
  DeleteLeaf(id, path, ctx.zxid, fx);
  return proto::OK;
}

proto::ErrorCode DataTree::SetData(const proto::SetDataRequest& req, const WriteContext& ctx,
                                   proto::SetDataResponse* out, Effects* fx) {
  const std::string& path = req.path();
  if (path.size() > options_.max_path_bytes || !ValidatePath(path).ok()) return proto::BADARGUMENTS;
  if (req.data().size() > kMaxStoredDataBytes) return proto::BADARGUMENTS;
  if (req.null_data() && !req.data().empty()) return proto::BADARGUMENTS;
  if (IsReserved(path)) return proto::BADARGUMENTS;
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  if (!Allowed(id, proto::PERM_WRITE, ctx)) return proto::NOAUTH;
  Node& n = store_.at(id);
  if (!VersionMatches(req.version(), n.st.version)) return proto::BADVERSION;
  if (fx->record_undo) {
    UndoRecord u;
    u.kind = UndoRecord::Kind::kDataSet;
    u.path = path;
    u.saved = n.st;
    u.data = std::string(n.data());
    u.null_data = n.null_data;
    fx->undo.push_back(std::move(u));
  }
  ReapUnindex(id);  // a TTL node's expiry moves with mtime
  store_.SetData(id, req.data(), req.null_data());
  n.st.version = Bump(n.st.version);
  n.st.mzxid = ctx.zxid;
  n.st.mtime = ctx.time_ms;
  ReapIndex(id);
  fx->triggers.push_back({path, proto::NODE_DATA_CHANGED, ctx.zxid});
  FillStat(id, out->mutable_stat());
  return proto::OK;
}

proto::ErrorCode DataTree::SetAcl(const proto::SetAclRequest& req, const WriteContext& ctx,
                                  proto::SetAclResponse* out) {
  const std::string& path = req.path();
  if (path.size() > options_.max_path_bytes || !ValidatePath(path).ok()) return proto::BADARGUMENTS;
  if (IsReserved(path)) return proto::BADARGUMENTS;
  AclList acl;
  if (proto::ErrorCode rc = auth::FixupAcl(req.acl(), IdsOf(ctx), &acl); rc != proto::OK) return rc;
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  if (!Allowed(id, proto::PERM_ADMIN, ctx)) return proto::NOAUTH;
  Node& n = store_.at(id);
  if (!VersionMatches(req.version(), n.st.aversion)) return proto::BADVERSION;
  uint32_t new_acl = acls_.Intern(acl);
  acls_.Unref(n.acl_id);
  n.acl_id = new_acl;
  n.st.aversion = Bump(n.st.aversion);
  FillStat(id, out->mutable_stat());
  return proto::OK;
}

proto::ErrorCode DataTree::Check(const proto::CheckRequest& req, const WriteContext& ctx) const {
  const std::string& path = req.path();
  if (path.size() > options_.max_path_bytes || !ValidatePath(path).ok()) return proto::BADARGUMENTS;
  NodeId id = Lookup(path);
  if (id == kNoNode) return proto::NONODE;
  if (!Allowed(id, proto::PERM_READ, ctx)) return proto::NOAUTH;
  if (!VersionMatches(req.version(), store_.at(id).st.version)) return proto::BADVERSION;
  return proto::OK;
}

proto::ErrorCode DataTree::ApplyMultiOp(const proto::MultiOp& op, const WriteContext& ctx,
                                        proto::MultiOpResult* result, Effects* fx) {
  // The codec decoded an op ZooKeeper would fail on its own (bad create flags
  // or TTL): it fails here, so the multi rolls back as ZooKeeper's does.
  if (op.fail_with() != proto::OK) return op.fail_with();
  switch (op.op_case()) {
    case proto::MultiOp::kCreate:
      return Create(op.create(), ctx, result->mutable_create(), fx);
    case proto::MultiOp::kDelete:
      result->mutable_delete_();
      return Delete(op.delete_(), ctx, fx);
    case proto::MultiOp::kSetData:
      return SetData(op.set_data(), ctx, result->mutable_set_data(), fx);
    case proto::MultiOp::kCheck:
      result->mutable_check();
      return Check(op.check(), ctx);
    default:  // reads (or nothing) have no place in a write multi
      return proto::BADARGUMENTS;
  }
}

proto::ErrorCode DataTree::Multi(const proto::MultiRequest& req, const WriteContext& ctx,
                                 proto::MultiResponse* out, Effects* fx) {
  if (req.read_only() || static_cast<size_t>(req.ops_size()) > options_.max_multi_ops) {
    return proto::BADARGUMENTS;
  }
  Effects local;
  local.record_undo = true;
  int failed_at = -1;
  proto::ErrorCode failure = proto::OK;
  for (int i = 0; i < req.ops_size(); ++i) {
    proto::MultiOpResult* r = out->add_results();
    proto::ErrorCode rc = ApplyMultiOp(req.ops(i), ctx, r, &local);
    if (rc != proto::OK) {
      failed_at = i;
      failure = rc;
      break;
    }
  }
  if (failed_at < 0) {
    for (WatchTrigger& t : local.triggers) fx->triggers.push_back(std::move(t));
    if (fx->record_undo) {  // a multi nested in an undo scope stays revertible
      for (UndoRecord& u : local.undo) fx->undo.push_back(std::move(u));
    }
    return proto::OK;
  }
  Rollback(&local.undo);
  out->clear_results();
  for (int i = 0; i < req.ops_size(); ++i) {
    proto::ErrorCode code = i < failed_at ? proto::OK : i == failed_at ? failure : proto::RUNTIMEINCONSISTENCY;
    out->add_results()->set_error(code);
  }
  return failure;
}

// Reverts in reverse order; each record restores exactly the state its change
// found, so after the loop every field and index is as before the multi.
void DataTree::Rollback(std::vector<UndoRecord>* undo) {
  for (auto it = undo->rbegin(); it != undo->rend(); ++it) {
    UndoRecord& u = *it;
    if (u.kind == UndoRecord::Kind::kDataSet) {  // may be the root: no parent lookup
      NodeId id = Lookup(u.path);
      ARBOR_TREE_CHECK(id != kNoNode);
      ReapUnindex(id);
      store_.SetData(id, u.data, u.null_data);
      store_.at(id).st = u.saved;
      ReapIndex(id);
      continue;
    }
    NodeId parent = Lookup(ParentPath(u.path));
    ARBOR_TREE_CHECK(parent != kNoNode);
    switch (u.kind) {
      case UndoRecord::Kind::kCreated: {
        NodeId id = store_.Find(parent, BaseName(u.path));
        ARBOR_TREE_CHECK(id != kNoNode);
        Unlink(id);
        SetParentChildStat(parent, u.parent_cversion, u.parent_pzxid);
        break;
      }
      case UndoRecord::Kind::kDeleted: {
        NodeInit init{u.saved.ephemeral_owner, acls_.Intern(u.acl), u.null_data};
        NodeId id = LinkNew(parent, BaseName(u.path), u.data, init, WriteContext());
        ReapUnindex(id);
        store_.at(id).st = u.saved;
        ReapIndex(id);
        SetParentChildStat(parent, u.parent_cversion, u.parent_pzxid);
        break;
      }
      case UndoRecord::Kind::kDataSet:
        break;  // handled above
    }
  }
  undo->clear();
}

}  // namespace arbor::tree
