#include "server/raft/tracker.h"

namespace arbor::raft {

ConfState Membership::ToConfState() const {
  ConfState cs;
  for (uint64_t id : voters) cs.add_voters(id);
  for (uint64_t id : learners) cs.add_learners(id);
  return cs;
}

Membership Membership::FromConfState(const ConfState& cs) {
  Membership m;
  m.voters.insert(cs.voters().begin(), cs.voters().end());
  m.learners.insert(cs.learners().begin(), cs.learners().end());
  return m;
}

void ProgressTracker::SetMembership(const Membership& m, uint64_t next_index) {
  membership_ = m;
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = m.IsMember(it->first) ? std::next(it) : progress_.erase(it);
  }
  auto add = [&](uint64_t id, bool learner) {
    auto it = progress_.find(id);
    if (it == progress_.end()) {
      it = progress_.emplace(id, Progress(next_index, max_inflight_, learner)).first;
      // A new member counts as active so that adding it does not make a
      // leader with check-quorum step down before it first answers.
      it->second.recent_active = true;
    }
    it->second.is_learner = learner;
  };
  for (uint64_t id : m.voters) add(id, false);
  for (uint64_t id : m.learners) add(id, true);
}

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

uint64_t ProgressTracker::Committed() const {
  return MajorityCommitted(membership_.voters, [this](uint64_t id) {
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match;
  });
}

bool ProgressTracker::QuorumActive() const {
  std::map<uint64_t, bool> active;
  for (uint64_t id : membership_.voters) {
    auto it = progress_.find(id);
    active[id] = it != progress_.end() && it->second.recent_active;
  }
  return MajorityVote(membership_.voters, active) == VoteResult::kWon;
}

}  // namespace arbor::raft
