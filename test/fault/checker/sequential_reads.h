// Plain reads (getData without sync) of the register workload. ZooKeeper
// promises them sequential consistency, not linearizability: a follower may
// answer from an older state. What it does promise, and this checks:
//  - a session never sees a key go back in time: the versions it reads (and
//    the versions its own acknowledged writes produced) never decrease;
//  - every (value, version) read is a state the register really had: the
//    value at a version is the one the write that made it wrote (values are
//    unique per write), or the initial value at the initial version;
//  - no read returns a value whose write was invoked after the read completed.
#pragma once

#include <string>
#include <vector>

#include "test/fault/checker/history.h"

namespace arbor::fault {

struct PlainReadResult {
  size_t reads = 0;                 // plain reads checked (ok ones)
  std::vector<std::string> violations;  // one line each, at most max_reported
  size_t violation_count = 0;
};

PlainReadResult CheckPlainReads(const std::vector<RegisterOp>& history, const std::string& initial_value = "init",
                                int32_t initial_version = 0, size_t max_reported = 20);

}  // namespace arbor::fault
