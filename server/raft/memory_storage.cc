#include "server/raft/memory_storage.h"

#include <string>

namespace arbor::raft {

MemoryStorage::MemoryStorage() : entries_(1) {}

Status MemoryStorage::InitialState(HardState* hard_state, ConfState* conf_state) const {
  *hard_state = hard_state_;
  *conf_state = conf_state_;
  return Status::Ok();
}

Result<std::vector<Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  const uint64_t offset = entries_[0].index();
  if (lo <= offset) return Status::Unavailable("entries before " + std::to_string(offset + 1) + " are compacted");
  if (hi > LastIndex() + 1) {
    return Status::OutOfRange("entries up to " + std::to_string(hi - 1) + " requested, last is " +
                              std::to_string(LastIndex()));
  }
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - offset];
    if (!out.empty() && bytes + e.data().size() > max_bytes) break;
    bytes += e.data().size();
    out.push_back(e);
  }
  return out;
}

Result<uint64_t> MemoryStorage::Term(uint64_t i) const {
  const uint64_t offset = entries_[0].index();
  if (i < offset) return Status::Unavailable("index " + std::to_string(i) + " is compacted");
  if (i > LastIndex()) return Status::OutOfRange("index " + std::to_string(i) + " past last");
  return entries_[i - offset].term();
}

Status MemoryStorage::Append(const std::vector<Entry>& ents) {
  if (ents.empty()) return Status::Ok();
  const uint64_t first = FirstIndex();
  const uint64_t last = ents.back().index();
  if (last < first) return Status::Ok();  // all covered by the snapshot
  size_t skip = ents[0].index() < first ? first - ents[0].index() : 0;
  const uint64_t from = ents[skip].index();
  if (from > LastIndex() + 1) {
    return Status::InvalidArgument("append at " + std::to_string(from) + " leaves a gap after " +
                                   std::to_string(LastIndex()));
  }
  entries_.resize(from - entries_[0].index());  // drop the conflicting suffix
  entries_.insert(entries_.end(), ents.begin() + skip, ents.end());
  return Status::Ok();
}

Status MemoryStorage::ApplySnapshot(const SnapshotMetadata& snap) {
  if (snap.index() <= snapshot_.index() && snapshot_.index() != 0) {
    return Status::OutOfRange("snapshot at " + std::to_string(snap.index()) + " is older than " +
                              std::to_string(snapshot_.index()));
  }
  snapshot_ = snap;
  conf_state_ = snap.conf_state();
  entries_.assign(1, Entry());
  entries_[0].set_index(snap.index());
  entries_[0].set_term(snap.term());
  if (hard_state_.commit() < snap.index()) hard_state_.set_commit(snap.index());
  return Status::Ok();
}

Status MemoryStorage::CreateSnapshot(uint64_t index, const ConfState& cs) {
  if (index <= snapshot_.index()) return Status::OutOfRange("snapshot is not newer than the current one");
  if (index > LastIndex()) return Status::OutOfRange("snapshot index past the last entry");
  auto term = Term(index);
  if (!term.ok()) return term.status();
  snapshot_.set_index(index);
  snapshot_.set_term(*term);
  *snapshot_.mutable_conf_state() = cs;
  return Status::Ok();
}

Status MemoryStorage::Compact(uint64_t compact_index) {
  const uint64_t offset = entries_[0].index();
  if (compact_index <= offset) return Status::OutOfRange("already compacted");
  if (compact_index > LastIndex()) return Status::OutOfRange("compact index past the last entry");
  if (compact_index > snapshot_.index()) return Status::OutOfRange("compact index past the snapshot");
  // Keep entries_[compact_index - offset] as the new dummy.
  entries_.erase(entries_.begin(), entries_.begin() + (compact_index - offset));
  entries_[0].clear_data();
  entries_[0].set_type(ENTRY_NORMAL);
  return Status::Ok();
}

}  // namespace arbor::raft
