// Configuration of one Raft peer. Every limit the core enforces lives here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "server/raft/storage.h"

namespace arbor::raft {

struct Config {
  // This peer's id; never 0 (0 means "none" in votes and leader fields).
  uint64_t id = 0;

  // Ticks without hearing from a leader before a follower campaigns. The real
  // timeout is drawn from [election_tick, 2 * election_tick) on every reset.
  int election_tick = 10;
  // Ticks between a leader's heartbeats; must be < election_tick.
  int heartbeat_tick = 1;

  // The persisted log. Not owned; must outlive the core.
  const Storage* storage = nullptr;

  // Highest index the application had applied before this (re)start; the
  // core hands out committed entries after it. Must match the ConfState that
  // storage->InitialState() returns.
  uint64_t applied = 0;

  // Bounds on one MsgApp: total entry data bytes (at least one entry is sent
  // even if it is larger) and number of entries.
  uint64_t max_msg_bytes = 1 << 20;
  uint64_t max_entries_per_msg = 512;
  // MsgApps in flight to one follower in the replicate state.
  size_t max_inflight_msgs = 64;
  // Bytes of proposed but uncommitted entry data a leader accepts; beyond it
  // Propose returns Busy.
  uint64_t max_uncommitted_bytes = 64 << 20;
  // Bytes of committed entries handed out in one Ready (at least one entry).
  uint64_t max_committed_bytes_per_ready = 4 << 20;
  // ReadIndex requests a leader keeps waiting at once.
  size_t max_pending_reads = 4096;

  // Pre-vote (thesis 9.6): a node campaigns only if it could win, so a
  // partitioned node rejoining does not bump everyone's term.
  bool pre_vote = true;
  // Check-quorum (thesis 6.2): a leader steps down when it has not heard from
  // a quorum for an election timeout; followers that heard from a leader
  // recently ignore (pre-)vote requests (leader lease against disruption).
  bool check_quorum = true;

  // Seed of the PRNG for randomized election timeouts (no OS randomness).
  uint64_t seed = 1;

  // TEST ONLY. Breaks Raft 5.4.2: the leader commits an entry of an earlier
  // term by counting replicas. Exists to prove the simulator catches it.
  bool testing_unsafe_commit_by_counting = false;

  Status Validate() const {
    if (id == 0) return Status::InvalidArgument("raft config: id must be non-zero");
    if (storage == nullptr) return Status::InvalidArgument("raft config: storage is required");
    if (heartbeat_tick <= 0) return Status::InvalidArgument("raft config: heartbeat_tick must be > 0");
    if (election_tick <= heartbeat_tick) {
      return Status::InvalidArgument("raft config: election_tick must be > heartbeat_tick");
    }
    if (max_inflight_msgs == 0) return Status::InvalidArgument("raft config: max_inflight_msgs must be > 0");
    if (max_entries_per_msg == 0) return Status::InvalidArgument("raft config: max_entries_per_msg must be > 0");
    if (max_pending_reads == 0) return Status::InvalidArgument("raft config: max_pending_reads must be > 0");
    return Status::Ok();
  }
};

}  // namespace arbor::raft
