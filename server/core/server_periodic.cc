// ArborServer, periodic work on every tick: session expiry (leader),
// heartbeat reports (followers), container/TTL reaping, sync time-outs and
// snapshots.
#include <glog/logging.h>

#include <cstdio>

#include "server/core/arbor_server.h"
#include "server/storage/snapshot_file.h"

namespace arbor::core {

void ArborServer::OnTimer(uv_timer_t* t) { static_cast<ArborServer*>(t->data)->Periodic(); }

void ArborServer::Periodic() {
  if (stopped_) return;
  int64_t now = static_cast<int64_t>(uv_now(loop_));
  if (on_shutdown_) {
    AdvanceShutdown(now);
    if (stopped_) return;
  }
  if (raft_->is_leader()) {
    std::vector<int64_t> expired = expiry_.TakeExpired(now);
    if (!expired.empty()) {
      proto::LogEntry e = NewEntry(0, 0);
      for (int64_t id : expired) {
        if (sm_->sessions().Contains(id)) e.mutable_expire_sessions()->add_session_ids(id);
      }
      if (e.expire_sessions().session_ids_size() > 0) {
        LOG(INFO) << "expiring " << e.expire_sessions().session_ids_size() << " session(s)";
        if (Submit(std::move(e)) != proto::OK) {
          // Not proposed: touch them so the next tick tries again.
          for (int64_t id : expired) expiry_.Touch(id, now - 1000000000);
        }
      }
    }
    if (now - last_reap_ms_ >= options_.reap_interval_ms && sm_->tree().reap_candidate_count() > 0) {
      last_reap_ms_ = now;
      proto::LogEntry e = NewEntry(0, 0);
      e.mutable_reap();
      (void)Submit(std::move(e));
    }
  } else if (leader_ != 0 && !heard_from_.empty()) {
    proto::PeerFrame f;
    for (int64_t id : heard_from_) f.mutable_heartbeats()->add_session_ids(id);
    heard_from_.clear();
    peers_->Send(leader_, f);
  }
  // ReadIndex requests that were never answered (message loss, leader change).
  for (auto it = pending_syncs_.begin(); it != pending_syncs_.end();) {
    if (it->second.deadline_ms > static_cast<uint64_t>(now)) {
      ++it;
      continue;
    }
    FailWaiter(it->second.waiter, it->second.request.xid(), proto::CONNECTIONLOSS);
    it = pending_syncs_.erase(it);
  }
  MaybeSnapshot();
  PumpSnapshots();
  if (now - last_status_ms_ >= 1000) {
    last_status_ms_ = now;
    WriteStatusFile();
  }
}

void ArborServer::WriteStatusFile() {
  // One line for operators and deploy/local-cluster.sh status. Not fsynced:
  // it is a hint, rewritten every second, never read back by arbord.
  std::string connected;
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.id && peers_->Connected(id)) connected += (connected.empty() ? "" : ",") + std::to_string(id);
  }
  char line[512];
  std::snprintf(line, sizeof(line),
                "role=%s leader=%llu term=%llu commit=%llu applied=%lld sessions=%zu znodes=%zu peers_up=%s\n",
                raft::RoleName(raft_->node().role()), static_cast<unsigned long long>(raft_->leader()),
                static_cast<unsigned long long>(raft_->term()), static_cast<unsigned long long>(raft_->commit_index()),
                static_cast<long long>(sm_->last_applied_zxid()), sm_->sessions().size(), sm_->tree().node_count(),
                connected.empty() ? "-" : connected.c_str());
  std::string path = options_.data_dir + "/status";
  std::string tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fputs(line, f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
}

void ArborServer::MaybeSnapshot() {
  uint64_t applied = static_cast<uint64_t>(sm_->last_applied_zxid());
  if (applied < last_snapshot_index_ + options_.snapshot_every_entries || saver_->running()) return;
  auto term = data_->log()->Term(applied);
  if (!term.ok()) return;  // not durable locally yet; try on a later tick
  raft::SnapshotMetadata meta;
  meta.set_index(applied);
  meta.set_term(*term);
  raft::HardState hs;
  if (!data_->log()->InitialState(&hs, meta.mutable_conf_state()).ok()) return;
  // Frozen copy taken on the loop (the tree keeps changing); the saver
  // thread writes, fsyncs and renames it, then the log is compacted.
  auto image = std::make_shared<std::string>();
  StringSink sink(image.get());
  Status s = sm_->Save(&sink);
  if (!s.ok()) {
    LOG(ERROR) << "snapshot at " << applied << " failed to serialize: " << s.ToString();
    return;
  }
  last_snapshot_index_ = applied;
  s = saver_->Start(meta, [image](ByteSink* out) { return out->Append(*image); },
                    [applied](const Status& st, uint64_t) {
                      if (st.ok()) {
                        LOG(INFO) << "snapshot at index " << applied << " is durable";
                      } else {
                        LOG(ERROR) << "snapshot at index " << applied << " failed: " << st.ToString();
                      }
                    });
  if (!s.ok()) LOG(WARNING) << "snapshot not started: " << s.ToString();
}

}  // namespace arbor::core
