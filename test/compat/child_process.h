// Runs a client program (python, zkCli.sh, node, the C client test) as a
// child process for the compatibility tests: its stdout and stderr are read
// line by line, and a line handler may answer on its stdin (used by the
// cluster test to stop a server when the script asks). Only the child's own
// pid is ever signalled.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace arbor::compat {

struct ChildResult {
  int exit_code = -1;  // -1: killed (timeout) or did not start
  std::string output;  // stdout and stderr, interleaved
};

// `on_line` gets each output line (without '\n') and returns what to write to
// the child's stdin ("" for nothing). The child is killed after timeout_ms.
ChildResult RunChild(const std::vector<std::string>& argv, int timeout_ms,
                     const std::function<std::string(const std::string&)>& on_line = nullptr,
                     const std::vector<std::string>& extra_env = {});

}  // namespace arbor::compat
