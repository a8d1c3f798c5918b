// Linearizability of the register workload: for each key, is there one
// order of the operations, each placed between its invoke and completion,
// in which every read returns what the register held and every CAS
// succeeded exactly when the version matched?
//
// The search is Wing & Gong's, with Lowe's memoization of (set of
// linearized ops, register state), as in Knossos and Porcupine: keys are
// independent, so each key is searched alone. An op with an unknown outcome
// completes "never": it may be placed anywhere after its invoke, or (placed
// after everything else) not take effect at all. Plain reads are not judged
// here (ZooKeeper promises them sequential consistency only): see
// sequential_reads.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "test/fault/checker/history.h"

namespace arbor::fault {

struct LinearizabilityOptions {
  std::string initial_value = "init";  // what the harness created every key with
  int32_t initial_version = 0;
  // Search budget per key (memoized states); past it the key's verdict is
  // "unknown", never "linearizable".
  uint64_t max_states_per_key = 4'000'000;
};

enum class Verdict { kLinearizable, kViolation, kUnknown };
const char* VerdictName(Verdict v);

struct KeyResult {
  std::string key;
  Verdict verdict = Verdict::kLinearizable;
  size_t ops = 0;            // ops searched (ok/fail/unknown writes and CAS, ok sync reads)
  uint64_t states = 0;       // memoized states visited
  // For a violation: the longest linearizable prefix found, the op that
  // could not follow it and the state it found; for unknown: why.
  std::string explanation;
};

struct LinearizabilityResult {
  Verdict verdict = Verdict::kLinearizable;  // worst over keys
  std::vector<KeyResult> keys;
};

LinearizabilityResult CheckLinearizable(const std::vector<RegisterOp>& history,
                                        const LinearizabilityOptions& options = {});

}  // namespace arbor::fault
