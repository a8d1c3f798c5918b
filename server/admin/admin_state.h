// AdminState: what the admin port serves without asking the loop, built on
// the loop every publish interval and handed to the HTTP threads as an
// immutable shared_ptr (StatePublisher). Health, readiness, /metrics gauges,
// the status and members API and the console's charts read only this.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/core/arbor_server.h"
#include "server/core/server_status.h"

namespace arbor::admin {

struct MemberView {
  uint64_t id = 0;
  std::string peer_address;  // host:peer_port from --peers
  std::string role;          // as this server knows it: leader, follower, self's own role, or unknown
  bool self = false;
  bool connected = false;  // a live peer link (self: true)
  // Leader only (else 0 / empty): the follower's replication progress.
  uint64_t match_index = 0;
  uint64_t lag_entries = 0;  // leader's last index - match
  std::string progress;      // probe, replicate, snapshot
  bool recent_active = false;
};

// One point of the console's charts: totals at a moment; the console
// differentiates consecutive points.
struct HistoryPoint {
  int64_t wall_ms = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t latency_sum_us = 0;
  uint64_t writes = 0;  // log entries applied here (commit index growth)
  uint64_t sessions = 0;
  uint64_t connections = 0;
};

struct AdminState {
  int64_t published_mono_ms = 0;  // steady clock, for the liveness check
  int64_t published_wall_ms = 0;
  core::ServerStatus status;
  bool shutting_down = false;
  uint64_t last_log_index = 0;
  uint64_t applied_index = 0;
  uint64_t approximate_data_bytes = 0;
  uint64_t outstanding_requests = 0;  // every connection's pipeline
  uint64_t watches = 0;               // (path, session) pairs
  uint64_t ephemeral_sessions = 0;
  uint64_t snapshots_installed = 0;
  std::vector<core::ArborServer::ListenerInfo> listeners;
  // The client connections' shared bounds (net::ClientBudget).
  uint64_t refused_total = 0;   // --max_connections
  uint64_t refused_per_ip = 0;  // --max_connections_per_ip
  uint64_t dropped_slow_readers = 0;
  uint64_t client_output_bytes = 0;
  std::vector<MemberView> members;
  std::vector<HistoryPoint> history;  // oldest first
};

// Builds the state on the loop thread.
std::shared_ptr<AdminState> BuildAdminState(core::ArborServer& server, const std::deque<HistoryPoint>& history);
HistoryPoint SampleHistory(core::ArborServer& server, int64_t wall_ms);

// The latest AdminState, swapped in by the loop and read by HTTP threads:
// one short lock per publish and per HTTP request, never per client request.
class StatePublisher {
 public:
  void Publish(std::shared_ptr<const AdminState> s) {
    std::lock_guard<std::mutex> l(mu_);
    state_ = std::move(s);
  }
  std::shared_ptr<const AdminState> Latest() const {
    std::lock_guard<std::mutex> l(mu_);
    return state_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const AdminState> state_;
};

}  // namespace arbor::admin
