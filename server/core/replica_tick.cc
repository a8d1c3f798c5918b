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
  router_->ExpireSyncs(now);
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
  if (router_->Submit(std::move(e)) != proto::OK) sessions_.RetryExpiry(expired, now);
}

void Replica::ProposeReap(int64_t now) {
  if (now - last_reap_ms_ < options_.reap_interval_ms || sm_->tree().reap_candidate_count() == 0) return;
  last_reap_ms_ = now;
  proto::LogEntry e = router_->NewEntry(0, 0);
  e.mutable_reap();
  (void)router_->Submit(std::move(e));
}

void Replica::ReportHeartbeats() {
  if (leader_ == 0) return;
  std::vector<int64_t> ids = sessions_.TakeHeartbeatReport();
  if (ids.empty()) return;
  proto::PeerFrame f;
  for (int64_t id : ids) f.mutable_heartbeats()->add_session_ids(id);
  env_.peers->Send(leader_, f);
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
      if (router_->Submit(std::move(e)) == proto::OK) ++n;
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
