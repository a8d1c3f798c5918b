#include "server/raft/quorum.h"

#include <algorithm>
#include <vector>

namespace arbor::raft {

uint64_t MajorityCommitted(const std::set<uint64_t>& voters,
                           const std::function<uint64_t(uint64_t)>& acked) {
  if (voters.empty()) return UINT64_MAX;
  std::vector<uint64_t> idx;
  idx.reserve(voters.size());
  for (uint64_t id : voters) idx.push_back(acked(id));
  std::sort(idx.begin(), idx.end(), std::greater<uint64_t>());
  // With n voters, a majority is n/2+1; the (n/2+1)-th highest is acked by
  // at least that many.
  return idx[voters.size() / 2];
}

VoteResult MajorityVote(const std::set<uint64_t>& voters, const std::map<uint64_t, bool>& votes) {
  if (voters.empty()) return VoteResult::kWon;
  size_t granted = 0, rejected = 0;
  for (uint64_t id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    (it->second ? granted : rejected)++;
  }
  const size_t q = voters.size() / 2 + 1;
  if (granted >= q) return VoteResult::kWon;
  if (granted + (voters.size() - granted - rejected) >= q) return VoteResult::kPending;
  return VoteResult::kLost;
}

}  // namespace arbor::raft
