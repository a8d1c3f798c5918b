// The MsgApps sent to one follower and not yet acknowledged, as a bounded
// FIFO of their last indexes. Bounds the pipelining window per follower.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include <glog/logging.h>

namespace arbor::raft {

class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}

  // Records a MsgApp whose last entry is `last_index` (increasing).
  void Add(uint64_t last_index) {
    CHECK(!Full()) << "inflights overflow";
    CHECK(indexes_.empty() || last_index > indexes_.back()) << "inflights must increase";
    indexes_.push_back(last_index);
  }
  // The follower acknowledged everything up to `index`.
  void FreeLE(uint64_t index) {
    while (!indexes_.empty() && indexes_.front() <= index) indexes_.pop_front();
  }
  void FreeFirstOne() {
    if (!indexes_.empty()) indexes_.pop_front();
  }
  bool Full() const { return indexes_.size() >= capacity_; }
  size_t Count() const { return indexes_.size(); }
  void Reset() { indexes_.clear(); }

 private:
  size_t capacity_;
  std::deque<uint64_t> indexes_;
};

}  // namespace arbor::raft
