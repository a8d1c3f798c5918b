// Replica, the apply half: committed entries, leader changes, ReadIndex
// answers, snapshots installed from and sent to peers.
#include <glog/logging.h>

#include <algorithm>

#include "server/core/replica.h"

namespace arbor::core {

void Replica::ApplyEntry(const raft::Entry& entry) {
  snapshots_->NoteApplied(entry.data().size());
  if (!entry.data().empty()) {
    proto::LogEntry le;
    if (!le.ParseFromString(entry.data())) {
      LOG(FATAL) << "committed entry " << entry.index() << " does not decode as a LogEntry; the log is "
                 << "damaged beyond its checksums: restore this server's data from a peer";
    }
    last_stamp_ms_ = std::max(last_stamp_ms_, le.time_ms());
    auto result = sm_->Apply(le, static_cast<int64_t>(entry.index()));
    // Every replica refuses such an entry the same way; carrying on would
    // diverge from a replica that understands it (e.g. a newer format).
    CHECK(result.ok()) << "cannot apply entry " << entry.index() << ": " << result.status().ToString()
                       << " (is this server older than the leader? upgrade it)";
    if (apply_observer_) apply_observer_(le, static_cast<int64_t>(entry.index()), *result);
    DeliverResult(le, &*result);
  }
}

void Replica::AfterApply(uint64_t index) {
  applied_index_ = index;
  router_->FinishSyncs();
}

void Replica::DeliverResult(const proto::LogEntry& entry, tree::ApplyResult* result) {
  // Watch events first: a client must see them before any later response
  // that observes the change.
  if (!result->triggers.empty()) {
    std::vector<tree::SessionEvent> events;
    watches_.Fire(result->triggers, &events);
    for (const auto& ev : events) {
      if (session::ClientHandle* c = sessions_.Carrier(ev.session_id)) c->SendEvent(ev.event);
    }
  }
  if (entry.has_create_session() && result->response.error() == proto::OK) {
    sessions_.Created(entry.create_session().session_id(), entry.create_session().timeout_ms(),
                      env_.clock->NowMs());
  }
  router_->OnApplied(entry, result);
  for (int64_t id : result->ended_sessions) {
    watches_.RemoveSession(id);
    sessions_.End(id, proto::SESSIONEXPIRED);
  }
}

void Replica::OnSoftState(const raft::SoftState& soft, uint64_t term) {
  if (soft.lead != leader_ || term != term_) {
    LOG(INFO) << "server " << options_.id << ": leader is now " << soft.lead << " (term " << term << ", role "
              << raft::RoleName(soft.role) << ")";
    // What was sent may or may not commit under the new leader (an entry of
    // an old term can be overwritten even when the same server leads again):
    // its client is told the outcome is unknown rather than a guess.
    router_->AbortInFlight("leadership changed with writes in flight");
  }
  bool was_leader = leader_ == options_.id;
  leader_ = soft.lead;
  term_ = term;
  if (leader_ == options_.id && !was_leader) {
    sessions_.BecameLeader(sm_->sessions(), env_.clock->NowMs());
    // Entries of earlier terms still in the log commit before any of ours:
    // our stamps start after theirs, and the sessions they end stay ended.
    const raft::RaftLog& log = raft_->node().raft().log();
    for (uint64_t lo = applied_index_ + 1; lo <= log.LastIndex();) {
      auto batch = log.Slice(lo, log.LastIndex() + 1, 4 << 20, 1024);
      if (!batch.ok() || batch->empty()) break;
      NoteInheritedEntries(*batch);
      lo = batch->back().index() + 1;
    }
  }
  if (leader_ != 0) router_->Flush();
}

void Replica::OnReadState(const raft::ReadState& rs) { router_->OnReadState(rs.context, rs.index); }

void Replica::InstallSnapshot(const raft::SnapshotMetadata& meta) {
  auto sm = snapshots_->Load(meta);
  CHECK(sm.ok()) << "snapshot " << meta.index() << " announced by the leader cannot be loaded: "
                 << sm.status().ToString();
  sm_ = std::move(sm).value();
  ++snapshots_installed_;
  env_.metrics->SnapshotReceived();
  snapshots_->Restored(meta.index());
  LOG(INFO) << "installed snapshot at index " << meta.index() << " from the leader (" << sm_->tree().node_count()
            << " znodes)";
  // Watches and pending work refer to a history this server skipped: its
  // clients reconnect and re-send their watches with their last zxid, and
  // the server fires those whose nodes changed (ZooKeeper's setWatches).
  router_->AbortAll("snapshot installed");
  std::vector<session::ClientHandle*> all;
  for (auto& [conn, c] : sessions_.connections()) all.push_back(c);
  for (session::ClientHandle* c : all) c->Terminate(proto::CONNECTIONLOSS, Status::Ok());
  // Nothing of the replaced state may fire or expire later.
  watches_ = tree::WatchManager();
  sessions_.Reset(sm_->sessions(), env_.clock->NowMs());
}

void Replica::SendSnapshot(const raft::Message& msg_snap) { snapshots_->Send(raft_.get(), msg_snap); }

}  // namespace arbor::core
