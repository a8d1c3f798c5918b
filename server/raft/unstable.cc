#include "server/raft/unstable.h"

#include <algorithm>
#include <cassert>

namespace arbor::raft {

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->index() == i) return snapshot_->term();
    return std::nullopt;
  }
  if (i - offset_ >= entries_.size()) return std::nullopt;
  return entries_[i - offset_].term();
}

void Unstable::TruncateAndAppend(const std::vector<Entry>& ents) {
  assert(!ents.empty());
  const uint64_t from = ents[0].index();
  if (from == offset_ + entries_.size()) {
    entries_.insert(entries_.end(), ents.begin(), ents.end());
  } else if (from <= offset_) {
    // Replaces everything held; the storage copy past `from` is stale too,
    // and the next write (these entries) truncates it.
    entries_ = ents;
    offset_ = from;
    offset_in_progress_ = offset_;
  } else {
    entries_.resize(from - offset_);
    entries_.insert(entries_.end(), ents.begin(), ents.end());
    offset_in_progress_ = std::min(offset_in_progress_, from);
  }
}

void Unstable::Restore(const SnapshotMetadata& snap) {
  offset_ = snap.index() + 1;
  offset_in_progress_ = offset_;
  entries_.clear();
  snapshot_ = snap;
  snapshot_in_progress_ = false;
}

std::vector<Entry> Unstable::NextEntries() const {
  const uint64_t begin = offset_in_progress_ - offset_;
  return std::vector<Entry>(entries_.begin() + begin, entries_.end());
}

const SnapshotMetadata* Unstable::NextSnapshot() const {
  if (!snapshot_ || snapshot_in_progress_) return nullptr;
  return &*snapshot_;
}

void Unstable::AcceptInProgress() {
  offset_in_progress_ = offset_ + entries_.size();
  if (snapshot_) snapshot_in_progress_ = true;
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  if (i < offset_) return;  // already stable, or covered by a snapshot
  auto term = MaybeTerm(i);
  if (!term || *term != t) return;  // overwritten since it was handed out
  entries_.erase(entries_.begin(), entries_.begin() + (i + 1 - offset_));
  offset_ = i + 1;
  offset_in_progress_ = std::max(offset_in_progress_, offset_);
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot_ && snapshot_->index() == i) {
    snapshot_.reset();
    snapshot_in_progress_ = false;
  }
}

std::vector<Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  assert(offset_ <= lo && lo <= hi && hi <= offset_ + entries_.size());
  return std::vector<Entry>(entries_.begin() + (lo - offset_), entries_.begin() + (hi - offset_));
}

}  // namespace arbor::raft
