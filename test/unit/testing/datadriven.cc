#include "test/unit/testing/datadriven.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace arbor::testing {

std::string Command::Str(const std::string& key, const std::string& dflt) const {
  auto it = args.find(key);
  return it == args.end() ? dflt : it->second;
}

long long Command::Int(const std::string& key, long long dflt) const {
  auto it = args.find(key);
  return it == args.end() || it->second.empty() ? dflt : std::stoll(it->second);
}

namespace {

Command Parse(const std::string& line, int number) {
  Command c;
  c.line = number;
  std::istringstream in(line);
  in >> c.name;
  std::string word;
  while (in >> word) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      c.args[word] = "";
    } else {
      c.args[word.substr(0, eq)] = word.substr(eq + 1);
    }
  }
  return c;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void RunScript(const std::string& path, const std::function<std::string(const Command&)>& handler) {
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  const char* rewrite_env = std::getenv("ARBOR_REWRITE");
  const bool rewrite = rewrite_env != nullptr && std::string(rewrite_env) == "1";
  std::string rewritten;
  size_t i = 0;
  int blocks = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      rewritten += l + "\n";
      ++i;
      continue;
    }
    Command cmd = Parse(l, static_cast<int>(i + 1));
    rewritten += l + "\n";
    ++i;
    ASSERT_TRUE(i < lines.size() && lines[i] == "----") << path << ":" << cmd.line << ": expected ---- after the command";
    rewritten += "----\n";
    ++i;
    std::string expected;
    while (i < lines.size() && !lines[i].empty()) expected += lines[i++] + "\n";
    std::string actual = Trim(handler(cmd));
    EXPECT_EQ(Trim(expected), actual) << path << ":" << cmd.line << ": " << l;
    rewritten += actual.empty() ? "" : actual + "\n";
    ++blocks;
  }
  EXPECT_GT(blocks, 0) << path << " holds no command";
  if (rewrite) std::ofstream(path) << rewritten;
}

}  // namespace arbor::testing
