// What the clients of a simulated cluster may observe, checked as it
// happens. Each property is a promise of ZooKeeper (and Arbor) to its users:
//
//   sessions  - no client believes it is connected with a session at the
//               moment the cluster commits that session's expiry; a
//               session that ended is never resumed.
//   locks     - at most one client believes it holds the lock at a time.
//   registers - every acknowledged write has its own version and value,
//               and all observers agree on the value of each version (no
//               lost or diverged write); acknowledged writes are ordered by
//               zxid consistently with real time; a read after sync sees
//               every write acknowledged before the sync began; a client's
//               reads of a key never go back in versions; zxids a client
//               sees never decrease; versions' mtimes never go backwards.
//   watches   - a client with a data watch sees its event before any reply
//               that shows the newer data; events arrive in zxid order.
//   serving   - a running, reachable server answers a request or closes
//               the connection within two election timeouts (the longest a
//               server may take to notice it lost its leader), never leaving
//               a client waiting on a write that cannot complete.
// The first violation is kept with the simulated time it happened.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/log_entry.pb.h"
#include "server/tree/state_machine.h"
#include "test/sim/replica/sim_client.h"

namespace arbor::sim {

class ClientChecker : public ClientObserver {
 public:
  explicit ClientChecker(World* world) : world_(world) {}

  // ---- ClientObserver ----
  void OnConnected(SimClient* c, bool resumed) override;
  void OnDisconnected(SimClient* c) override;
  void OnExpired(SimClient* c, bool on_live_connection) override;
  void OnEvent(SimClient* c, const proto::WatchEvent& event) override;
  void OnResponse(SimClient* c, const proto::Request& request, const proto::Response& response) override;
  void OnReadTimeout(SimClient* c, uint64_t server) override;
  // The oldest request of `c` must not wait longer than limit_ms on a
  // server that stayed running and reachable meanwhile.
  void CheckWaiting(SimClient* c, int64_t limit_ms);

  // Whether `server` was running, unpaused and reachable from `c` for the
  // whole of the last `window_ms` (set by the cluster).
  using HealthyFn = std::function<bool(SimClient* c, uint64_t server, int64_t window_ms)>;
  void set_healthy(HealthyFn fn) { healthy_ = std::move(fn); }

  // A replica applied an entry (the first replica to apply an index is when
  // the cluster's decision became visible).
  void OnApplied(uint64_t server, const proto::LogEntry& entry, int64_t zxid, const tree::ApplyResult& result);

  // Lock workload.
  void LockAcquired(SimClient* c);
  void LockReleased(SimClient* c);

  // Register workload: a CAS write's outcome, a sync-read's invocation.
  void WriteAcked(SimClient* c, const std::string& key, int32_t version, const std::string& value, int64_t zxid,
                  int64_t invoked_at);
  void SyncReadStarted(SimClient* c, const std::string& key, int64_t invoked_at, uint64_t token);
  void SyncReadDone(SimClient* c, const std::string& key, uint64_t token, int32_t version);
  // A watch was armed by a getData that returned version `version`.
  void WatchArmed(SimClient* c, const std::string& key, int32_t version);
  // A final read of `key` on a server after the faults.
  void FinalRead(uint64_t server, const std::string& key, int32_t version, const std::string& value);

  void Fail(const std::string& what);
  bool failed() const { return !violation_.empty(); }
  const std::string& violation() const { return violation_; }
  uint64_t lock_acquisitions() const { return lock_acquisitions_; }
  uint64_t acked_writes() const { return acked_.size(); }
  uint64_t expirations() const { return expirations_; }
  uint64_t events() const { return events_; }

 private:
  struct Acked {
    std::string key;
    int32_t version;
    int64_t zxid;
    int64_t invoked_at, acked_at;
  };
  void SeeVersion(const std::string& who, const std::string& key, int32_t version, const std::string& value,
                  int64_t mtime);
  void DropWatches(SimClient* c);

  World* world_;
  HealthyFn healthy_;
  std::string violation_;
  // sessions
  std::map<int64_t, int> believers_;      // session -> client index believing it is connected
  std::map<int64_t, int64_t> ended_;      // session -> time its end was first applied
  std::set<int64_t> ended_expired_;       // ended by expiry (not a close)
  uint64_t expirations_ = 0;
  int64_t max_applied_zxid_ = 0;
  // locks
  int holder_ = -1;
  uint64_t lock_acquisitions_ = 0;
  // registers
  std::map<std::pair<std::string, int32_t>, std::string> value_of_;  // (key, version) -> value
  std::map<std::pair<std::string, int32_t>, int64_t> mtime_of_;
  std::vector<Acked> acked_;
  std::map<std::pair<int, std::string>, int32_t> client_version_;  // (client, key) -> highest seen
  std::map<int, int64_t> client_zxid_;
  struct SyncRead {
    std::string key;
    int32_t min_version;
  };
  std::map<uint64_t, SyncRead> sync_reads_;
  // watches: (client, key) -> version the watch was armed at
  std::map<std::pair<int, std::string>, int32_t> watches_;
  std::map<int, int64_t> last_event_zxid_;
  uint64_t events_ = 0;
};

}  // namespace arbor::sim
