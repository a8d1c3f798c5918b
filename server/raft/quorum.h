// Majority quorum arithmetic over a set of voters (Raft 5.2, 5.3).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>

namespace arbor::raft {

enum class VoteResult { kPending, kWon, kLost };

// The largest index that a majority of `voters` have acknowledged, given
// each voter's acknowledged index (0 if unknown). An empty voter set returns
// UINT64_MAX; it never occurs (removing the last voter is refused).
uint64_t MajorityCommitted(const std::set<uint64_t>& voters,
                           const std::function<uint64_t(uint64_t)>& acked);

// The outcome of an election given the votes received so far (id -> granted).
VoteResult MajorityVote(const std::set<uint64_t>& voters, const std::map<uint64_t, bool>& votes);

}  // namespace arbor::raft
