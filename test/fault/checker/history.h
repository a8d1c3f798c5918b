// One operation of the register workload, as a client recorded it, and the
// reader of the history files (one TSV line per operation; see
// docs/RELIABILITY.md "Fault suite" for the format).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/status.h"

namespace arbor::fault {

enum class OpType {
  kRead,      // plain getData: ZooKeeper promises sequential consistency, not linearizability
  kSyncRead,  // sync then getData: must be linearizable
  kWrite,     // setData(version = -1)
  kCas,       // setData(expected version)
};

enum class Outcome {
  kOk,       // the server answered success
  kFail,     // the server answered a definite error (BADVERSION): no effect
  kUnknown,  // connection loss, timeout, expiry: may have taken effect, at any time after invoke
};

// Completion time of an operation whose outcome is unknown.
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct RegisterOp {
  std::string client;
  std::string key;
  OpType type = OpType::kRead;
  int64_t invoke_ns = 0;
  int64_t complete_ns = 0;  // kNever when outcome is kUnknown
  Outcome outcome = Outcome::kOk;
  std::string value;        // written value (write, cas) or value read (read ok)
  int32_t version = -1;     // expected version (cas); version read (read ok)
  int32_t new_version = -1; // version after a successful write/cas, as the server returned it
};

// A line: client key type invoke_ns complete_ns outcome value version new_version
// (tab-separated; type read|sread|write|cas; outcome ok|fail|unknown).
std::string FormatRegisterOp(const RegisterOp& op);
Result<RegisterOp> ParseRegisterOp(const std::string& line);
// Reads every op of the files; blank lines and lines starting with '#' are skipped.
Result<std::vector<RegisterOp>> ReadRegisterHistory(const std::vector<std::string>& paths);

const char* OpTypeName(OpType t);
const char* OutcomeName(Outcome o);

}  // namespace arbor::fault
