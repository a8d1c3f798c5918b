#include "test/ops/tree_walk.h"

#include <algorithm>
#include <deque>

namespace arbor::testing {
namespace {

std::string Child(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

std::string AclString(const std::vector<proto::Acl>& acl) {
  std::string s;
  for (const proto::Acl& a : acl) {
    s += (s.empty() ? "" : ",") + a.id().scheme() + ":" + a.id().id() + ":" + std::to_string(a.perms());
  }
  return "[" + s + "]";
}

}  // namespace

bool WalkTree(const Caller& call, Tree* out, std::string* error, const std::string& root) {
  std::deque<std::string> todo{root};
  while (!todo.empty()) {
    std::string path = todo.front();
    todo.pop_front();
    proto::Request r;
    r.mutable_get_data()->set_path(path);
    proto::Response d = call(r);
    if (d.error() == proto::NONODE) continue;
    r.Clear();
    r.mutable_get_acl()->set_path(path);
    proto::Response a = call(r);
    r.Clear();
    r.mutable_get_children()->set_path(path);
    proto::Response c = call(r);
    if (a.error() == proto::NONODE || c.error() == proto::NONODE) continue;
    if (d.error() != proto::OK || a.error() != proto::OK || c.error() != proto::OK) {
      *error = path + ": getData " + proto::ErrorCode_Name(d.error()) + ", getACL " + proto::ErrorCode_Name(a.error()) +
               ", getChildren " + proto::ErrorCode_Name(c.error());
      return false;
    }
    Znode& z = (*out)[path];
    z.data = d.get_data().data();
    z.null_data = d.get_data().null_data();
    z.stat = d.get_data().stat();
    z.acl.assign(a.get_acl().acl().begin(), a.get_acl().acl().end());
    z.children.assign(c.get_children().children().begin(), c.get_children().children().end());
    std::sort(z.children.begin(), z.children.end());  // ZooKeeper lists them in hash order
    for (const std::string& name : z.children) todo.push_back(Child(path, name));
  }
  return true;
}

std::vector<std::string> DiffTrees(const Tree& expected, const Tree& actual, const CompareOptions& o, size_t limit) {
  std::vector<std::string> out;
  size_t more = 0;
  auto add = [&](const std::string& line) {
    if (out.size() < limit) out.push_back(line);
    else ++more;
  };
  auto skipped = [&](const std::string& p) { return o.skip && o.skip(p); };
  for (const auto& [path, e] : expected) {
    if (skipped(path)) continue;
    auto it = actual.find(path);
    if (it == actual.end()) {
      add(path + ": missing");
      continue;
    }
    const Znode& a = it->second;
    if (e.data != a.data) add(path + ": data differs (" + std::to_string(e.data.size()) + " vs " +
                              std::to_string(a.data.size()) + " bytes)");
    if (e.null_data != a.null_data) add(path + ": null data " + std::to_string(e.null_data) + " vs " +
                                        std::to_string(a.null_data));
    if (AclString(e.acl) != AclString(a.acl)) add(path + ": acl " + AclString(e.acl) + " vs " + AclString(a.acl));
    if (e.children != a.children) add(path + ": children differ");
    if (e.stat.ephemeral_owner() != a.stat.ephemeral_owner()) {
      add(path + ": ephemeralOwner " + std::to_string(e.stat.ephemeral_owner()) + " vs " +
          std::to_string(a.stat.ephemeral_owner()));
    }
    if (!o.stat) continue;
    proto::Stat es = e.stat, as = a.stat;
    if (!o.zxids_and_times) {
      for (proto::Stat* s : {&es, &as}) {
        s->clear_czxid();
        s->clear_mzxid();
        s->clear_pzxid();
        s->clear_ctime();
        s->clear_mtime();
      }
    }
    if (!o.versions) {
      for (proto::Stat* s : {&es, &as}) {
        s->clear_version();
        s->clear_cversion();
        s->clear_aversion();
      }
    }
    if (es.SerializeAsString() != as.SerializeAsString()) {
      add(path + ": stat {" + es.ShortDebugString() + "} vs {" + as.ShortDebugString() + "}");
    }
  }
  for (const auto& [path, a] : actual) {
    if (!skipped(path) && expected.count(path) == 0) add(path + ": not expected");
  }
  if (more > 0) out.push_back("... and " + std::to_string(more) + " more");
  return out;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

}  // namespace arbor::testing
