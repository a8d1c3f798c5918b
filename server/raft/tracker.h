// The leader's (and candidate's) view of the cluster: the membership
// (voters and learners), one Progress per member, and the votes of the
// current election. Learners get a Progress but never vote or count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>

#include "proto/raft.pb.h"
#include "server/raft/progress.h"
#include "server/raft/quorum.h"

namespace arbor::raft {

struct Membership {
  std::set<uint64_t> voters;
  std::set<uint64_t> learners;

  bool IsVoter(uint64_t id) const { return voters.count(id) > 0; }
  bool IsLearner(uint64_t id) const { return learners.count(id) > 0; }
  bool IsMember(uint64_t id) const { return IsVoter(id) || IsLearner(id); }
  ConfState ToConfState() const;
  static Membership FromConfState(const ConfState& cs);
};

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  // Installs a membership; members new to the tracker start probing at
  // next_index, removed members' progress is dropped.
  void SetMembership(const Membership& m, uint64_t next_index);
  const Membership& membership() const { return membership_; }

  Progress* Get(uint64_t id);
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }

  // Highest index acknowledged by a majority of voters.
  uint64_t Committed() const;
  // Did a majority of voters talk to us since the last reset? (check-quorum)
  bool QuorumActive() const;

  void ResetVotes() { votes_.clear(); }
  void RecordVote(uint64_t id, bool granted) { votes_.emplace(id, granted); }
  bool Voted(uint64_t id) const { return votes_.count(id) > 0; }
  VoteResult TallyVotes() const { return MajorityVote(membership_.voters, votes_); }
  size_t max_inflight() const { return max_inflight_; }

 private:
  size_t max_inflight_;
  Membership membership_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace arbor::raft
