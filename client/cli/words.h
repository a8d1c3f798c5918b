// Splitting a command line into words and words into options.
//
//   Tokenize(R"(create /a "hello world")")  -> {"create", "/a", "hello world"}
//   ParseArgs({"ls","-R","-s","/a"}, "Rsw")  -> opts {R, s}, pos {"/a"}
//
// Quotes: '...' is literal; "..." and unquoted text honour backslash
// escapes. Options: a spec like "esct:" lists the letters a command takes;
// a letter followed by ':' takes a value (the rest of the word or the next
// word). Flags combine ("-es"). "--" ends the options, so data may start
// with '-'.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace arbor::cli {

// At most this many words in one command line (a bound, not a feature).
constexpr size_t kMaxWords = 4096;

Result<std::vector<std::string>> Tokenize(const std::string& line);

struct Args {
  std::vector<std::string> pos;
  std::map<char, std::string> opts;  // letter -> value ("" for a flag)

  bool Has(char c) const { return opts.count(c) > 0; }
  std::string Get(char c, const std::string& def = "") const {
    auto it = opts.find(c);
    return it == opts.end() ? def : it->second;
  }
};

// `words` excludes the command name. Fails on an unknown option or a
// missing value, with a message naming it.
Result<Args> ParseArgs(const std::vector<std::string>& words, const std::string& spec);

// Parses a decimal integer in [lo, hi]; fails with a message naming `what`.
Result<int64_t> ParseInt(const std::string& s, int64_t lo, int64_t hi, const std::string& what);

}  // namespace arbor::cli
