// Invariants of a StateMachine that must hold after any sequence of applied
// entries or any snapshot Load accepts. Checked through the public API only
// (a walk from "/"), so they test what clients and snapshots can observe.
// A violation aborts (FUZZ_CHECK) with the path and the broken rule.
#pragma once

#include <string>

#include "server/tree/state_machine.h"

namespace arbor::fuzz {

enum class History {
  // The state came from a snapshot: stats are whatever the file said, so
  // only structure is checked (parents, counts, indexes, owners).
  kUnknown,
  // The state was built by Apply from an empty tree: stats follow
  // ZooKeeper's rules too (cversion counts child changes, zxids ordered).
  kAppliedFromEmpty,
};

void CheckInvariants(const tree::StateMachine& sm, History history);

// Save() as bytes (aborts if Save fails: it writes to memory).
std::string SaveToString(const tree::StateMachine& sm);

// Save -> Load -> Save gives the same bytes, and the loaded copy passes
// CheckInvariants(kUnknown). Returns the saved bytes.
std::string CheckRoundTrip(const tree::StateMachine& sm, const tree::TreeOptions& options);

}  // namespace arbor::fuzz
