// The leader's view of one follower's log (etcd's tracker.Progress).
//
// States: Probe (unknown match: one MsgApp per heartbeat interval until one
// is accepted), Replicate (known match: pipelined MsgApps up to the inflight
// window, optimistically advancing next), Snapshot (a snapshot is being sent;
// no MsgApp until the application reports MSG_SNAP_STATUS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/raft/inflights.h"

namespace arbor::raft {

class Progress {
 public:
  enum class State { kProbe, kReplicate, kSnapshot };

  Progress(uint64_t next, size_t max_inflight, bool is_learner)
      : next(next), inflights(max_inflight), is_learner(is_learner) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);

  // An acknowledgement that the follower's log matches ours up to n.
  // Returns false if it is stale (n <= match).
  bool MaybeUpdate(uint64_t n);
  // The follower rejected a MsgApp at `rejected`; `match_hint` is the
  // highest index it may match. Returns false if the rejection is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Records that a MsgApp with entries up to `last` (count > 0) was sent.
  void SentEntries(uint64_t last, size_t count);
  // No more MsgApp with entries may be sent now.
  bool IsPaused() const;

  std::string ToString() const;

  uint64_t match = 0;
  uint64_t next;
  State state = State::kProbe;
  uint64_t pending_snapshot = 0;  // index of the snapshot in flight
  // Heard from this peer since the last check-quorum round.
  bool recent_active = false;
  // Probe: a MsgApp is outstanding; wait for its answer or a heartbeat.
  bool probe_sent = false;
  Inflights inflights;
  bool is_learner;
};

}  // namespace arbor::raft
