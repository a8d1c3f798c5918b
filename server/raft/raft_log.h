// The whole log as the core sees it: persisted entries (Storage) followed by
// the unstable tail, plus the commit and apply cursors.
//
// Invariants: applied <= committed; first_index - 1 <= committed. Entries are
// handed out for application only once they are durable locally (in Storage),
// so a restarted node never has applied state ahead of its own log.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/raft/storage.h"
#include "server/raft/unstable.h"

namespace arbor::raft {

class RaftLog {
 public:
  // storage must outlive the log. The log starts with committed = the
  // storage snapshot's index and applied = committed; the caller then sets
  // both from the hard state and config.
  RaftLog(const Storage* storage, uint64_t max_committed_bytes_per_ready);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // Term of entry i. Unavailable if compacted, OutOfRange if past the end.
  Result<uint64_t> Term(uint64_t i) const;
  // Term of entry i, or 0 if it is not available.
  uint64_t TermOrZero(uint64_t i) const;
  bool MatchTerm(uint64_t i, uint64_t t) const;

  // Raft 5.4.1: is a log ending at (last_index, last_term) at least as
  // up-to-date as ours?
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // Follower side of AppendEntries (5.3): if our entry at prev_index has
  // prev_term, appends the new part of ents (truncating a conflicting
  // suffix), advances commit to min(commit, last new index) and returns the
  // last new index; otherwise nullopt.
  std::optional<uint64_t> MaybeAppend(uint64_t prev_index, uint64_t prev_term, uint64_t commit,
                                      const std::vector<Entry>& ents);
  // Appends ents (first index <= last + 1, > committed); returns last index.
  uint64_t Append(const std::vector<Entry>& ents);
  // First index where ents conflicts with the log (or is new), 0 if none.
  uint64_t FindConflict(const std::vector<Entry>& ents) const;
  // The largest index <= index whose term is <= term, with that term (fast
  // back-off: skips a whole run of a mismatched term in one round trip).
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Entries [lo, hi) bounded by max_bytes of data and max_count entries
  // (always at least one if lo < hi). Unavailable if lo is compacted.
  Result<std::vector<Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes,
                                   uint64_t max_count) const;

  void CommitTo(uint64_t index);
  // Leader: commits max_index if it is in `term` (5.4.2). If allow_any_term
  // (test-only knob), skips that check.
  bool MaybeCommit(uint64_t max_index, uint64_t term, bool allow_any_term);

  // Committed, locally durable entries the application has not been given.
  bool HasNextCommittedEntries() const;
  std::vector<Entry> NextCommittedEntries() const;
  void AppliedTo(uint64_t index);

  // Replaces the log with a snapshot (follower installing InstallSnapshot).
  void Restore(const SnapshotMetadata& snap);
  // The newest snapshot: the incoming one if any, else storage's.
  SnapshotMetadata Snapshot() const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  Unstable& unstable() { return unstable_; }
  const Unstable& unstable() const { return unstable_; }
  const Storage* storage() const { return storage_; }

 private:
  const Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t max_committed_bytes_per_ready_;
};

}  // namespace arbor::raft
