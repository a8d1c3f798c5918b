// create, get, set, delete, ls, stat, sync.
#include "client/cli/format.h"
#include "client/cli/shell.h"

namespace arbor::cli {
namespace {

// Largest subtree `ls -R` walks.
constexpr size_t kMaxListed = 1000000;

Result<proto::CreateMode> ModeOf(const Args& a) {
  bool ttl = a.Has('t'), e = a.Has('e'), s = a.Has('s'), c = a.Has('c');
  if (c && (e || s || ttl)) return Status::InvalidArgument("-c (container) combines with none of -e, -s, -t");
  if (ttl && e) return Status::InvalidArgument("-t (TTL) applies to persistent nodes only, not with -e");
  if (c) return proto::CONTAINER;
  if (ttl) return s ? proto::PERSISTENT_SEQUENTIAL_WITH_TTL : proto::PERSISTENT_WITH_TTL;
  if (e) return s ? proto::EPHEMERAL_SEQUENTIAL : proto::EPHEMERAL;
  return s ? proto::PERSISTENT_SEQUENTIAL : proto::PERSISTENT;
}

Result<int32_t> VersionOf(const Args& a) {
  if (!a.Has('v')) return -1;
  auto v = ParseInt(a.Get('v'), -1, INT32_MAX, "version");
  if (!v.ok()) return v.status();
  return static_cast<int32_t>(*v);
}

int Create(Shell& sh, const Args& a) {
  const Command& cmd = *sh.Find("create");
  auto mode = ModeOf(a);
  if (!mode.ok()) return sh.UsageError(cmd, mode.status().message());
  int64_t ttl = 0;
  if (a.Has('t')) {
    auto t = ParseInt(a.Get('t'), 1, INT64_MAX, "ttl (ms)");
    if (!t.ok()) return sh.UsageError(cmd, t.status().message());
    ttl = *t;
  }
  const std::string& path = a.pos[0];
  auto r = sh.client()->Create(path, a.pos.size() > 1 ? a.pos[1] : "", *mode, client::OpenAclUnsafe(), ttl);
  if (!r.ok()) return sh.Fail("create " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(r->path()).EndObject();
    sh.OutJson(w);
  } else {
    sh.Out("Created " + r->path() + "\n");
  }
  return kExitOk;
}

int Get(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto r = sh.client()->GetData(path, a.Has('w') ? sh.PrintingWatcher() : nullptr);
  if (!r.ok()) return sh.Fail("get " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path).Key("data").String(r->data());
    StatJson(&w, r->stat());
    sh.OutJson(w.EndObject());
  } else {
    sh.Out(r->data() + "\n" + (a.Has('s') ? StatText(r->stat()) : ""));
  }
  return kExitOk;
}

int Set(Shell& sh, const Args& a) {
  auto version = VersionOf(a);
  if (!version.ok()) return sh.UsageError(*sh.Find("set"), version.status().message());
  const std::string& path = a.pos[0];
  auto r = sh.client()->SetData(path, a.pos[1], *version);
  if (!r.ok()) return sh.Fail("set " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path);
    StatJson(&w, r.value());
    sh.OutJson(w.EndObject());
  } else if (a.Has('s')) {
    sh.Out(StatText(r.value()));
  }
  return kExitOk;
}

int Delete(Shell& sh, const Args& a) {
  auto version = VersionOf(a);
  if (!version.ok()) return sh.UsageError(*sh.Find("delete"), version.status().message());
  const std::string& path = a.pos[0];
  auto r = sh.client()->Delete(path, *version);
  if (!r.ok()) return sh.Fail("delete " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).EndObject());
  }
  return kExitOk;
}

int ListRecursive(Shell& sh, const std::string& path) {
  auto r = CollectSubtree(sh, path, kMaxListed);
  if (!r.ok()) return sh.Fail("ls -R " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path).Key("nodes").BeginArray();
    for (const std::string& n : r.value()) w.String(n);
    sh.OutJson(w.EndArray().EndObject());
    return kExitOk;
  }
  std::string text;
  for (const std::string& n : r.value()) text += n + "\n";
  sh.Out(text);
  return kExitOk;
}

int List(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  if (a.Has('R')) return ListRecursive(sh, path);
  auto r = sh.client()->GetChildren(path, a.Has('w') ? sh.PrintingWatcher() : nullptr, a.Has('s'));
  if (!r.ok()) return sh.Fail("ls " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path).Key("children").BeginArray();
    for (const std::string& c : r->children()) w.String(c);
    w.EndArray();
    if (a.Has('s')) StatJson(&w, r->stat());
    sh.OutJson(w.EndObject());
    return kExitOk;
  }
  std::string text = "[";
  for (int i = 0; i < r->children_size(); ++i) text += (i ? ", " : "") + r->children(i);
  sh.Out(text + "]\n" + (a.Has('s') ? StatText(r->stat()) : ""));
  return kExitOk;
}

int StatCmd(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto r = sh.client()->Exists(path, a.Has('w') ? sh.PrintingWatcher() : nullptr);
  if (!r.ok()) return sh.Fail("stat " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path);
    StatJson(&w, r.value());
    sh.OutJson(w.EndObject());
  } else {
    sh.Out(StatText(r.value()));
  }
  return kExitOk;
}

int SyncCmd(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto r = sh.client()->Sync(path);
  if (!r.ok()) return sh.Fail("sync " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).EndObject());
  } else {
    sh.Out("Sync is OK\n");
  }
  return kExitOk;
}

}  // namespace

void AddNodeCommands(std::vector<Command>* out) {
  out->push_back({"create", "esct:", "create [-e] [-s] [-c] [-t TTL_MS] PATH [DATA]",
                  "create a node (-e ephemeral, -s sequential, -c container, -t ttl)", 1, 2, true, Create});
  out->push_back({"get", "sw", "get [-s] [-w] PATH", "print a node's data (-s with its stat, -w leave a watch)", 1, 1,
                  true, Get});
  out->push_back({"set", "sv:", "set [-s] [-v VERSION] PATH DATA", "replace a node's data (-v only at that version)",
                  2, 2, true, Set});
  out->push_back({"delete", "v:", "delete [-v VERSION] PATH", "delete a node without children", 1, 1, true, Delete});
  out->push_back({"ls", "Rsw", "ls [-R] [-s] [-w] PATH",
                  "list children (-R the whole subtree, -s with stat, -w leave a watch)", 1, 1, true, List});
  out->push_back({"stat", "w", "stat [-w] PATH", "print a node's metadata", 1, 1, true, StatCmd});
  out->push_back({"sync", "", "sync PATH", "make the connected server catch up with the leader", 1, 1, true, SyncCmd});
}

}  // namespace arbor::cli
