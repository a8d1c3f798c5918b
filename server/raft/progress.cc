#include "server/raft/progress.h"

#include <algorithm>

namespace arbor::raft {

void Progress::BecomeProbe() {
  // After a snapshot, resume right after it (the follower has it or will
  // reject and back off from there).
  if (state == State::kSnapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = State::kProbe;
  pending_snapshot = 0;
  probe_sent = false;
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  state = State::kReplicate;
  next = match + 1;
  pending_snapshot = 0;
  probe_sent = false;
  inflights.Reset();
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  state = State::kSnapshot;
  pending_snapshot = snapshot_index;
  probe_sent = false;
  inflights.Reset();
}

bool Progress::MaybeUpdate(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == State::kReplicate) {
    if (rejected <= match) return false;  // stale: that index was matched already
    next = match + 1;
    return true;
  }
  if (next == 0 || next - 1 != rejected) return false;  // not the probe we sent
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::SentEntries(uint64_t last, size_t count) {
  if (count == 0) return;
  if (state == State::kReplicate) {
    next = last + 1;
    inflights.Add(last);
  } else if (state == State::kProbe) {
    probe_sent = true;
  }
}

bool Progress::IsPaused() const {
  switch (state) {
    case State::kProbe: return probe_sent;
    case State::kReplicate: return inflights.Full();
    case State::kSnapshot: return true;
  }
  return true;
}

std::string Progress::ToString() const {
  static const char* kNames[] = {"probe", "replicate", "snapshot"};
  return std::string(kNames[static_cast<int>(state)]) + " match=" + std::to_string(match) +
         " next=" + std::to_string(next) + (is_learner ? " learner" : "");
}

}  // namespace arbor::raft
