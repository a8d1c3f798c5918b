// import-zk ZKHOST:PORT [PATH]: copies a live Apache ZooKeeper's tree (from
// PATH, default /) into the connected Arbor over the wire: ZooKeeper is read
// with ZkSource (pipelined getData/getACL/getChildren), Arbor written with
// the client library's pipelined async calls, parents before children. Each
// node is created with the open ACL and gets its ZooKeeper ACL afterwards,
// children first, so restrictive ACLs never stop the copy of what lies
// below them.
//
// What the wire shows is what is copied: data (null kept), ACL and the tree.
// Not copied: ephemeral nodes (they belong to live ZooKeeper sessions; their
// owners create them again on Arbor) and the /zookeeper subtree. Containers
// and TTL nodes look persistent on the wire and arrive persistent; zxids,
// times and versions start afresh. `arbor-zk-import` (a data directory, with
// ZooKeeper stopped) keeps all of those.
//
// Finally ZooKeeper is read again: a znode that changed during the copy
// (path set, mzxid, pzxid or aversion moved) fails the import (exit 1), so a
// copy taken while writers ran is never mistaken for a faithful one.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>

#include "client/cli/shell.h"
#include "client/cli/zk_source.h"

namespace arbor::cli {
namespace {

constexpr size_t kReadBatchNodes = 100;  // 3 requests each
constexpr int kWriteWindow = 256;

struct SourceNode {
  std::string path;
  std::string data;
  bool null_data = false;
  proto::Stat stat;
  std::vector<proto::Acl> acl;
};

struct Walked {
  std::vector<std::vector<SourceNode>> levels;  // levels[0] = the import root
  std::vector<std::string> ephemerals;
  std::vector<std::string> unreadable;  // path: reason
  size_t nodes = 0;
  uint64_t bytes = 0;
};

std::string ChildPath(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

bool IsOpenAcl(const std::vector<proto::Acl>& acl) {
  return acl.size() == 1 && acl[0].perms() == proto::PERM_ALL && acl[0].id().scheme() == "world" &&
         acl[0].id().id() == "anyone";
}

Status Walk(Shell& sh, ZkSource* zk, const std::string& root, Walked* out) {
  std::vector<std::string> level{root};
  while (!level.empty()) {
    std::vector<SourceNode> nodes;
    std::vector<std::string> next;
    for (size_t at = 0; at < level.size(); at += kReadBatchNodes) {
      size_t end = std::min(level.size(), at + kReadBatchNodes);
      std::vector<proto::Request> reqs;
      for (size_t i = at; i < end; ++i) {
        proto::Request r;
        r.mutable_get_data()->set_path(level[i]);
        reqs.push_back(r);
        r.Clear();
        r.mutable_get_acl()->set_path(level[i]);
        reqs.push_back(r);
        r.Clear();
        r.mutable_get_children()->set_path(level[i]);
        reqs.push_back(r);
      }
      auto resps = zk->CallMany(reqs);
      if (!resps.ok()) return resps.status();
      for (size_t i = at; i < end; ++i) {
        const std::string& path = level[i];
        const proto::Response& d = (*resps)[3 * (i - at)];
        const proto::Response& a = (*resps)[3 * (i - at) + 1];
        const proto::Response& c = (*resps)[3 * (i - at) + 2];
        if (d.error() == proto::NONODE) continue;  // deleted meanwhile; the check pass reports it
        proto::ErrorCode bad = d.error() != proto::OK ? d.error() : a.error() != proto::OK ? a.error() : c.error();
        if (bad != proto::OK) {
          out->unreadable.push_back(path + ": " + client::ErrorCodeName(bad));
          continue;
        }
        if (d.get_data().stat().ephemeral_owner() != 0) {
          out->ephemerals.push_back(path);
          continue;
        }
        SourceNode n;
        n.path = path;
        n.data = d.get_data().data();
        n.null_data = d.get_data().null_data();
        n.stat = d.get_data().stat();
        n.acl.assign(a.get_acl().acl().begin(), a.get_acl().acl().end());
        out->bytes += n.data.size();
        for (const std::string& name : c.get_children().children()) {
          std::string child = ChildPath(path, name);
          if (child != "/zookeeper") next.push_back(child);  // ZooKeeper's own subtree stays
        }
        nodes.push_back(std::move(n));
      }
    }
    out->nodes += nodes.size();
    if (out->nodes / 1000 != (out->nodes - nodes.size()) / 1000) {
      sh.Progress("import-zk: read " + std::to_string(out->nodes) + " znodes");
    }
    out->levels.push_back(std::move(nodes));
    level = std::move(next);
  }
  return Status::Ok();
}

// Bounds the writes in flight and keeps the first error.
class Window {
 public:
  void Acquire() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return in_flight_ < kWriteWindow; });
    ++in_flight_;
  }
  void Release(const std::string& error) {
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
    if (!error.empty() && first_error_.empty()) first_error_ = error;
    cv_.notify_all();
  }
  // Waits for every write; the first error or "".
  std::string Drain() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return in_flight_ == 0; });
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::string first_error_;
};

