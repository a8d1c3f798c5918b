// StateMachine: Apply and the snapshot envelope. Reads are in
// state_machine_read.cc.
#include "server/tree/state_machine.h"

#include "server/tree/snapshot_codec.h"

namespace arbor::tree {
namespace {

constexpr char kSnapshotMagic[] = "ARBORSNP";  // 8 bytes, no terminator written
// 2: null data (a data length of 0xFFFFFFFF). Version 1 still loads.
constexpr uint32_t kSnapshotVersion = 2;
constexpr uint32_t kOldestSnapshotVersion = 1;
constexpr uint64_t kMaxSessions = 1ull << 28;
constexpr size_t kMaxPasswordBytes = 1024;

}  // namespace

StateMachine::StateMachine(TreeOptions options) : tree_(std::move(options)) {}

Status StateMachine::CheckEntry(const proto::LogEntry& entry) {
  if (entry.format_version() != proto::LOG_FORMAT_V1) {
    return Status::InvalidArgument("log entry has unknown format_version " +
                                   std::to_string(entry.format_version()) +
                                   "; this server applies only version 1 (upgrade it first)");
  }
  if (entry.op_case() == proto::LogEntry::OP_NOT_SET) {
    return Status::InvalidArgument("log entry carries no op (or one this server does not know)");
  }
  return Status::Ok();
}

Result<ApplyResult> StateMachine::Apply(const proto::LogEntry& entry, int64_t zxid) {
  if (Status s = CheckEntry(entry); !s.ok()) {
    return Status::InvalidArgument("zxid " + std::to_string(zxid) + ": " + s.message());
  }
  if (zxid <= last_applied_zxid_) {
    return Status::InvalidArgument("zxid " + std::to_string(zxid) + " is not above the last applied " +
                                   std::to_string(last_applied_zxid_));
  }
  ApplyResult out;
  out.response.set_xid(entry.xid());
  out.response.set_zxid(zxid);
  WriteContext ctx{zxid, entry.time_ms(), entry.session_id(), &entry.auth()};
  switch (entry.op_case()) {
    case proto::LogEntry::kRequest:
      ApplyRequest(entry, ctx, &out);
      break;
    case proto::LogEntry::kCreateSession: {
      const proto::CreateSessionOp& op = entry.create_session();
      // Positive ids keep ephemeralOwner unambiguous (containers and TTL
      // nodes use negative encodings).
      if (op.session_id() <= 0 || op.timeout_ms() <= 0 || op.password().size() > kMaxPasswordBytes ||
          !sessions_.Create(op.session_id(), op.timeout_ms(), op.password())) {
        out.response.set_error(proto::BADARGUMENTS);
      }
      break;
    }
    case proto::LogEntry::kCloseSession:
      if (!sessions_.Contains(entry.close_session().session_id())) {
        out.response.set_error(proto::SESSIONEXPIRED);
      } else {
        EndSession(entry.close_session().session_id(), zxid, &out);
      }
      break;
    case proto::LogEntry::kExpireSessions:
      for (int64_t id : entry.expire_sessions().session_ids()) {
        if (sessions_.Contains(id)) EndSession(id, zxid, &out);  // already gone: nothing to do
      }
      break;
    case proto::LogEntry::kReap: {
      Effects fx;
      tree_.Reap(entry.time_ms(), zxid, &fx);
      out.triggers = std::move(fx.triggers);
      break;
    }
    case proto::LogEntry::kNoop:
    case proto::LogEntry::OP_NOT_SET:
      break;
  }
  last_applied_zxid_ = zxid;
  return out;
}

void StateMachine::ApplyRequest(const proto::LogEntry& entry, const WriteContext& ctx,
                                ApplyResult* out) {
  proto::Response& resp = out->response;
  if (!sessions_.Contains(entry.session_id())) {
    resp.set_error(proto::SESSIONEXPIRED);
    return;
  }
  const proto::Request& req = entry.request();
  Effects fx;
  proto::ErrorCode rc = proto::OK;
  switch (req.op_case()) {
    case proto::Request::kCreate:
      rc = tree_.Create(req.create(), ctx, resp.mutable_create(), &fx);
      break;
    case proto::Request::kDelete:
      resp.mutable_delete_();
      rc = tree_.Delete(req.delete_(), ctx, &fx);
      break;
    case proto::Request::kSetData:
      rc = tree_.SetData(req.set_data(), ctx, resp.mutable_set_data(), &fx);
      break;
    case proto::Request::kSetAcl:
      rc = tree_.SetAcl(req.set_acl(), ctx, resp.mutable_set_acl());
      break;
    case proto::Request::kCheck:
      resp.mutable_check();
      rc = tree_.Check(req.check(), ctx);
      break;
    case proto::Request::kMulti:
      rc = tree_.Multi(req.multi(), ctx, resp.mutable_multi(), &fx);
      break;
    case proto::Request::kCloseSession:
      resp.mutable_close_session();
      EndSession(entry.session_id(), ctx.zxid, out);
      break;
    default:
      rc = proto::UNIMPLEMENTED;  // not a write: served by Read, never logged
      break;
  }
  resp.set_error(rc);
  // A failed multi still carries its per-op results; other failures carry none.
  if (rc != proto::OK && req.op_case() != proto::Request::kMulti) resp.clear_result();
  for (WatchTrigger& t : fx.triggers) out->triggers.push_back(std::move(t));
}

void StateMachine::EndSession(int64_t session, int64_t zxid, ApplyResult* out) {
  Effects fx;
  tree_.DeleteEphemerals(session, zxid, &fx);
  sessions_.Remove(session);
  for (WatchTrigger& t : fx.triggers) out->triggers.push_back(std::move(t));
  out->ended_sessions.push_back(session);
}

Status StateMachine::Save(ByteSink* sink) const {
  SnapshotWriter w(sink);
  w.Raw(std::string_view(kSnapshotMagic, 8));
  w.U32(kSnapshotVersion);
  w.I64(last_applied_zxid_);
  w.U64(sessions_.size());
  for (const auto& [id, info] : sessions_.all()) {
    w.I64(id);
    w.I32(info.timeout_ms);
    w.Bytes(info.password);
  }
  tree_.Save(&w);
  return w.Finish();
}

Result<std::unique_ptr<StateMachine>> StateMachine::Load(ByteSource* source, TreeOptions options) {
  auto sm = std::make_unique<StateMachine>(std::move(options));
  SnapshotReader r(source);
  std::string magic;
  ARBOR_RETURN_IF_ERROR(r.Raw(8, &magic, "magic"));
  if (magic != std::string_view(kSnapshotMagic, 8)) {
    return Status::Corruption("not an Arbor snapshot: bad magic");
  }
  uint32_t version;
  ARBOR_RETURN_IF_ERROR(r.U32(&version, "format version"));
  if (version < kOldestSnapshotVersion || version > kSnapshotVersion) {
    return Status::Corruption("unknown snapshot format version " + std::to_string(version));
  }
  ARBOR_RETURN_IF_ERROR(r.I64(&sm->last_applied_zxid_, "last applied zxid"));
  if (sm->last_applied_zxid_ < 0) return Status::Corruption("snapshot corrupt: negative zxid");
  uint64_t count;
  ARBOR_RETURN_IF_ERROR(r.U64(&count, "session count"));
  if (count > kMaxSessions) return Status::Corruption("snapshot corrupt: session count " + std::to_string(count));
  int64_t previous = 0;
  std::string password;
  for (uint64_t i = 0; i < count; ++i) {
    int64_t id;
    int32_t timeout;
    ARBOR_RETURN_IF_ERROR(r.I64(&id, "session id"));
    ARBOR_RETURN_IF_ERROR(r.I32(&timeout, "session timeout"));
    ARBOR_RETURN_IF_ERROR(r.Bytes(&password, kMaxPasswordBytes, "session password"));
    if (id <= previous || timeout <= 0) {
      return Status::Corruption("snapshot corrupt: session " + std::to_string(i) + " out of order or invalid");
    }
    previous = id;
    sm->sessions_.Create(id, timeout, password);
  }
  const session::SessionTable& sessions = sm->sessions_;
  ARBOR_RETURN_IF_ERROR(sm->tree_.Load(&r, version, [&sessions](int64_t s) { return sessions.Contains(s); }));
  ARBOR_RETURN_IF_ERROR(r.VerifyTrailer());
  return {std::move(sm)};
}

}  // namespace arbor::tree
