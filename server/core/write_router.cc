#include "server/core/write_router.h"

#include <glog/logging.h>

#include <cstdlib>

namespace arbor::core {

WriteRouter::WriteRouter(RouterOptions options, const Env& env, RaftDriver* raft, session::SessionManager* sessions,
                         std::function<uint64_t()> applied_index, std::function<int64_t()> applied_zxid)
    : options_(std::move(options)),
      env_(env),
      raft_(raft),
      sessions_(sessions),
      applied_index_(std::move(applied_index)),
      applied_zxid_(std::move(applied_zxid)) {
  next_request_ = env_.entropy->Next64() | 1;
  sync_prefix_ = std::to_string(options_.self_id) + ":" + std::to_string(env_.entropy->Next64()) + ":";
}

proto::LogEntry WriteRouter::NewEntry(int64_t session_id, int32_t xid) const {
  proto::LogEntry e;
  e.set_format_version(proto::LOG_FORMAT_V1);
  e.set_session_id(session_id);
  e.set_origin_server(options_.self_id);
  e.set_xid(xid);
  return e;
}

proto::ErrorCode WriteRouter::ProposeOwn(proto::LogEntry entry) {
  if (!raft_->is_leader()) return proto::CONNECTIONLOSS;
  entry.set_time_ms(options_.stamp ? options_.stamp() : env_.clock->WallMs());
  Status s = raft_->Propose(entry.SerializeAsString());
  if (s.ok()) return proto::OK;
  LOG_EVERY_N(WARNING, 100) << "proposal refused: " << s.ToString();
  return proto::CONNECTIONLOSS;
}

WriteRouter::Sent WriteRouter::TrySend(proto::LogEntry* entry, proto::ErrorCode* refused) {
  if (raft_->is_leader()) {
    if (options_.admit) {
      proto::ErrorCode err = options_.admit(*entry);
      if (err != proto::OK) {
        *refused = err;
        return Sent::kRefused;
      }
    }
    entry->set_time_ms(options_.stamp ? options_.stamp() : env_.clock->WallMs());
    Status s = raft_->Propose(entry->SerializeAsString());
    if (s.ok()) {
      if (options_.proposed) options_.proposed(*entry);
      return Sent::kYes;
    }
    LOG_EVERY_N(INFO, 100) << "proposal waits: " << s.ToString();
    return Sent::kNotNow;  // a transfer under way, or the uncommitted bound: later
  }
  uint64_t leader = raft_->leader();
  if (leader == 0 || !env_.peers->Connected(leader)) return Sent::kNotNow;
  proto::PeerFrame f;
  *f.mutable_forward()->mutable_entry() = *entry;
  return env_.peers->Send(leader, f) ? Sent::kYes : Sent::kNotNow;
}

void WriteRouter::Route(proto::LogEntry entry, const Waiter& w) {
  uint64_t id = next_request_++;
  entry.set_origin_request(id);
  if (parked_.empty()) {
    proto::ErrorCode refused = proto::OK;
    switch (TrySend(&entry, &refused)) {
      case Sent::kYes:
        if (!w.none) writes_[id] = w;
        return;
      case Sent::kRefused:
        Answer(w, refused);
        return;
      case Sent::kNotNow:
        break;
    }
  }
  if (parked_.size() >= options_.max_parked) {
    Answer(w, proto::CONNECTIONLOSS);
    return;
  }
  parked_.push_back(Parked{std::move(entry), w, env_.clock->NowMs() + options_.park_timeout_ms});
}

void WriteRouter::Flush() {
  while (!parked_.empty()) {
    Parked& p = parked_.front();
    proto::ErrorCode refused = proto::OK;
    Sent sent = TrySend(&p.entry, &refused);
    if (sent == Sent::kNotNow) return;
    if (sent == Sent::kYes && !p.waiter.none) writes_[p.entry.origin_request()] = p.waiter;
    if (sent == Sent::kRefused) Answer(p.waiter, refused);
    parked_.pop_front();
  }
}

void WriteRouter::StartWrite(session::ClientHandle* client, uint64_t seq, const proto::Request& r) {
  Waiter w{client->connection_id(), seq, r.xid(), false, false};
  int64_t sid = client->session_id();
  proto::LogEntry entry = NewEntry(sid, r.xid());
  *entry.mutable_auth() = sessions_->IdsOf(client->connection_id());  // the replicated ACL checks judge these
  if (r.has_close_session()) {
    entry.mutable_close_session()->set_session_id(sid);
  } else {
    *entry.mutable_request() = r;
  }
  Route(std::move(entry), w);
}

void WriteRouter::StartConnect(session::ClientHandle* client, proto::LogEntry entry) {
  Route(std::move(entry), Waiter{client->connection_id(), 0, 0, true, false});
}

void WriteRouter::SubmitUnanswered(proto::LogEntry entry) { Route(std::move(entry), Waiter{0, 0, 0, false, true}); }

void WriteRouter::StartResume(session::ClientHandle* client, int64_t session_id, const std::string& password,
                              std::function<void(session::ClientHandle*, proto::SessionRevalidated::Result)> done) {
  uint64_t leader = raft_->leader();
  uint64_t id = next_request_++;
  proto::PeerFrame f;
  auto* rv = f.mutable_revalidate();
  rv->set_request_id(id);
  rv->set_session_id(session_id);
  rv->set_password(password);
  if (leader == 0 || !env_.peers->Send(leader, f)) {
    done(client, proto::SessionRevalidated::RETRY);
    return;
  }
  resumes_[id] = PendingResume{client->connection_id(), env_.clock->NowMs() + options_.resume_timeout_ms,
                               std::move(done)};
}

void WriteRouter::OnRevalidated(const proto::SessionRevalidated& answer) {
  auto it = resumes_.find(answer.request_id());
  if (it == resumes_.end()) return;
  PendingResume p = std::move(it->second);
  resumes_.erase(it);
  p.done(sessions_->Find(p.conn), answer.result());
}

void WriteRouter::StartSync(session::ClientHandle* client, uint64_t seq, const proto::Request& r) {
  Waiter w{client->connection_id(), seq, r.xid(), false, false};
  uint64_t id = next_request_++;
  Status st = raft_->ReadIndex(sync_prefix_ + std::to_string(id));
  if (!st.ok()) {
    Answer(w, proto::CONNECTIONLOSS);
    return;
  }
  int64_t now = env_.clock->NowMs();
  syncs_[id] = PendingSync{w, r.sync().path(), 0, now + options_.sync_timeout_ms, now};
}

void WriteRouter::OnForwarded(uint64_t from, proto::LogEntry entry) {
  proto::ErrorCode err = proto::CONNECTIONLOSS;  // not the leader (any more), or busy: the origin closes
  if (entry.origin_server() != from) {
    // A member forwards its own clients' writes only; the identities in the
    // entry are the ones it authenticated (docs/SECURITY.md, trust model).
    LOG_EVERY_N(WARNING, 100) << "refused a forwarded entry from server " << from << " naming origin "
                              << entry.origin_server();
    err = proto::BADARGUMENTS;
  } else if (raft_->is_leader()) {
    proto::ErrorCode refused = proto::OK;
    Sent sent = TrySend(&entry, &refused);
    if (sent == Sent::kYes) return;  // the origin answers its client when it applies the entry
    if (sent == Sent::kRefused) err = refused;
  }
  proto::PeerFrame f;
  auto* r = f.mutable_forward_refused();
  r->set_session_id(entry.session_id());
  r->set_xid(entry.xid());
  r->set_origin_request(entry.origin_request());
  if (entry.has_create_session()) r->set_new_session_id(entry.create_session().session_id());
  r->set_error(err);
  env_.peers->Send(from, f);
}

void WriteRouter::OnForwardRefused(const proto::ForwardRefused& r) {
  auto it = writes_.find(r.origin_request());
  if (it == writes_.end()) return;
  Waiter w = it->second;
  writes_.erase(it);
  // Nothing was proposed, so the answer is definite. It is not sent again:
  // it could overtake a later write of the same session the leader took.
  // A busy leader is reported as CONNECTIONLOSS, which every ZooKeeper
  // client knows (THROTTLEDOP is unknown to older ones and ends kazoo 2.8).
  Answer(w, r.error() == proto::THROTTLEDOP ? proto::CONNECTIONLOSS : r.error());
}

void WriteRouter::OnApplied(const proto::LogEntry& entry, tree::ApplyResult* result) {
  if (entry.origin_server() != options_.self_id) return;
  auto it = writes_.find(entry.origin_request());
  if (it == writes_.end()) return;
  Waiter w = it->second;
  writes_.erase(it);
  session::ClientHandle* client = sessions_->Find(w.conn);
  if (client == nullptr) return;
  if (w.handshake) {
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
  result->response.set_xid(entry.xid());
  client->Complete(w.seq, std::move(result->response));
  if (entry.has_close_session()) client->Terminate(proto::SESSIONEXPIRED, Status::Ok());
}

void WriteRouter::OnReadState(const std::string& context, uint64_t index) {
  if (context.compare(0, sync_prefix_.size(), sync_prefix_) != 0) return;  // another server's
  uint64_t id = std::strtoull(context.c_str() + sync_prefix_.size(), nullptr, 10);
  auto it = syncs_.find(id);
  if (it != syncs_.end()) it->second.read_index = index;
  FinishSyncs();
}

void WriteRouter::FinishSyncs() {
  uint64_t applied = applied_index_();
  for (auto it = syncs_.begin(); it != syncs_.end();) {
    PendingSync& p = it->second;
    if (p.read_index == 0 || p.read_index > applied) {
      ++it;
      continue;
    }
    if (session::ClientHandle* client = sessions_->Find(p.waiter.conn)) {
      proto::Response resp;
      resp.set_xid(p.waiter.xid);
      resp.set_zxid(applied_zxid_());
      resp.mutable_sync()->set_path(p.path);
      client->Complete(p.waiter.seq, std::move(resp));
    }
    it = syncs_.erase(it);
  }
}

void WriteRouter::Tick(int64_t now_ms) {
  Flush();
  while (!parked_.empty() && parked_.front().deadline_ms <= now_ms) {
    Waiter w = parked_.front().waiter;
    parked_.pop_front();
    Answer(w, proto::CONNECTIONLOSS);  // never sent: nothing happened
  }
  for (auto it = syncs_.begin(); it != syncs_.end();) {
    PendingSync& p = it->second;
    if (p.deadline_ms > now_ms) {
      // The request or its answer travels in Raft messages that may be
      // dropped (a connection reset): ask again, under the same context.
      if (p.read_index == 0 && now_ms - p.asked_ms >= options_.sync_retry_ms &&
          raft_->ReadIndex(sync_prefix_ + std::to_string(it->first)).ok()) {
        p.asked_ms = now_ms;
      }
      ++it;
      continue;
    }
    Answer(p.waiter, proto::CONNECTIONLOSS);
    it = syncs_.erase(it);
  }
  for (auto it = resumes_.begin(); it != resumes_.end();) {
    if (it->second.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    PendingResume p = std::move(it->second);
    it = resumes_.erase(it);
    p.done(sessions_->Find(p.conn), proto::SessionRevalidated::RETRY);
  }
}

void WriteRouter::AbortInFlight(const std::string& why) {
  std::set<uint64_t> conns;
  for (const auto& [id, w] : writes_) {
    if (!w.none) conns.insert(w.conn);
  }
  for (const auto& [id, s] : syncs_) conns.insert(s.waiter.conn);
  std::map<uint64_t, PendingResume> resumes;
  resumes.swap(resumes_);
  writes_.clear();
  syncs_.clear();
  for (auto& [id, p] : resumes) p.done(sessions_->Find(p.conn), proto::SessionRevalidated::RETRY);
  for (uint64_t c : conns) CloseWaiter(Waiter{c, 0, 0, false, false}, why);
}

void WriteRouter::AbortAll(const std::string& why) {
  std::deque<Parked> parked;
  parked.swap(parked_);
  for (const Parked& p : parked) {
    if (!p.waiter.none) CloseWaiter(p.waiter, why);
  }
  AbortInFlight(why);
}

void WriteRouter::Answer(const Waiter& w, proto::ErrorCode error) {
  if (w.none) return;
  session::ClientHandle* client = sessions_->Find(w.conn);
  if (client == nullptr) return;
  if (w.handshake) {
    proto::ConnectResponse resp;
    resp.set_error(error);
    client->CompleteConnect(resp);
    return;
  }
  proto::Response resp;
  resp.set_xid(w.xid);
  resp.set_error(error);
  resp.set_zxid(applied_zxid_());
  client->Complete(w.seq, std::move(resp));
}

void WriteRouter::CloseWaiter(const Waiter& w, const std::string& why) {
  if (w.none) return;
  if (session::ClientHandle* client = sessions_->Find(w.conn)) {
    client->Terminate(proto::CONNECTIONLOSS, Status::Unavailable(why));
  }
}

}  // namespace arbor::core