std::string Copy(Shell& sh, const std::string& root, const Walked& w) {
  client::Client* c = sh.client();
  Window window;
  size_t created = 0;
  for (size_t depth = 0; depth < w.levels.size(); ++depth) {
    for (const SourceNode& n : w.levels[depth]) {
      if (n.path == "/") continue;  // exists everywhere
      window.Acquire();
      auto done = [&window, path = n.path](client::OpResult<proto::CreateResponse> r) {
        window.Release(r.ok() ? "" : "create " + path + ": " + client::ErrorCodeName(r.code()) +
                                         (r.code() == proto::NODEEXISTS ? " (import into an empty Arbor tree)" : ""));
      };
      if (n.null_data) {
        c->CreateNullDataAsync(n.path, proto::PERSISTENT, done);
      } else {
        c->CreateAsync(n.path, n.data, proto::PERSISTENT, done);
      }
      if (++created % 1000 == 0) sh.Progress("import-zk: created " + std::to_string(created) + " znodes");
    }
    // Children need their parents.
    std::string error = window.Drain();
    if (!error.empty()) return error;
  }
  if (root == "/" && !w.levels.empty() && !w.levels[0].empty() && !w.levels[0][0].data.empty()) {
    window.Acquire();
    c->SetDataAsync("/", w.levels[0][0].data, -1, [&window](client::OpResult<proto::Stat> r) {
      window.Release(r.ok() ? "" : "setData /: " + client::ErrorCodeName(r.code()));
    });
  }
  // ACLs last, deepest first: a node's ACL may deny us the children below it.
  for (size_t depth = w.levels.size(); depth-- > 0;) {
    for (const SourceNode& n : w.levels[depth]) {
      if (IsOpenAcl(n.acl)) continue;
      window.Acquire();
      c->SetAclAsync(n.path, n.acl, -1, [&window, path = n.path](client::OpResult<proto::Stat> r) {
        window.Release(r.ok() ? "" : "setACL " + path + ": " + client::ErrorCodeName(r.code()));
      });
    }
    std::string error = window.Drain();
    if (!error.empty()) return error;
  }
  return "";
}

// Znodes whose place or stat moved between two reads of ZooKeeper.
std::vector<std::string> Changed(const Walked& before, const Walked& after) {
  std::map<std::string, const SourceNode*> a;
  for (const auto& level : after.levels) {
    for (const SourceNode& n : level) a[n.path] = &n;
  }
  std::vector<std::string> out;
  size_t seen = 0;
  for (const auto& level : before.levels) {
    for (const SourceNode& n : level) {
      auto it = a.find(n.path);
      if (it == a.end()) {
        out.push_back(n.path + " (deleted)");
      } else {
        ++seen;
        const proto::Stat& s = it->second->stat;
        if (s.mzxid() != n.stat.mzxid() || s.pzxid() != n.stat.pzxid() || s.aversion() != n.stat.aversion()) {
          out.push_back(n.path);
        }
      }
    }
  }
  if (seen != a.size()) out.push_back(std::to_string(a.size() - seen) + " znode(s) created meanwhile");
  return out;
}

