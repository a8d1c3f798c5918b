// Single-server membership changes (Raft thesis 4.1): validation and the
// resulting membership. One change at a time keeps any two adjacent
// configurations' majorities overlapping.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "proto/raft.pb.h"
#include "server/raft/tracker.h"

namespace arbor::raft {

// Ok if cc changes `m` and leaves at least one voter; InvalidArgument
// (with the reason) for a no-op or a change that would leave no voter.
Status ValidateConfChange(const Membership& m, const ConfChange& cc);

// The membership after cc. Precondition: ValidateConfChange(m, cc).ok().
Membership ApplyConfChangeTo(const Membership& m, const ConfChange& cc);

// The log a brand-new cluster starts with: one committed ADD_VOTER entry
// per initial voter at indexes 1..n, term 1. Every initial member persists
// these entries with HardState{term: 1, commit: n} and an empty ConfState
// (applied 0), so the membership is rebuilt by applying them, and a node
// that joins later learns the initial membership from the log (or from a
// snapshot) like everything else.
std::vector<Entry> BootstrapEntries(const std::vector<uint64_t>& voters);

}  // namespace arbor::raft
