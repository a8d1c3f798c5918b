// SnapshotKeeper: the replica's snapshots.
//   - takes one every `every_entries` applied entries, or sooner once the
//     entries applied since the last one hold `every_bytes` (large writes
//     must not grow the log without bound before it is compacted): the state is
//     serialized on the loop (a frozen image) and written, fsynced and
//     recorded by the disk in the background, which then compacts the log;
//   - streams snapshots to lagging followers (SnapshotSender, paced by the
//     peer queue) and receives them from the leader (SnapshotReceiver);
//   - loads a snapshot into a new StateMachine (at start and on install).
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "common/status.h"
#include "server/core/env.h"
#include "server/core/raft_driver.h"
#include "server/core/snapshot_transfer.h"
#include "server/tree/state_machine.h"

namespace arbor::core {

class SnapshotKeeper {
 public:
  SnapshotKeeper(const Env& env, uint64_t every_entries, uint64_t every_bytes, tree::TreeOptions tree_options)
      : env_(env), every_entries_(every_entries), every_bytes_(every_bytes), tree_options_(std::move(tree_options)) {}

  // Builds the state machine stored in the snapshot `meta`.
  Result<std::unique_ptr<tree::StateMachine>> Load(const raft::SnapshotMetadata& meta);
  // The state now includes a snapshot at `index` (restored or installed).
  void Restored(uint64_t index) {
    last_index_ = index;
    bytes_since_ = 0;
  }

  // An entry of `bytes` was applied (counts toward every_bytes).
  void NoteApplied(size_t bytes) { bytes_since_ += bytes; }
  // Takes a snapshot of `sm` if enough entries or bytes were applied since the last.
  void MaybeTake(const tree::StateMachine& sm);

  // Leader: stream the snapshot of `msg_snap` to its follower.
  void Send(RaftDriver* raft, const raft::Message& msg_snap);
  // Sends more chunks where the peer queues have room; reports finished
  // and failed transfers to Raft.
  void Pump(RaftDriver* raft);
  // Follower side.
  Status OnChunk(uint64_t from, const proto::SnapshotChunk& chunk);
  // The MSG_SNAP naming (index, term) may be stepped: its body is durable.
  bool Received(uint64_t index, uint64_t term) const {
    return receiver_ != nullptr && receiver_->HasComplete(index, term);
  }

 private:
  Env env_;
  const uint64_t every_entries_;
  const uint64_t every_bytes_;  // 0: entries only
  uint64_t bytes_since_ = 0;
  const tree::TreeOptions tree_options_;
  uint64_t last_index_ = 0;
  std::map<uint64_t, std::unique_ptr<SnapshotSender>> senders_;  // by follower
  std::unique_ptr<SnapshotReceiver> receiver_;
};

}  // namespace arbor::core
