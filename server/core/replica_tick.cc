// Replica, periodic work on every tick: session expiry (leader), heartbeat
// reports (followers), container/TTL reaping, sync time-outs, snapshots,
// and the phases of a graceful shutdown.
#include <glog/logging.h>

#include "server/core/replica.h"

namespace arbor::core {

void Replica::Poll() {
  if (!stopped_ && raft_) raft_->Poll();
}

void Replica::Tick() {
  if (stopped_ || !started_) return;
  raft_->Tick();
  int64_t now = env_.clock->NowMs();
  if (on_shutdown_) {
    AdvanceShutdown(now);
    if (stopped_) return;
  }
  if (raft_->is_leader()) {
    ProposeExpiries(now);
    ProposeReap(now);
  } else {
    ReportHeartbeats();
  }
  UpdateServing(now);
  if (serving_ && !raft_->is_leader()) DropUncoveredClients(now);
  router_->Tick(now);
  snapshots_->MaybeTake(*sm_);
  snapshots_->Pump(raft_.get());
}

void Replica::ProposeExpiries(int64_t now) {
  std::vector<int64_t> expired = sessions_.TakeExpired(now);
  if (expired.empty()) return;
  proto::LogEntry e = router_->NewEntry(0, 0);
  for (int64_t id : expired) {
    if (sm_->sessions().Contains(id)) e.mutable_expire_sessions()->add_session_ids(id);
  }
  if (e.expire_sessions().session_ids_size() == 0) return;
  LOG(INFO) << "expiring " << e.expire_sessions().session_ids_size() << " session(s)";
  if (router_->ProposeOwn(std::move(e)) != proto::OK) sessions_.RetryExpiry(expired, now);
}

void Replica::ProposeReap(int64_t now) {
  if (now - last_reap_ms_ < options_.reap_interval_ms || sm_->tree().reap_candidate_count() == 0) return;
  last_reap_ms_ = now;
  proto::LogEntry e = router_->NewEntry(0, 0);
  e.mutable_reap();
  (void)router_->ProposeOwn(std::move(e));
}

void Replica::ReportHeartbeats() {
  uint64_t leader = raft_->leader();
  if (leader == 0) return;
  // Every tick, even with nothing to report: the leader's ack is this
  // server's proof of contact.
  proto::PeerFrame f;
  auto* hb = f.mutable_heartbeats();
  for (int64_t id : sessions_.TakeHeartbeatReport()) hb->add_session_ids(id);
  int64_t now = env_.clock->NowMs();
  hb->set_seq(sessions_.ReportSent(now));
  hb->set_term(raft_->term());
  // The leader sends something every tick: five missed in a row mean the
  // link from it is not working, well before an election timeout.
  hb->set_hears_leader(now - last_leader_message_ms_ <= 5 * options_.tick_ms);
  env_.peers->Send(leader, f);
}

// Follower: a client whose session the leader may no longer see touched
// (reports unacknowledged for a third of its timeout) is disconnected now,
// while it still has time to reach another server. See SessionManager::Covers.
void Replica::DropUncoveredClients(int64_t now) {
  std::vector<session::ClientHandle*> drop;
  for (const auto& [id, client] : sessions_.bound()) {
    const session::SessionInfo* info = sm_->sessions().Find(id);
    if (info != nullptr && !sessions_.Covers(info->timeout_ms, now, options_.tick_ms)) drop.push_back(client);
  }
  for (session::ClientHandle* c : drop) {
    c->Terminate(proto::CONNECTIONLOSS, Status::Unavailable("the leader has not confirmed this session's heartbeats"));
  }
}

void Replica::UpdateServing(int64_t now) {
  bool in_contact = raft_->leader() != 0 &&
                    sessions_.InContact(now, options_.election_timeout_ms(), raft_->is_leader(), options_.id, Voters());
  if (in_contact == serving_) return;
  serving_ = in_contact;
  if (serving_) {
    LOG(INFO) << "server " << options_.id << " serving clients (leader " << raft_->leader() << ")";
    return;
  }
  StopServing("no contact with a leader for " + std::to_string(options_.election_timeout_ms()) + " ms");
}

// Closes every client connection: their clients then see a disconnection well
// before the majority could expire their sessions, and try another server.
void Replica::StopServing(const std::string& why) {
  LOG(WARNING) << "server " << options_.id << " stops serving clients: " << why;
  router_->AbortAll(why);
  std::vector<session::ClientHandle*> all;
  for (auto& [conn, c] : sessions_.connections()) all.push_back(c);
  for (session::ClientHandle* c : all) c->Terminate(proto::CONNECTIONLOSS, Status::Unavailable(why));
}

// ---- Graceful shutdown ----------------------------------------------------

void Replica::Shutdown(std::function<void()> stopped) {
  if (stopped_ || on_shutdown_) return;
  on_shutdown_ = std::move(stopped);
  shutdown_phase_ = ShutdownPhase::kDraining;
  int64_t now = env_.clock->NowMs();
  shutdown_deadline_ms_ = now + 2 * options_.election_timeout_ms();
  if (options_.close_sessions_on_shutdown) {
    int n = 0;
    for (const auto& [id, client] : sessions_.bound()) {
      proto::LogEntry e = router_->NewEntry(id, 0);
      e.mutable_close_session()->set_session_id(id);
      router_->SubmitUnanswered(std::move(e));
      ++n;
    }
    LOG(INFO) << "shutting down: closing " << n << " session(s) of this server's clients";
  }
  AdvanceShutdown(now);
}

void Replica::AdvanceShutdown(int64_t now) {
  bool late = now >= shutdown_deadline_ms_;
  if (shutdown_phase_ == ShutdownPhase::kDraining) {
    bool busy = !router_->idle() || (options_.close_sessions_on_shutdown && !sessions_.bound().empty());
    if (busy && !late) return;
    if (busy) LOG(WARNING) << "shutting down with requests still in flight (they were given until the deadline)";
    if (raft_->is_leader() && StartLeadershipTransfer()) {
      shutdown_phase_ = ShutdownPhase::kTransferring;
      shutdown_deadline_ms_ = now + 2 * options_.election_timeout_ms();
      return;
    }
    FinishShutdown();
    return;
  }
  if (shutdown_phase_ == ShutdownPhase::kTransferring && (!raft_->is_leader() || late)) {
    LOG(INFO) << (raft_->is_leader() ? "leadership transfer timed out; stopping anyway" : "leadership handed over");
    FinishShutdown();
  }
}

bool Replica::StartLeadershipTransfer() {
  for (const auto& [id, addr] : options_.peers) {
    if (id == options_.id || !env_.peers->Connected(id)) continue;
    LOG(INFO) << "shutting down: handing leadership to server " << id;
    Status s = raft_->TransferLeadership(id);
    if (s.ok()) return true;
    LOG(WARNING) << "leadership transfer to " << id << " refused: " << s.ToString();
    return false;
  }
  return false;
}

void Replica::FinishShutdown() {
  shutdown_phase_ = ShutdownPhase::kNone;
  auto done = std::move(on_shutdown_);
  on_shutdown_ = nullptr;
  Stop();
  if (done) done();
}

}  // namespace arbor::core
