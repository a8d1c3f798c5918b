#include "test/sim/replica/client_checker.h"

#include <algorithm>

namespace arbor::sim {

namespace {
std::string Who(SimClient* c) { return "client " + std::to_string(c->index()); }
}  // namespace

void ClientChecker::Fail(const std::string& what) {
  if (violation_.empty()) violation_ = "t=" + std::to_string(world_->now()) + "ms: " + what;
}

// ---- sessions -----------------------------------------------------------------

void ClientChecker::OnConnected(SimClient* c, bool resumed) {
  world_->Trace(Who(c), resumed ? " resumed session " : " got session ", c->session_id(), " on server ", c->server());
  auto ended = ended_.find(c->session_id());
  if (ended != ended_.end()) {
    Fail(Who(c) + " was told it is connected with session " + std::to_string(c->session_id()) +
         (resumed ? " (resumed)" : "") + ", which the cluster ended at t=" + std::to_string(ended->second) + "ms");
  }
  believers_[c->session_id()] = c->index();
  last_event_zxid_[c->index()] = 0;
}

void ClientChecker::OnDisconnected(SimClient* c) {
  world_->Trace(Who(c), " disconnected from server ", c->server());
  believers_.erase(c->session_id());
  if (holder_ == c->index()) holder_ = -1;
  DropWatches(c);
}

void ClientChecker::OnExpired(SimClient* c, bool live) {
  world_->Trace(Who(c), " learned session ", c->session_id(), " expired", live ? " (live connection)" : "");
  ++expirations_;
  believers_.erase(c->session_id());
  if (holder_ == c->index()) holder_ = -1;
  DropWatches(c);
}

void ClientChecker::OnApplied(uint64_t server, const proto::LogEntry& entry, int64_t zxid,
                              const tree::ApplyResult& result) {
  if (zxid <= max_applied_zxid_) return;  // seen on another replica first
  max_applied_zxid_ = zxid;
  for (int64_t s : result.ended_sessions) {
    world_->Trace("session ", s, entry.has_expire_sessions() ? " expired" : " closed", " at zxid ", zxid,
                  " (first applied on ", server, ")");
    ended_.emplace(s, world_->now());
    if (!entry.has_expire_sessions()) continue;
    auto b = believers_.find(s);
    if (b != believers_.end()) {
      Fail("the cluster expired session " + std::to_string(s) + " (zxid " + std::to_string(zxid) + ", applied first on " +
           std::to_string(server) + ") while client " + std::to_string(b->second) +
           " believed it was connected with it");
    }
  }
}

// ---- locks --------------------------------------------------------------------

void ClientChecker::LockAcquired(SimClient* c) {
  world_->Trace(Who(c), " acquired the lock");
  ++lock_acquisitions_;
  if (holder_ != -1 && holder_ != c->index()) {
    Fail(Who(c) + " acquired the lock while client " + std::to_string(holder_) + " still believed it held it");
  }
  holder_ = c->index();
}

void ClientChecker::LockReleased(SimClient* c) {
  world_->Trace(Who(c), " releases the lock");
  if (holder_ == c->index()) holder_ = -1;
}

// ---- registers ----------------------------------------------------------------

void ClientChecker::SeeVersion(const std::string& who, const std::string& key, int32_t version,
                               const std::string& value, int64_t mtime) {
  auto [it, inserted] = value_of_.emplace(std::make_pair(key, version), value);
  if (!inserted && it->second != value) {
    Fail(who + " saw " + key + " version " + std::to_string(version) + " = '" + value + "', but it was also seen as '" +
         it->second + "' (a lost or diverged write)");
  }
  if (mtime <= 0) return;
  auto m = mtime_of_.emplace(std::make_pair(key, version), mtime).first;
  if (m != mtime_of_.begin()) {
    auto prev = std::prev(m);
    if (prev->first.first == key && prev->second > mtime) {
      Fail(key + " version " + std::to_string(version) + " has mtime " + std::to_string(mtime) + ", before version " +
           std::to_string(prev->first.second) + "'s " + std::to_string(prev->second) + " (time went backwards)");
    }
  }
  auto next = std::next(m);
  if (next != mtime_of_.end() && next->first.first == key && next->second < mtime) {
    Fail(key + " version " + std::to_string(version) + " has mtime " + std::to_string(mtime) + ", after version " +
         std::to_string(next->first.second) + "'s " + std::to_string(next->second) + " (time went backwards)");
  }
}

void ClientChecker::OnResponse(SimClient* c, const proto::Request& request, const proto::Response& response) {
  if (world_->tracing()) {
    world_->Trace(Who(c), " reply xid ", response.xid(), " op ", static_cast<int>(request.op_case()), " error ",
                  static_cast<int>(response.error()), " zxid ", response.zxid());
  }
  if (response.error() == proto::THROTTLEDOP) {
    // ZooKeeper 3.5 clients (kazoo 2.8) do not know it and give up.
    Fail(Who(c) + " was answered THROTTLEDOP, an error code older ZooKeeper clients do not know");
  }
  if (response.zxid() != 0) {
    int64_t& seen = client_zxid_[c->index()];
    if (response.zxid() < seen) {
      Fail(Who(c) + " got a reply at zxid " + std::to_string(response.zxid()) + " after having seen zxid " +
           std::to_string(seen));
    }
    seen = std::max(seen, response.zxid());
  }
  if (!request.has_get_data() || response.error() != proto::OK) return;
  const std::string& key = request.get_data().path();
  const proto::Stat& st = response.get_data().stat();
  SeeVersion(Who(c), key, st.version(), response.get_data().data(), st.mtime());
  int32_t& highest = client_version_[{c->index(), key}];
  if (st.version() < highest) {
    Fail(Who(c) + " read " + key + " version " + std::to_string(st.version()) + " after having seen version " +
         std::to_string(highest));
  }
  highest = std::max(highest, st.version());
  auto w = watches_.find({c->index(), key});
  if (w != watches_.end() && st.version() > w->second) {
    Fail(Who(c) + " read " + key + " version " + std::to_string(st.version()) +
         " before the event of its watch armed at version " + std::to_string(w->second));
  }
}

void ClientChecker::WriteAcked(SimClient* c, const std::string& key, int32_t version, const std::string& value,
                               int64_t zxid, int64_t invoked_at) {
  SeeVersion(Who(c), key, version, value, 0);
  for (const Acked& a : acked_) {
    if (a.acked_at < invoked_at && a.zxid >= zxid) {
      Fail(Who(c) + "'s write of " + key + " v" + std::to_string(version) + " (zxid " + std::to_string(zxid) +
           ") began after the write of " + a.key + " v" + std::to_string(a.version) + " (zxid " +
           std::to_string(a.zxid) + ") was acknowledged, yet is ordered before it");
      break;
    }
  }
  acked_.push_back(Acked{key, version, zxid, invoked_at, world_->now()});
  int32_t& highest = client_version_[{c->index(), key}];
  highest = std::max(highest, version);
}

void ClientChecker::SyncReadStarted(SimClient*, const std::string& key, int64_t invoked_at, uint64_t token) {
  int32_t min_version = 0;
  for (const Acked& a : acked_) {
    if (a.key == key && a.acked_at < invoked_at) min_version = std::max(min_version, a.version);
  }
  sync_reads_[token] = SyncRead{key, min_version};
}

void ClientChecker::SyncReadDone(SimClient* c, const std::string& key, uint64_t token, int32_t version) {
  auto it = sync_reads_.find(token);
  if (it == sync_reads_.end()) return;
  if (version < it->second.min_version) {
    Fail(Who(c) + " read " + key + " version " + std::to_string(version) + " after a sync, though version " +
         std::to_string(it->second.min_version) + " was acknowledged before the sync began");
  }
  sync_reads_.erase(it);
}

void ClientChecker::FinalRead(uint64_t server, const std::string& key, int32_t version, const std::string& value) {
  SeeVersion("final read on server " + std::to_string(server), key, version, value, 0);
  for (const Acked& a : acked_) {
    if (a.key == key && a.version > version) {
      Fail("server " + std::to_string(server) + " ends with " + key + " at version " + std::to_string(version) +
           ", but version " + std::to_string(a.version) + " was acknowledged (lost write)");
      return;
    }
  }
}

// ---- watches ------------------------------------------------------------------

void ClientChecker::WatchArmed(SimClient* c, const std::string& key, int32_t version) {
  watches_[{c->index(), key}] = version;
}

void ClientChecker::OnEvent(SimClient* c, const proto::WatchEvent& event) {
  ++events_;
  int64_t& last = last_event_zxid_[c->index()];
  if (event.zxid() != 0 && event.zxid() < last) {
    Fail(Who(c) + " got an event at zxid " + std::to_string(event.zxid()) + " after one at zxid " +
         std::to_string(last));
  }
  last = std::max(last, event.zxid());
  watches_.erase({c->index(), event.path()});
}

void ClientChecker::DropWatches(SimClient* c) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    it = it->first.first == c->index() ? watches_.erase(it) : std::next(it);
  }
}

void ClientChecker::OnReadTimeout(SimClient* c, uint64_t server) {
  world_->Trace(Who(c), " read timeout on server ", server);
}

void ClientChecker::CheckWaiting(SimClient* c, int64_t limit_ms) {
  int64_t oldest = c->oldest_pending_ms();
  if (oldest < 0 || world_->now() - oldest <= limit_ms || !c->connected()) return;
  if (healthy_ && healthy_(c, c->server(), world_->now() - oldest)) {
    Fail(Who(c) + " has waited " + std::to_string(world_->now() - oldest) + "ms for an answer from server " +
         std::to_string(c->server()) + ", which was running and reachable but neither answered nor closed the "
         "connection");
  }
}

}  // namespace arbor::sim
