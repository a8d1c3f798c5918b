// Storage kept in memory, for tests and the simulator. The simulator treats
// it as the disk: only what was written here survives a crash.
//
// Layout as in etcd: entries_[0] is a dummy holding the snapshot's index and
// term, so FirstIndex() == entries_[0].index + 1.
#pragma once

#include <cstdint>
#include <vector>

#include "server/raft/storage.h"

namespace arbor::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  Status InitialState(HardState* hard_state, ConfState* conf_state) const override;
  Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t i) const override;
  uint64_t FirstIndex() const override { return entries_[0].index() + 1; }
  uint64_t LastIndex() const override { return entries_[0].index() + entries_.size() - 1; }
  SnapshotMetadata Snapshot() const override { return snapshot_; }

  // --- writes ---
  void SetHardState(const HardState& hs) { hard_state_ = hs; }
  // The membership InitialState reports (the application persists it when
  // applying conf changes; tests set it at bootstrap).
  void SetConfState(const ConfState& cs) { conf_state_ = cs; }
  // Appends entries, first discarding any stored entries at or after
  // ents[0].index. Entries already covered by the snapshot are skipped.
  // InvalidArgument if ents would leave a gap.
  Status Append(const std::vector<Entry>& ents);
  // Replaces the log with a snapshot (an installed InstallSnapshot). Stale
  // (older than the current snapshot) is refused with OutOfRange.
  Status ApplySnapshot(const SnapshotMetadata& snap);
  // Records that the application's state at `index` (<= LastIndex) with
  // membership cs is captured in a snapshot. Does not discard entries.
  Status CreateSnapshot(uint64_t index, const ConfState& cs);
  // Discards entries up to and including compact_index (its term stays
  // answerable as FirstIndex()-1). compact_index must be <= the snapshot
  // index, so a follower behind FirstIndex() can always get a snapshot.
  Status Compact(uint64_t compact_index);

  const HardState& hard_state() const { return hard_state_; }

 private:
  HardState hard_state_;
  ConfState conf_state_;
  SnapshotMetadata snapshot_;
  std::vector<Entry> entries_;
};

}  // namespace arbor::raft
