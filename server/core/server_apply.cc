// ArborServer, the apply half: committed entries, leader changes, ReadIndex.
#include <glog/logging.h>

#include "server/core/arbor_server.h"
#include "server/storage/snapshot_file.h"

namespace arbor::core {

void ArborServer::ApplyEntry(const raft::Entry& entry) {
  if (!entry.data().empty()) {
    proto::LogEntry le;
    if (!le.ParseFromString(entry.data())) {
      LOG(FATAL) << "committed entry " << entry.index() << " does not decode as a LogEntry; the log is "
                 << "damaged beyond its checksums: restore this server's data from a peer";
    }
    auto result = sm_->Apply(le, static_cast<int64_t>(entry.index()));
    // Every replica refuses such an entry the same way; carrying on would
    // diverge from a replica that understands it (e.g. a newer format).
    CHECK(result.ok()) << "cannot apply entry " << entry.index() << ": " << result.status().ToString()
                       << " (is this server older than the leader? upgrade it)";
    DeliverResult(le, *result, static_cast<int64_t>(entry.index()));
  }
  FinishSyncs();
}

void ArborServer::DeliverResult(const proto::LogEntry& entry, tree::ApplyResult& result, int64_t zxid) {
  // Watch events first: a client must see them before any later response
  // that observes the change.
  if (!result.triggers.empty()) {
    std::vector<tree::SessionEvent> events;
    watches_.Fire(result.triggers, &events);
    for (const auto& ev : events) {
      auto it = by_session_.find(ev.session_id);
      if (it != by_session_.end()) it->second->SendEvent(ev.event);
    }
  }
  int64_t now = static_cast<int64_t>(uv_now(loop_));
  if (entry.has_create_session() && result.response.error() == proto::OK) {
    expiry_.Add(entry.create_session().session_id(), entry.create_session().timeout_ms(), now);
  }
  bool mine = entry.origin_server() == options_.id;
  if (mine && entry.has_create_session()) {
    auto it = pending_connects_.find(entry.create_session().session_id());
    if (it != pending_connects_.end()) {
      net::ClientSession* s = Find(it->second.conn);
      pending_connects_.erase(it);
      if (s != nullptr) {
        proto::ConnectResponse resp;
        resp.set_protocol_version(1);
        resp.set_error(result.response.error());
        if (result.response.error() == proto::OK) {
          resp.set_session_id(entry.create_session().session_id());
          resp.set_timeout_ms(entry.create_session().timeout_ms());
          resp.set_password(entry.create_session().password());
          by_session_[resp.session_id()] = s;
        }
        s->CompleteConnect(resp);
      }
    }
  } else if (mine && (entry.has_request() || entry.has_close_session())) {
    auto it = pending_writes_.find({entry.session_id(), entry.xid()});
    if (it != pending_writes_.end()) {
      Waiter w = it->second;
      pending_writes_.erase(it);
      net::ClientSession* s = Find(w.conn);
      if (s != nullptr) {
        result.response.set_xid(entry.xid());
        s->Complete(w.seq, std::move(result.response));
        if (entry.has_close_session()) s->Terminate(proto::SESSIONEXPIRED, Status::Ok());
      }
    }
  }
  for (int64_t id : result.ended_sessions) {
    watches_.RemoveSession(id);
    expiry_.Remove(id);
    heard_from_.erase(id);
    EndLocalSession(id, proto::SESSIONEXPIRED);
  }
  (void)zxid;
}

void ArborServer::EndLocalSession(int64_t session_id, proto::ErrorCode why) {
  auto it = by_session_.find(session_id);
  if (it == by_session_.end()) return;
  net::ClientSession* s = it->second;
  by_session_.erase(it);
  s->Terminate(why, Status::Ok());
}

void ArborServer::OnSoftState(const raft::SoftState& soft) {
  if (soft.lead != leader_) {
    LOG(INFO) << "server " << options_.id << ": leader is now " << soft.lead << " (term " << raft_->term()
              << ", role " << raft::RoleName(soft.role) << ")";
    // Writes in flight may or may not commit under the new leader: tell
    // their clients the outcome is unknown rather than guess.
    AbortPendingWrites();
  }
  bool was_leader = leader_ == options_.id;
  leader_ = soft.lead;
  WriteStatusFile();
  if (leader_ == options_.id && !was_leader) {
    // The new leader does not know when others last heard from each session.
    int64_t now = static_cast<int64_t>(uv_now(loop_));
    for (const auto& [id, info] : sm_->sessions().all()) expiry_.Add(id, info.timeout_ms, now);
    expiry_.RenewAll(now);
    heard_from_.clear();
  }
}

void ArborServer::AbortPendingWrites() {
  std::set<net::Connection::Id> conns;
  for (const auto& [key, w] : pending_writes_) conns.insert(w.conn);
  for (const auto& [id, w] : pending_connects_) conns.insert(w.conn);
  for (const auto& [ctx, p] : pending_syncs_) conns.insert(p.waiter.conn);
  pending_writes_.clear();
  pending_connects_.clear();
  pending_syncs_.clear();
  for (net::Connection::Id c : conns) {
    net::ClientSession* s = Find(c);
    if (s != nullptr) s->Terminate(proto::CONNECTIONLOSS, Status::Unavailable("leader changed with writes in flight"));
  }
}

void ArborServer::OnReadState(const raft::ReadState& rs) {
  uint64_t ctx = std::strtoull(rs.context.c_str(), nullptr, 10);
  auto it = pending_syncs_.find(ctx);
  if (it != pending_syncs_.end()) it->second.read_index = rs.index;
  FinishSyncs();
}

void ArborServer::FinishSyncs() {
  uint64_t applied = static_cast<uint64_t>(sm_->last_applied_zxid());
  for (auto it = pending_syncs_.begin(); it != pending_syncs_.end();) {
    PendingSync& p = it->second;
    if (p.read_index == 0 || p.read_index > applied) {
      ++it;
      continue;
    }
    net::ClientSession* s = Find(p.waiter.conn);
    if (s != nullptr) {
      proto::Response resp;
      resp.set_xid(p.request.xid());
      resp.set_zxid(sm_->last_applied_zxid());
      resp.mutable_sync()->set_path(p.request.sync().path());
      s->Complete(p.waiter.seq, std::move(resp));
    }
    it = pending_syncs_.erase(it);
  }
}

void ArborServer::InstallSnapshot(const raft::SnapshotMetadata& meta) {
  std::string path;
  if (snapshot_receiver_ && snapshot_receiver_->HasComplete(meta.index(), meta.term())) {
    path = snapshot_receiver_->complete_path();
  } else {
    path = data_->snapshots()->dir() + "/" + storage::SnapshotFileName(meta.index(), meta.term());
  }
  auto reader = storage::SnapshotFileReader::Open(path);
  CHECK(reader.ok()) << "snapshot " << path << " announced by the leader cannot be opened: "
                     << reader.status().ToString();
  auto sm = tree::StateMachine::Load(reader->get(), options_.tree);
  CHECK(sm.ok()) << "snapshot " << path << " does not load: " << sm.status().ToString();
  sm_ = std::move(sm).value();
  last_snapshot_index_ = meta.index();
  LOG(INFO) << "installed snapshot at index " << meta.index() << " from the leader ("
            << sm_->tree().node_count() << " znodes)";
  // Watches and pending work refer to a history this server skipped: its
  // clients reconnect and re-send their watches with their last zxid, and
  // the server fires those whose nodes changed (ZooKeeper's setWatches).
  AbortPendingWrites();
  std::vector<net::ClientSession*> all;
  for (auto& [conn, s] : by_conn_) all.push_back(s);
  for (net::ClientSession* s : all) s->Terminate(proto::CONNECTIONLOSS, Status::Ok());
  for (const auto& [id, info] : sm_->sessions().all()) {
    expiry_.Add(id, info.timeout_ms, static_cast<int64_t>(uv_now(loop_)));
  }
}

void ArborServer::SendSnapshot(const raft::Message& msg_snap) {
  uint64_t to = msg_snap.to();
  if (snapshot_senders_.count(to) != 0) return;  // one transfer per follower at a time
  auto sender = SnapshotSender::Open(*data_->snapshots(), msg_snap);
  if (!sender.ok()) {
    LOG(WARNING) << "cannot send snapshot to " << to << ": " << sender.status().ToString();
    raft_->ReportSnapshot(to, false);
    return;
  }
  LOG(INFO) << "sending snapshot at index " << msg_snap.snapshot().index() << " to server " << to;
  snapshot_senders_[to] = std::move(sender).value();
  PumpSnapshots();
}

void ArborServer::PumpSnapshots() {
  constexpr size_t kMaxQueued = 8 << 20;  // keep room for Raft traffic on the same connection
  for (auto it = snapshot_senders_.begin(); it != snapshot_senders_.end();) {
    SnapshotSender& s = *it->second;
    bool finished = false, failed = false;
    while (peers_->QueuedBytes(s.to()) < kMaxQueued) {
      proto::PeerFrame frame;
      auto more = s.Next(&frame);
      if (!more.ok()) {
        LOG(WARNING) << "snapshot to " << s.to() << " failed: " << more.status().ToString();
        failed = true;
        break;
      }
      if (!*more) {
        finished = true;
        break;
      }
      if (!peers_->Send(s.to(), frame)) {
        failed = true;  // not connected: the core will retry later
        break;
      }
    }
    if (finished || failed) {
      raft_->ReportSnapshot(s.to(), finished);
      it = snapshot_senders_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace arbor::core
