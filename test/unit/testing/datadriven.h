// Golden interaction scripts in the style of etcd raft's testdata/ (and
// cockroachdb's datadriven): a file of blocks
//
//   # a comment
//   command key=value key=value ...
//   ----
//   the expected output, as many lines as it takes
//   <blank line>
//
// RunScript feeds each command to a handler and compares what it returns
// with the expected output; the files read as a specification of the module.
// ARBOR_REWRITE=1 rewrites the files with the actual output (review the diff).
#pragma once

#include <functional>
#include <map>
#include <string>

namespace arbor::testing {

struct Command {
  std::string name;
  std::map<std::string, std::string> args;  // key=value; a bare word maps to ""
  int line = 0;

  bool Has(const std::string& key) const { return args.count(key) != 0; }
  std::string Str(const std::string& key, const std::string& dflt = "") const;
  long long Int(const std::string& key, long long dflt = 0) const;
};

// Runs every block of `path`; reports each mismatch as a test failure with
// its line. The handler returns the block's output (without a final newline).
void RunScript(const std::string& path, const std::function<std::string(const Command&)>& handler);

}  // namespace arbor::testing
