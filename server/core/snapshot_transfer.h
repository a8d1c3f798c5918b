// Streaming a snapshot to a lagging follower (Raft's InstallSnapshot, done
// by the application as docs/RAFT.md describes).
//
// Leader: when the core emits MSG_SNAP for a follower, a SnapshotSender reads
// the snapshot's body in chunks and sends them as SnapshotChunk frames,
// paced by the peer connection's queue, then the MSG_SNAP itself (same
// connection, so it arrives after the last chunk). The server then reports
// MSG_SNAP_STATUS to the core.
//
// Follower: a SnapshotReceiver writes the chunks to a new snapshot body and
// commits it (fsync, rename) on the last one; when the MSG_SNAP arrives the
// data is durable and the core may install it.
//
// Threading: loop thread. Reads and writes are chunk-sized (1 MiB).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/core/env.h"

namespace arbor::core {

class SnapshotSender {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;

  // Opens the snapshot `message.snapshot()` names.
  static Result<std::unique_ptr<SnapshotSender>> Open(ReplicaDisk* disk, const raft::Message& message);

  // Produces the next frame to send: chunks, then the raft message. Returns
  // false when everything was produced.
  Result<bool> Next(proto::PeerFrame* frame);
  uint64_t to() const { return message_.to(); }
  uint64_t index() const { return message_.snapshot().index(); }

 private:
  SnapshotSender(std::unique_ptr<storage::SnapshotBodyReader> reader, raft::Message m)
      : reader_(std::move(reader)), message_(std::move(m)) {}
  std::unique_ptr<storage::SnapshotBodyReader> reader_;
  raft::Message message_;
  uint64_t offset_ = 0;
  bool message_sent_ = false;
};

class SnapshotReceiver {
 public:
  explicit SnapshotReceiver(ReplicaDisk* disk) : disk_(disk) {}
  // Takes one chunk from `from`. A chunk at offset 0 starts a new body
  // (dropping any unfinished one); a chunk out of sequence is refused.
  Status OnChunk(uint64_t from, const proto::SnapshotChunk& chunk);
  // The body for (index, term) was committed by the last transfer.
  bool HasComplete(uint64_t index, uint64_t term) const {
    return complete_ && complete_index_ == index && complete_term_ == term;
  }

 private:
  ReplicaDisk* disk_;
  std::unique_ptr<storage::SnapshotBodyWriter> writer_;
  uint64_t from_ = 0;
  uint64_t next_offset_ = 0;
  raft::SnapshotMetadata meta_;
  bool complete_ = false;
  uint64_t complete_index_ = 0, complete_term_ = 0;
};

}  // namespace arbor::core
