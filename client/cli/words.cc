#include "client/cli/words.h"

#include <cerrno>
#include <cstdlib>

namespace arbor::cli {

Result<std::vector<std::string>> Tokenize(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quote == '\'') {
      if (ch == '\'') quote = 0;
      else cur += ch;
      continue;
    }
    if (ch == '\\' && i + 1 < line.size()) {
      char next = line[++i];
      cur += next == 'n' ? '\n' : next == 't' ? '\t' : next;
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (ch == '"') quote = 0;
      else cur += ch;
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
    if (words.size() > kMaxWords) return Status::InvalidArgument("too many words in one command line");
  }
  if (quote != 0) return Status::InvalidArgument(std::string("unterminated ") + quote + " quote");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

Result<Args> ParseArgs(const std::vector<std::string>& words, const std::string& spec) {
  Args a;
  bool options_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (options_done || w.size() < 2 || w[0] != '-') {
      a.pos.push_back(w);
      continue;
    }
    if (w == "--") {
      options_done = true;
      continue;
    }
    for (size_t j = 1; j < w.size(); ++j) {
      size_t at = spec.find(w[j]);
      if (w[j] == ':' || at == std::string::npos) {
        return Status::InvalidArgument("unknown option -" + std::string(1, w[j]) + " (data starting with '-' goes after --)");
      }
      bool takes_value = at + 1 < spec.size() && spec[at + 1] == ':';
      if (!takes_value) {
        a.opts[w[j]] = "";
        continue;
      }
      if (j + 1 < w.size()) {
        a.opts[w[j]] = w.substr(j + 1);
      } else if (i + 1 < words.size()) {
        a.opts[w[j]] = words[++i];
      } else {
        return Status::InvalidArgument("option -" + std::string(1, w[j]) + " needs a value");
      }
      break;
    }
  }
  return a;
}

Result<int64_t> ParseInt(const std::string& s, int64_t lo, int64_t hi, const std::string& what) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || end == nullptr || *end != '\0' || v < lo || v > hi) {
    return Status::InvalidArgument(what + " must be an integer in [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "], got '" + s + "'");
  }
  return static_cast<int64_t>(v);
}

}  // namespace arbor::cli
