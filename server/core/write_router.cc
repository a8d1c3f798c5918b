#include "server/core/write_router.h"

#include <glog/logging.h>

#include <cstdlib>

namespace arbor::core {

WriteRouter::WriteRouter(uint64_t self_id, int64_t sync_timeout_ms, const Env& env, RaftDriver* raft,
                         session::SessionManager* sessions, std::function<int64_t()> applied_zxid)
    : self_id_(self_id),
      sync_timeout_ms_(sync_timeout_ms),
      env_(env),
      raft_(raft),
      sessions_(sessions),
      applied_zxid_(std::move(applied_zxid)) {}

proto::LogEntry WriteRouter::NewEntry(int64_t session_id, int32_t xid) const {
  proto::LogEntry e;
  e.set_format_version(proto::LOG_FORMAT_V1);
  e.set_session_id(session_id);
  e.set_origin_server(self_id_);
  e.set_xid(xid);
  return e;
}

proto::ErrorCode WriteRouter::Submit(proto::LogEntry entry) {
  if (raft_->is_leader()) {
    entry.set_time_ms(env_.clock->WallMs());
    Status s = raft_->Propose(entry.SerializeAsString());
    if (s.ok()) return proto::OK;
    LOG_EVERY_N(WARNING, 100) << "proposal refused: " << s.ToString();
    return s.code() == Status::Code::kBusy ? proto::THROTTLEDOP : proto::CONNECTIONLOSS;
  }
  uint64_t leader = raft_->leader();
  if (leader == 0) return proto::CONNECTIONLOSS;  // no leader known: no quorum here
  proto::PeerFrame f;
  *f.mutable_forward()->mutable_entry() = std::move(entry);
  return env_.peers->Send(leader, f) ? proto::OK : proto::CONNECTIONLOSS;
}

void WriteRouter::StartWrite(session::ClientHandle* client, uint64_t seq, const proto::Request& r) {
  Waiter w{client->connection_id(), seq};
  int64_t sid = client->session_id();
  auto key = std::make_pair(sid, r.xid());
  if (writes_.count(key) != 0) {
    Fail(w, r.xid(), proto::MARSHALLINGERROR);  // the client reused an xid still in flight
    return;
  }
  proto::LogEntry entry = NewEntry(sid, r.xid());
  *entry.mutable_auth() = sessions_->IdsOf(client->connection_id());  // the replicated ACL checks judge these
  if (r.has_close_session()) {
    entry.mutable_close_session()->set_session_id(sid);
  } else {
    *entry.mutable_request() = r;
  }
  proto::ErrorCode err = Submit(std::move(entry));
  if (err != proto::OK) {
    Fail(w, r.xid(), err);
    return;
  }
  writes_[key] = w;
}

void WriteRouter::StartConnect(session::ClientHandle* client, proto::LogEntry entry) {
  int64_t id = entry.create_session().session_id();
  proto::ErrorCode err = Submit(std::move(entry));
  if (err != proto::OK) {
    proto::ConnectResponse resp;
    resp.set_error(err);
    client->CompleteConnect(resp);
    return;
  }
  connects_[id] = Waiter{client->connection_id(), 0};
}

void WriteRouter::StartSync(session::ClientHandle* client, uint64_t seq, const proto::Request& r) {
  Waiter w{client->connection_id(), seq};
  uint64_t ctx = next_sync_ctx_++;
  Status st = raft_->ReadIndex(std::to_string(ctx));
  if (!st.ok()) {
    Fail(w, r.xid(), proto::CONNECTIONLOSS);
    return;
  }
  syncs_[ctx] = PendingSync{w, r.xid(), r.sync().path(), 0, env_.clock->NowMs() + sync_timeout_ms_};
}

void WriteRouter::OnForwarded(uint64_t from, proto::LogEntry entry) {
  proto::ErrorCode err = proto::CONNECTIONLOSS;  // not the leader (any more)
  if (raft_->is_leader()) {
    entry.set_time_ms(env_.clock->WallMs());
    Status s = raft_->Propose(entry.SerializeAsString());
    if (s.ok()) return;  // the origin answers its client when it applies the entry
    err = s.code() == Status::Code::kBusy ? proto::THROTTLEDOP : proto::CONNECTIONLOSS;
    LOG_EVERY_N(WARNING, 100) << "forwarded proposal from " << from << " refused: " << s.ToString();
  }
  proto::PeerFrame refused;
  auto* r = refused.mutable_forward_refused();
  r->set_session_id(entry.session_id());
  r->set_xid(entry.xid());
  if (entry.has_create_session()) r->set_new_session_id(entry.create_session().session_id());
  r->set_error(err);
  env_.peers->Send(from, refused);
}

void WriteRouter::OnForwardRefused(const proto::ForwardRefused& r) {
  if (r.new_session_id() != 0) {
    auto c = connects_.find(r.new_session_id());
    if (c == connects_.end()) return;
    session::ClientHandle* client = sessions_->Find(c->second.conn);
    connects_.erase(c);
    if (client != nullptr) {
      proto::ConnectResponse resp;
      resp.set_error(r.error());
      client->CompleteConnect(resp);
    }
    return;
  }
  auto w = writes_.find({r.session_id(), r.xid()});
  if (w == writes_.end()) return;
  Waiter waiter = w->second;
  writes_.erase(w);
  Fail(waiter, r.xid(), r.error());
}

void WriteRouter::OnApplied(const proto::LogEntry& entry, tree::ApplyResult* result) {
  if (entry.origin_server() != self_id_) return;
  if (entry.has_create_session()) {
    auto it = connects_.find(entry.create_session().session_id());
    if (it == connects_.end()) return;
    session::ClientHandle* client = sessions_->Find(it->second.conn);
    connects_.erase(it);
    if (client == nullptr) return;
    proto::ConnectResponse resp;
    resp.set_protocol_version(1);
    resp.set_error(result->response.error());
    if (result->response.error() == proto::OK) {
      resp.set_session_id(entry.create_session().session_id());
      resp.set_timeout_ms(entry.create_session().timeout_ms());
      resp.set_password(entry.create_session().password());
      sessions_->Bind(resp.session_id(), client);
    }
    client->CompleteConnect(resp);
    return;
  }
  if (!entry.has_request() && !entry.has_close_session()) return;
  auto it = writes_.find({entry.session_id(), entry.xid()});
  if (it == writes_.end()) return;
  Waiter w = it->second;
  writes_.erase(it);
  session::ClientHandle* client = sessions_->Find(w.conn);
  if (client == nullptr) return;
  result->response.set_xid(entry.xid());
  client->Complete(w.seq, std::move(result->response));
  if (entry.has_close_session()) client->Terminate(proto::SESSIONEXPIRED, Status::Ok());
}

void WriteRouter::OnReadState(const std::string& context, uint64_t index) {
  uint64_t ctx = std::strtoull(context.c_str(), nullptr, 10);
  auto it = syncs_.find(ctx);
  if (it != syncs_.end()) it->second.read_index = index;
  FinishSyncs();
}

void WriteRouter::FinishSyncs() {
  uint64_t applied = static_cast<uint64_t>(applied_zxid_());
  for (auto it = syncs_.begin(); it != syncs_.end();) {
    PendingSync& p = it->second;
    if (p.read_index == 0 || p.read_index > applied) {
      ++it;
      continue;
    }
    if (session::ClientHandle* client = sessions_->Find(p.waiter.conn)) {
      proto::Response resp;
      resp.set_xid(p.xid);
      resp.set_zxid(applied_zxid_());
      resp.mutable_sync()->set_path(p.path);
      client->Complete(p.waiter.seq, std::move(resp));
    }
    it = syncs_.erase(it);
  }
}

void WriteRouter::ExpireSyncs(int64_t now_ms) {
  for (auto it = syncs_.begin(); it != syncs_.end();) {
    if (it->second.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    Fail(it->second.waiter, it->second.xid, proto::CONNECTIONLOSS);
    it = syncs_.erase(it);
  }
}

void WriteRouter::AbortAll(const std::string& why) {
  std::set<uint64_t> conns;
  for (const auto& [key, w] : writes_) conns.insert(w.conn);
  for (const auto& [id, w] : connects_) conns.insert(w.conn);
  for (const auto& [ctx, p] : syncs_) conns.insert(p.waiter.conn);
  writes_.clear();
  connects_.clear();
  syncs_.clear();
  for (uint64_t c : conns) {
    if (session::ClientHandle* client = sessions_->Find(c)) {
      client->Terminate(proto::CONNECTIONLOSS, Status::Unavailable(why));
    }
  }
}

void WriteRouter::Fail(const Waiter& w, int32_t xid, proto::ErrorCode error) {
  session::ClientHandle* client = sessions_->Find(w.conn);
  if (client == nullptr) return;
  proto::Response resp;
  resp.set_xid(xid);
  resp.set_error(error);
  resp.set_zxid(applied_zxid_());
  client->Complete(w.seq, std::move(resp));
}

}  // namespace arbor::core
