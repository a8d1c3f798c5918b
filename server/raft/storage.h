// The Raft core's read-only view of the persisted log.
//
// The core never writes storage itself: it hands entries and hard state to
// the application in a Ready, the application persists them (LMDB in
// server/storage/, memory in tests) and then tells the core. Reads below are
// called on the core's thread; an implementation that persists on another
// thread must make them safe to call concurrently with its writer.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "proto/raft.pb.h"

namespace arbor::raft {

class Storage {
 public:
  virtual ~Storage() = default;

  // The hard state and membership persisted before the last shutdown
  // (all zero / empty on a new node).
  virtual Status InitialState(HardState* hard_state, ConfState* conf_state) const = 0;

  // Entries with index in [lo, hi), stopping before the total size of
  // entries' data would exceed max_bytes, but always at least one entry when
  // lo < hi. Unavailable if lo < FirstIndex() (compacted: send a snapshot);
  // OutOfRange if hi > LastIndex() + 1.
  virtual Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const = 0;

  // Term of the entry at index i. i == FirstIndex() - 1 answers the
  // snapshot's term. Unavailable if compacted, OutOfRange past LastIndex().
  virtual Result<uint64_t> Term(uint64_t i) const = 0;

  // Index of the first entry still in the log (the snapshot's index + 1).
  virtual uint64_t FirstIndex() const = 0;
  // Index of the last persisted entry (the snapshot's index if none after it).
  virtual uint64_t LastIndex() const = 0;

  // Metadata of the newest snapshot (index 0 when there is none).
  virtual SnapshotMetadata Snapshot() const = 0;
};

}  // namespace arbor::raft
