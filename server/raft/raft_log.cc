#include "server/raft/raft_log.h"

#include <algorithm>
#include <cassert>
#include <string>

#include <glog/logging.h>

namespace arbor::raft {

RaftLog::RaftLog(const Storage* storage, uint64_t max_committed_bytes_per_ready)
    : storage_(storage),
      unstable_(storage->LastIndex() + 1),
      max_committed_bytes_per_ready_(max_committed_bytes_per_ready) {
  committed_ = storage->FirstIndex() - 1;
  applied_ = committed_;
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  return storage_->FirstIndex();
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  // Nothing held: the log ends right before the unstable offset (storage may
  // still hold a stale suffix past it until a pending write truncates it).
  return std::min(storage_->LastIndex(), unstable_.offset() - 1);
}

uint64_t RaftLog::LastTerm() const {
  auto t = Term(LastIndex());
  CHECK(t.ok()) << "term of the last entry must be available: " << t.status().ToString();
  return *t;
}

Result<uint64_t> RaftLog::Term(uint64_t i) const {
  const uint64_t dummy = FirstIndex() - 1;
  if (i < dummy) return Status::Unavailable("index " + std::to_string(i) + " is compacted");
  if (i > LastIndex()) return Status::OutOfRange("index " + std::to_string(i) + " past last");
  if (auto t = unstable_.MaybeTerm(i)) return *t;
  return storage_->Term(i);
}

uint64_t RaftLog::TermOrZero(uint64_t i) const {
  auto t = Term(i);
  return t.ok() ? *t : 0;
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t t) const {
  auto term = Term(i);
  return term.ok() && *term == t;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t last_term) const {
  const uint64_t my_term = LastTerm();
  return last_term > my_term || (last_term == my_term && last_index >= LastIndex());
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t prev_index, uint64_t prev_term,
                                             uint64_t commit, const std::vector<Entry>& ents) {
  if (!MatchTerm(prev_index, prev_term)) return std::nullopt;
  const uint64_t last_new = prev_index + ents.size();
  const uint64_t conflict = FindConflict(ents);
  if (conflict != 0) {
    CHECK_GT(conflict, committed_) << "entry conflicts with a committed entry";
    std::vector<Entry> suffix(ents.begin() + (conflict - prev_index - 1), ents.end());
    Append(suffix);
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

uint64_t RaftLog::Append(const std::vector<Entry>& ents) {
  if (ents.empty()) return LastIndex();
  CHECK_GT(ents[0].index(), committed_) << "append would overwrite committed entries";
  CHECK_LE(ents[0].index(), LastIndex() + 1) << "append leaves a gap";
  unstable_.TruncateAndAppend(ents);
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const std::vector<Entry>& ents) const {
  for (const Entry& e : ents) {
    if (!MatchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  for (;; --index) {
    auto t = Term(index);
    if (!t.ok()) return {index, 0};  // compacted or out of range: unknown term
    if (*t <= term || index == 0) return {index, *t};
  }
}

Result<std::vector<Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes,
                                          uint64_t max_count) const {
  if (lo < FirstIndex()) return Status::Unavailable("index " + std::to_string(lo) + " is compacted");
  hi = std::min(hi, LastIndex() + 1);
  if (max_count < hi - std::min(hi, lo)) hi = lo + max_count;  // (no overflow for huge max_count)
  std::vector<Entry> out;
  if (lo >= hi) return out;
  const uint64_t split = std::max(lo, std::min(hi, unstable_.offset()));
  uint64_t bytes = 0;
  if (lo < split) {
    auto stored = storage_->Entries(lo, split, max_bytes);
    if (!stored.ok()) return stored.status();
    out = std::move(stored).value();
    for (const Entry& e : out) bytes += e.data().size();
    if (out.size() < split - lo) return out;  // hit max_bytes inside storage
  }
  if (split < hi) {
    for (Entry& e : unstable_.Slice(split, hi)) {
      if (!out.empty() && bytes + e.data().size() > max_bytes) break;
      bytes += e.data().size();
      out.push_back(std::move(e));
    }
  }
  return out;
}

void RaftLog::CommitTo(uint64_t index) {
  if (index <= committed_) return;
  CHECK_LE(index, LastIndex()) << "commit index past the last entry";
  committed_ = index;
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term, bool allow_any_term) {
  if (max_index <= committed_) return false;
  if (!allow_any_term && TermOrZero(max_index) != term) return false;
  CommitTo(max_index);
  return true;
}

bool RaftLog::HasNextCommittedEntries() const {
  if (unstable_.snapshot() != nullptr) return false;  // install it first
  const uint64_t durable = unstable_.offset() - 1;
  return applied_ < std::min(committed_, durable);
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  if (!HasNextCommittedEntries()) return {};
  const uint64_t hi = std::min(committed_, unstable_.offset() - 1) + 1;
  auto ents = Slice(applied_ + 1, hi, max_committed_bytes_per_ready_, UINT64_MAX);
  CHECK(ents.ok()) << "committed entries must be readable: " << ents.status().ToString();
  return std::move(ents).value();
}

void RaftLog::AppliedTo(uint64_t index) {
  if (index == 0) return;
  CHECK(index >= applied_ && index <= committed_)
      << "applied " << index << " outside [" << applied_ << ", " << committed_ << "]";
  applied_ = index;
}

void RaftLog::Restore(const SnapshotMetadata& snap) {
  committed_ = snap.index();
  unstable_.Restore(snap);
}

SnapshotMetadata RaftLog::Snapshot() const {
  if (const SnapshotMetadata* s = unstable_.snapshot()) return *s;
  return storage_->Snapshot();
}

}  // namespace arbor::raft
