// ArborServer, graceful shutdown (SIGTERM): drain, hand over leadership, stop.
#include <glog/logging.h>

#include "server/core/arbor_server.h"

namespace arbor::core {

void ArborServer::Shutdown(std::function<void()> stopped) {
  if (stopped_ || on_shutdown_) return;
  on_shutdown_ = std::move(stopped);
  if (clients_) clients_->StopAccepting();
  shutdown_phase_ = ShutdownPhase::kDraining;
  shutdown_deadline_ms_ = static_cast<int64_t>(uv_now(loop_)) + 2 * options_.election_ticks * options_.tick_ms;
  if (options_.close_sessions_on_shutdown) {
    int n = 0;
    for (const auto& [id, session] : by_session_) {
      proto::LogEntry e = NewEntry(id, 0);
      e.mutable_close_session()->set_session_id(id);
      if (Submit(std::move(e)) == proto::OK) ++n;
    }
    LOG(INFO) << "shutting down: closing " << n << " session(s) of this server's clients";
  }
  AdvanceShutdown(static_cast<int64_t>(uv_now(loop_)));
}

void ArborServer::AdvanceShutdown(int64_t now) {
  bool late = now >= shutdown_deadline_ms_;
  if (shutdown_phase_ == ShutdownPhase::kDraining) {
    bool busy = !pending_writes_.empty() || !pending_connects_.empty() || !pending_syncs_.empty() ||
                (options_.close_sessions_on_shutdown && !by_session_.empty());
    if (busy && !late) return;
    if (busy) LOG(WARNING) << "shutting down with requests still in flight (they were given until the deadline)";
    if (raft_->is_leader() && StartLeadershipTransfer()) {
      shutdown_phase_ = ShutdownPhase::kTransferring;
      shutdown_deadline_ms_ = now + 2 * options_.election_ticks * options_.tick_ms;
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

bool ArborServer::StartLeadershipTransfer() {
  for (const auto& [id, addr] : options_.peers) {
    if (id == options_.id || !peers_->Connected(id)) continue;
    LOG(INFO) << "shutting down: handing leadership to server " << id;
    Status s = raft_->TransferLeadership(id);
    if (s.ok()) return true;
    LOG(WARNING) << "leadership transfer to " << id << " refused: " << s.ToString();
    return false;
  }
  return false;
}

void ArborServer::FinishShutdown() {
  shutdown_phase_ = ShutdownPhase::kNone;
  auto done = std::move(on_shutdown_);
  on_shutdown_ = nullptr;
  Stop();
  if (done) done();
}

}  // namespace arbor::core
