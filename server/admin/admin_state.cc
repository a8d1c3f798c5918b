#include "server/admin/admin_state.h"

#include <algorithm>
#include <chrono>

#include "server/raft/raft.h"

namespace arbor::admin {
namespace {

const char* ProgressName(raft::Progress::State s) {
  switch (s) {
    case raft::Progress::State::kProbe: return "probe";
    case raft::Progress::State::kReplicate: return "replicate";
    case raft::Progress::State::kSnapshot: return "snapshot";
  }
  return "unknown";
}

int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HistoryPoint SampleHistory(core::ArborServer& server, int64_t wall_ms) {
  const metrics::ServerMetrics& m = server.metrics();
  HistoryPoint p;
  p.wall_ms = wall_ms;
  for (size_t proto = 0; proto < static_cast<size_t>(metrics::Protocol::kCount); ++proto) {
    for (size_t op = 0; op < metrics::kMaxOps; ++op) {
      metrics::Histogram::Snapshot s = m.latency(static_cast<metrics::Protocol>(proto), op).Read();
      p.requests += s.count;
      p.latency_sum_us += s.sum;
      p.errors += m.errors(static_cast<metrics::Protocol>(proto), op);
    }
  }
  const core::Replica& r = server.replica();
  p.writes = r.raft().applied_index();
  p.sessions = r.state().sessions().size();
  p.connections = r.sessions().connections().size();
  return p;
}

std::shared_ptr<AdminState> BuildAdminState(core::ArborServer& server, const std::deque<HistoryPoint>& history) {
  auto st = std::make_shared<AdminState>();
  const core::Replica& r = server.replica();
  st->published_mono_ms = MonoMs();
  st->published_wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  st->status = r.GetStatus();
  st->shutting_down = server.shutting_down();
  const raft::Raft& raft = r.raft().node().raft();
  st->last_log_index = raft.log().LastIndex();
  st->applied_index = r.raft().applied_index();
  st->approximate_data_bytes = r.state().tree().ApproximateBytes();
  for (const auto& c : st->status.connections) st->outstanding_requests += c.outstanding;
  uint64_t watches = 0;
  r.watches().ForEach([&watches](const std::string&, int64_t, uint8_t) { ++watches; });
  st->watches = watches;
  st->ephemeral_sessions = r.state().tree().ephemeral_session_count();
  st->snapshots_installed = r.snapshots_installed();
  st->listeners = server.listener_info();
  if (const net::ClientBudget* b = server.client_budget(); b != nullptr) {
    st->refused_total = b->refused_total();
    st->refused_per_ip = b->refused_per_ip();
    st->dropped_slow_readers = b->dropped_slow_readers();
    st->client_output_bytes = b->output_bytes();
  }

  const core::ServerOptions& o = server.options();
  bool leader = st->status.role == "leader";
  for (const auto& [id, addr] : o.peers) {
    MemberView m;
    m.id = id;
    m.peer_address = addr;
    m.self = id == o.id;
    if (m.self) {
      m.role = st->status.role;
      m.connected = true;
    } else {
      m.connected = std::find(st->status.peers_connected.begin(), st->status.peers_connected.end(), id) !=
                    st->status.peers_connected.end();
      m.role = id == st->status.leader ? "leader" : (st->status.leader != 0 && m.connected ? "follower" : "unknown");
    }
    if (leader) {
      const auto& progress = raft.tracker().progress();
      auto it = progress.find(id);
      if (it != progress.end()) {
        m.match_index = m.self ? st->last_log_index : it->second.match;
        m.lag_entries = st->last_log_index > m.match_index ? st->last_log_index - m.match_index : 0;
        m.progress = ProgressName(it->second.state);
        m.recent_active = m.self || it->second.recent_active;
      }
    }
    st->members.push_back(std::move(m));
  }
  st->history.assign(history.begin(), history.end());
  return st;
}

}  // namespace arbor::admin
