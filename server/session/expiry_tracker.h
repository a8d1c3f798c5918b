// Which sessions have gone quiet for longer than their timeout.
//
// Local, not replicated: every server touches the sessions whose heartbeats
// it receives; followers forward the ids they heard from to the leader, and
// only the leader's tracker decides expiry, which it then proposes as an
// ExpireSessionsOp log entry (the replicated table applies it).
//
// Deadlines are grouped in buckets of `bucket_ms` (as ZooKeeper's
// ExpiryQueue), so a touch is O(1) and finding expired sessions costs only
// the buckets that have passed. Time is injected (milliseconds from any
// monotonic origin); nothing here reads a clock.
//
// Threading: single-threaded (the server's loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace arbor::session {

class ExpiryTracker {
 public:
  explicit ExpiryTracker(int64_t bucket_ms = 100);

  // Starts tracking (or refreshes) a session whose timeout is `timeout_ms`.
  void Add(int64_t session_id, int32_t timeout_ms, int64_t now_ms);
  // Pushes the session's deadline to now + timeout. False if not tracked,
  // or if its expiry is already on the way (an expiring session is not
  // revived by a late heartbeat: the expiry entry may commit regardless).
  bool Touch(int64_t session_id, int64_t now_ms);
  // The expiry proposal for it failed: the session is live again.
  void Reinstate(int64_t session_id, int64_t now_ms);
  // An entry ending the session (expiry or close) is in the log: it must
  // not be revived until that entry is applied and removes it.
  void MarkExpiring(int64_t session_id);
  void Remove(int64_t session_id);
  bool Contains(int64_t session_id) const { return sessions_.count(session_id) != 0; }
  size_t size() const { return sessions_.size(); }

  // Sessions whose deadline is <= now_ms, in ascending id order. They stay
  // tracked but are marked expiring, so a later call does not return them
  // again while their ExpireSessionsOp is in flight.
  std::vector<int64_t> TakeExpired(int64_t now_ms);

  // A new leader grants every session a fresh full timeout from now before
  // it expires any (it cannot know when followers last heard from them).
  void RenewAll(int64_t now_ms);

  // Handed out by TakeExpired and not touched since: its expiry is on the way.
  bool IsExpiring(int64_t session_id) const {
    auto it = sessions_.find(session_id);
    return it != sessions_.end() && it->second.expiring;
  }
  // Clears everything (a snapshot replaced the state).
  void Clear() {
    sessions_.clear();
    buckets_.clear();
  }

  // The deadline the session currently has (for tests and metrics), or -1.
  int64_t DeadlineOf(int64_t session_id) const;

 private:
  struct Entry {
    int32_t timeout_ms;
    int64_t bucket;  // rounded-up deadline; key into buckets_
    bool expiring = false;
  };
  int64_t BucketFor(int64_t deadline_ms) const;
  void Place(int64_t session_id, Entry* e, int64_t now_ms);

  int64_t bucket_ms_;
  std::unordered_map<int64_t, Entry> sessions_;
  std::map<int64_t, std::unordered_set<int64_t>> buckets_;
};

}  // namespace arbor::session
