// The tail of the log that the core holds in memory until the application
// reports it durable: entries (and possibly an incoming snapshot) not yet in
// Storage. Mirrors etcd's log_unstable.go.
//
// Entries move through three stages: appended (here, not yet handed out),
// in progress (handed to the application in a Ready, write pending) and
// stable (acknowledged with StableTo; dropped from here, read from Storage).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "proto/raft.pb.h"

namespace arbor::raft {

class Unstable {
 public:
  // offset: index of the first entry that would be held here (storage's
  // last index + 1 at start-up).
  explicit Unstable(uint64_t offset) : offset_(offset), offset_in_progress_(offset) {}

  // Index of the first entry if a snapshot is held (its index + 1).
  std::optional<uint64_t> MaybeFirstIndex() const;
  // Index of the last entry held, or of the snapshot if no entries.
  std::optional<uint64_t> MaybeLastIndex() const;
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;

  // Appends ents (contiguous, non-empty), truncating held entries at and
  // after ents[0].index. ents[0].index must be in [snapshot index+1, last+1]
  // relative to what the caller already checked against the whole log.
  void TruncateAndAppend(const std::vector<Entry>& ents);
  // Replaces everything with an incoming snapshot.
  void Restore(const SnapshotMetadata& snap);

  // Entries not yet handed out, in order.
  bool HasNextEntries() const { return offset_in_progress_ < offset_ + entries_.size(); }
  std::vector<Entry> NextEntries() const;
  // The snapshot if it has not been handed out yet.
  const SnapshotMetadata* NextSnapshot() const;
  // Marks everything currently held as handed out.
  void AcceptInProgress();

  // The write of entries up to (i, t) is durable. Ignored if the entry at i
  // no longer has term t (it was overwritten after being handed out).
  void StableTo(uint64_t i, uint64_t t);
  void StableSnapTo(uint64_t i);

  // Entries [lo, hi); caller guarantees offset() <= lo <= hi <= last + 1.
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi) const;

  uint64_t offset() const { return offset_; }
  const SnapshotMetadata* snapshot() const { return snapshot_ ? &*snapshot_ : nullptr; }
  size_t num_entries() const { return entries_.size(); }

 private:
  std::optional<SnapshotMetadata> snapshot_;
  bool snapshot_in_progress_ = false;
  std::vector<Entry> entries_;  // entries_[k] has index offset_ + k
  uint64_t offset_;
  uint64_t offset_in_progress_;  // first entry not yet handed out
};

}  // namespace arbor::raft
