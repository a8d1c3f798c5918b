// Every znode of a server, read through any client that answers
// proto::Requests (the native test client, or the jute test client against
// Arbor's ZooKeeper port or a real ZooKeeper), and a field-by-field diff of
// two such trees: the evidence of the backup/restore and migration tests.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::testing {

struct Znode {
  std::string data;
  bool null_data = false;
  proto::Stat stat;
  std::vector<proto::Acl> acl;
  std::vector<std::string> children;
};
using Tree = std::map<std::string, Znode>;
using Caller = std::function<proto::Response(proto::Request)>;

// Reads every znode from `root` down (getData, getACL, getChildren). A node
// that vanishes meanwhile is skipped; any other error fails with *error set.
bool WalkTree(const Caller& call, Tree* out, std::string* error, const std::string& root = "/");

struct CompareOptions {
  bool stat = true;         // czxid mzxid pzxid ctime mtime versions owner length children
  bool zxids_and_times = true;  // with stat: also czxid mzxid pzxid ctime mtime
  bool versions = true;         // with stat: version, cversion, aversion
  // Paths for which nothing is compared (and whose presence is not checked).
  std::function<bool(const std::string&)> skip;
};

// One line per difference (at most `limit`, then a count of the rest).
std::vector<std::string> DiffTrees(const Tree& expected, const Tree& actual, const CompareOptions& options,
                                   size_t limit = 30);
std::string Join(const std::vector<std::string>& lines);

}  // namespace arbor::testing
