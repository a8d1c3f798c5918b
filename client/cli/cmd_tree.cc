// deleteall, tree, getAllChildrenNumber, getEphemerals: whole-subtree commands.
#include <algorithm>

#include "client/cli/format.h"
#include "client/cli/shell.h"

namespace arbor::cli {
namespace {

constexpr size_t kMaxDeleted = 1000000;
constexpr size_t kMaxDrawn = 100000;
constexpr size_t kDeleteBatch = 100;

// Deletes `batch` (children before parents) in one multi; if that fails
// because a node vanished meanwhile, one by one, skipping vanished nodes.
proto::ErrorCode DeleteBatch(Shell& sh, const std::vector<std::string>& batch) {
  client::Transaction txn;
  for (const std::string& p : batch) txn.Delete(p);
  auto r = sh.client()->Multi(txn);
  if (r.ok() || r.code() != proto::NONODE) return r.code();
  for (const std::string& p : batch) {
    auto d = sh.client()->Delete(p);
    if (!d.ok() && d.code() != proto::NONODE) return d.code();
  }
  return proto::OK;
}

int DeleteAll(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  if (path == "/") return sh.UsageError(*sh.Find("deleteall"), "refusing to delete the root");
  auto nodes = CollectSubtree(sh, path, kMaxDeleted);
  if (!nodes.ok()) return sh.Fail("deleteall " + path, nodes.code());
  const std::vector<std::string>& all = nodes.value();
  size_t done = 0;
  std::vector<std::string> batch;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {  // reverse BFS: children first
    batch.push_back(*it);
    if (batch.size() < kDeleteBatch && it + 1 != all.rend()) continue;
    proto::ErrorCode code = DeleteBatch(sh, batch);
    if (code != proto::OK) {
      return sh.Fail("deleteall " + path + " (after deleting " + std::to_string(done) + " nodes)", code);
    }
    done += batch.size();
    batch.clear();
    if (all.size() >= 1000) sh.Progress("deleted " + std::to_string(done) + "/" + std::to_string(all.size()) + " nodes...");
  }
  sh.EndProgress();
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).Key("deleted").Int(static_cast<int64_t>(done)).EndObject());
  }
  return kExitOk;
}

struct Drawer {
  Drawer(Shell& shell, int64_t depth) : sh(shell), max_depth(depth) {}
  Shell& sh;
  int64_t max_depth;
  size_t drawn = 0;
  std::string text;
  JsonWriter json;

  // Draws the children of `path` under `prefix`; returns the first error.
  proto::ErrorCode Draw(const std::string& path, const std::string& prefix, int64_t depth) {
    if (depth >= max_depth) return proto::OK;
    auto r = sh.client()->GetChildren(path);
    if (r.code() == proto::NONODE && depth > 0) return proto::OK;
    if (!r.ok()) return r.code();
    std::vector<std::string> kids(r->children().begin(), r->children().end());
    std::sort(kids.begin(), kids.end());
    if (sh.json()) json.Key("children").BeginArray();
    for (size_t i = 0; i < kids.size() && drawn < kMaxDrawn; ++i) {
      bool last = i + 1 == kids.size();
      if (++drawn % 1000 == 0) sh.Progress("drawn " + std::to_string(drawn) + " nodes...");
      if (sh.json()) json.BeginObject().Key("name").String(kids[i]);
      text += prefix + (last ? "└── " : "├── ") + kids[i] + "\n";
      proto::ErrorCode code = Draw(JoinPath(path, kids[i]), prefix + (last ? "    " : "│   "), depth + 1);
      if (code != proto::OK) return code;
      if (sh.json()) json.EndObject();
    }
    if (sh.json()) json.EndArray();
    return proto::OK;
  }
};

int Tree(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto depth = ParseInt(a.Get('d', "1000000"), 1, 1000000, "depth");
  if (!depth.ok()) return sh.UsageError(*sh.Find("tree"), depth.status().message());
  Drawer d(sh, *depth);
  d.json.BeginObject().Key("ok").Bool(true).Key("path").String(path);
  d.text = path + "\n";
  proto::ErrorCode code = d.Draw(path, "", 0);
  sh.EndProgress();
  if (code != proto::OK) return sh.Fail("tree " + path, code);
  if (d.drawn >= kMaxDrawn) sh.Err("arbor-cli: tree stopped after " + std::to_string(kMaxDrawn) + " nodes (the limit)\n");
  if (sh.json()) sh.OutJson(d.json.EndObject());
  else sh.Out(d.text);
  return kExitOk;
}

int AllChildrenNumber(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto r = sh.client()->GetAllChildrenNumber(path);
  if (!r.ok()) return sh.Fail("getAllChildrenNumber " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).Key("count").Int(r.value()).EndObject());
  } else {
    sh.Out(std::to_string(r.value()) + "\n");
  }
  return kExitOk;
}

int Ephemerals(Shell& sh, const Args& a) {
  std::string prefix = a.pos.empty() ? "/" : a.pos[0];
  auto r = sh.client()->GetEphemerals(prefix);
  if (!r.ok()) return sh.Fail("getEphemerals " + prefix, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("paths").BeginArray();
    for (const std::string& p : r.value()) w.String(p);
    sh.OutJson(w.EndArray().EndObject());
    return kExitOk;
  }
  std::string text = "[";
  for (size_t i = 0; i < r->size(); ++i) text += (i ? ", " : "") + r.value()[i];
  sh.Out(text + "]\n");
  return kExitOk;
}

}  // namespace

void AddTreeCommands(std::vector<Command>* out) {
  out->push_back({"deleteall", "", "deleteall PATH", "delete a node and its whole subtree (in batches)", 1, 1, true,
                  DeleteAll});
  out->push_back({"tree", "d:", "tree [-d DEPTH] PATH", "draw the subtree under PATH", 1, 1, true, Tree});
  out->push_back({"getAllChildrenNumber", "", "getAllChildrenNumber PATH", "count all descendants of PATH", 1, 1,
                  true, AllChildrenNumber});
  out->push_back({"getEphemerals", "", "getEphemerals [PATH_PREFIX]",
                  "list this session's ephemeral nodes (under the prefix)", 0, 1, true, Ephemerals});
}

}  // namespace arbor::cli
