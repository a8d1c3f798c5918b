// SessionTable: the replicated half of sessions (who exists, with which
// timeout and password). Changed only by applied log entries, so every replica
// holds the same table. Liveness (heartbeats, deadlines, proposing expiry) is
// the SessionTracker's job and stays local to each server.
//
// Not thread-safe; owned by the StateMachine.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace arbor::session {

struct SessionInfo {
  int32_t timeout_ms = 0;
  std::string password;
};

class SessionTable {
 public:
  // False if `id` already exists (the table is unchanged then).
  bool Create(int64_t id, int32_t timeout_ms, std::string password);
  // False if `id` is unknown.
  bool Remove(int64_t id);
  bool Contains(int64_t id) const { return sessions_.count(id) != 0; }
  const SessionInfo* Find(int64_t id) const;
  size_t size() const { return sessions_.size(); }
  void Clear() { sessions_.clear(); }
  // Ordered by id, so iterating is deterministic (snapshots rely on it).
  const std::map<int64_t, SessionInfo>& all() const { return sessions_; }

 private:
  std::map<int64_t, SessionInfo> sessions_;
};

}  // namespace arbor::session