int ImportZk(Shell& sh, const Args& a) {
  const std::string& source = a.pos[0];
  const std::string root = a.pos.size() > 1 ? a.pos[1] : "/";
  if (root.empty() || root[0] != '/' || root.rfind("/zookeeper", 0) == 0) {
    return sh.UsageError(*sh.Find("import-zk"), "PATH must be absolute and outside /zookeeper");
  }
  auto zk = ZkSource::Connect(source, sh.options().timeout_ms);
  if (!zk.ok()) {
    sh.Err("arbor-cli: import-zk: " + zk.status().message() + "\n");
    return kExitNoServer;
  }
  if (a.Has('a')) {
    std::string spec = a.Get('a');
    size_t colon = spec.find(':');
    if (colon == std::string::npos) return sh.UsageError(*sh.Find("import-zk"), "-a wants SCHEME:AUTH");
    Status s = (*zk)->AddAuth(spec.substr(0, colon), spec.substr(colon + 1));
    if (!s.ok()) {
      sh.Err("arbor-cli: import-zk: " + s.message() + "\n");
      return kExitServerError;
    }
  }
  Walked w;
  Status s = Walk(sh, zk->get(), root, &w);
  if (!s.ok()) {
    sh.Err("arbor-cli: import-zk: reading " + source + ": " + s.message() + "\n");
    return kExitServerError;
  }
  if (w.nodes == 0) {
    sh.Err("arbor-cli: import-zk: " + root + " does not exist on " + source + "\n");
    return kExitServerError;
  }
  if (!w.unreadable.empty()) {
    sh.Err("arbor-cli: import-zk: " + std::to_string(w.unreadable.size()) + " znode(s) could not be read (first: " +
           w.unreadable[0] + "); nothing was copied\n  hint: -a digest:super:PASSWORD (ZooKeeper's superDigest) "
           "reads every znode\n");
    return kExitServerError;
  }
  std::string error = Copy(sh, root, w);
  sh.EndProgress();
  if (!error.empty()) {
    sh.Err("arbor-cli: import-zk: " + error + "\n");
    return kExitServerError;
  }
  Walked again;
  s = Walk(sh, zk->get(), root, &again);
  sh.EndProgress();
  std::vector<std::string> changed = s.ok() ? Changed(w, again) : std::vector<std::string>{s.message()};
  if (sh.json()) {
    JsonWriter j;
    j.BeginObject().Key("ok").Bool(changed.empty()).Key("source").String(source).Key("path").String(root);
    j.Key("znodes").Int(static_cast<int64_t>(w.nodes)).Key("data_bytes").Int(static_cast<int64_t>(w.bytes));
    j.Key("skipped_ephemerals").BeginArray();
    for (const std::string& p : w.ephemerals) j.String(p);
    j.EndArray().Key("changed_during_copy").BeginArray();
    for (const std::string& p : changed) j.String(p);
    sh.OutJson(j.EndArray().EndObject());
  } else {
    std::string text = "imported " + std::to_string(w.nodes) + " znodes (" + std::to_string(w.bytes) +
                       " bytes of data) from " + source + " " + root + "\n";
    if (!w.ephemerals.empty()) {
      text += "skipped " + std::to_string(w.ephemerals.size()) +
              " ephemeral znode(s) (their owners' sessions create them again on Arbor), e.g. " + w.ephemerals[0] +
              "\n";
    }
    text += "not copied: /zookeeper; containers and TTL nodes arrive persistent, and zxids, times and versions "
            "start afresh (arbor-zk-import keeps them)\n";
    sh.Out(text);
  }
  if (!changed.empty()) {
    sh.Err("arbor-cli: import-zk: " + std::to_string(changed.size()) + " znode(s) changed on " + source +
           " during the copy (first: " + changed[0] + "): stop ZooKeeper's writers and import again into an "
           "empty Arbor\n");
    return kExitServerError;
  }
  return kExitOk;
}

}  // namespace

void AddImportCommand(std::vector<Command>* out) {
  out->push_back({"import-zk", "a:", "import-zk [-a SCHEME:AUTH] ZKHOST:PORT [PATH]",
                  "copy a live Apache ZooKeeper's znodes (data, ACLs; not ephemerals or /zookeeper) under PATH into "
                  "this Arbor, then check nothing changed on ZooKeeper meanwhile; -a authenticates on ZooKeeper "
                  "(e.g. digest:super:PASSWORD)",
                  1, 2, true, ImportZk});
}

}  // namespace arbor::cli
