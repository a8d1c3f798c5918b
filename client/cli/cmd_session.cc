// connect, close, status/members, history, help, quit.
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "client/cli/format.h"
#include "client/cli/shell.h"
#include "client/connect_string.h"

namespace arbor::cli {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

int Connect(Shell& sh, const Args& a) {
  std::string server = a.pos.empty() ? sh.server() : a.pos[0];
  if (!sh.Connect(server)) return kExitNoServer;
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("server").String(sh.client()->current_server()).EndObject());
  } else {
    char id[32];
    std::snprintf(id, sizeof(id), "0x%" PRIx64, static_cast<uint64_t>(sh.client()->session_id()));
    sh.Out("Connected to " + sh.client()->current_server() + ", session " + id + "\n");
  }
  return kExitOk;
}

int CloseCmd(Shell& sh, const Args&) {
  sh.Close();
  if (!sh.json()) sh.Out("Session closed (its ephemeral nodes are gone); `connect` opens a new one\n");
  return kExitOk;
}

// What one server answered to a probe: a session of its own, its status
// (role, term, commit index, applied zxid) and a sync.
struct Probe {
  std::string server;
  bool reachable = false;
  int64_t connect_ms = -1, sync_ms = -1;
  int64_t zxid = -1;  // the server's applied zxid
  proto::ServerStatusResponse status;
  std::string error;
};

Probe ProbeServer(const client::HostPort& hp, int32_t wait_ms, const ShellOptions& shell) {
  Probe p;
  p.server = hp.host + ":" + std::to_string(hp.port);
  client::ClientOptions o;
  ApplyTls(shell, &o);
  o.connect_string = p.server;
  o.session_timeout_ms = 4000;
  o.max_read_retries = 0;
  auto c = client::Client::Start(o);
  if (!c.ok()) {
    p.error = c.status().message();
    return p;
  }
  Clock::time_point t0 = Clock::now();
  if (!(*c)->WaitConnected(wait_ms)) {
    p.error = "no answer within " + std::to_string(wait_ms) + " ms";
    return p;
  }
  p.reachable = true;
  p.connect_ms = MsSince(t0);
  auto st = (*c)->ServerStatus();
  if (st.ok()) {
    p.status = st.value();
    p.zxid = p.status.applied_zxid();
  }
  Clock::time_point t1 = Clock::now();
  auto s = (*c)->Sync("/");
  if (s.ok()) p.sync_ms = MsSince(t1);
  else p.error = "sync: " + client::ErrorCodeName(s.code());
  (void)(*c)->Close(1000);
  return p;
}

int Status(Shell& sh, const Args&) {
  auto cs = client::ParseConnectString(sh.server());
  if (!cs.ok()) return sh.UsageError(*sh.Find("status"), cs.status().message());
  std::vector<Probe> probes;
  int64_t max_zxid = -1;
  for (const client::HostPort& hp : cs->hosts) {
    sh.Progress("probing " + hp.host + ":" + std::to_string(hp.port) + "...");
    probes.push_back(ProbeServer(hp, std::min(sh.options().connect_wait_ms, 3000), sh.options()));
    max_zxid = std::max(max_zxid, probes.back().zxid);
  }
  sh.EndProgress();
  std::string current = sh.client() ? sh.client()->current_server() : "";
  size_t unreachable = 0;
  for (const Probe& p : probes) unreachable += p.reachable ? 0 : 1;
  JsonWriter w;
  w.BeginObject().Key("ok").Bool(unreachable == 0).Key("servers").BeginArray();
  char line[256];
  std::snprintf(line, sizeof(line), "%-22s %-11s %-13s %6s %6s %10s %10s %6s %8s\n", "SERVER", "STATE", "ROLE", "ID",
                "TERM", "COMMIT", "APPLIED", "LAG", "SYNC_MS");
  std::string text = line;
  for (const Probe& p : probes) {
    int64_t lag = p.zxid >= 0 ? max_zxid - p.zxid : -1;
    w.BeginObject().Key("server").String(p.server).Key("reachable").Bool(p.reachable).Key("connect_ms").Int(p.connect_ms);
    w.Key("sync_ms").Int(p.sync_ms).Key("zxid").Int(p.zxid).Key("lag").Int(lag).Key("current").Bool(p.server == current);
    const proto::ServerStatusResponse& st = p.status;
    w.Key("id").Int(static_cast<int64_t>(st.server_id())).Key("role").String(st.role());
    w.Key("leader").Int(static_cast<int64_t>(st.leader())).Key("term").Int(static_cast<int64_t>(st.term()));
    w.Key("commit_index").Int(static_cast<int64_t>(st.commit_index())).Key("applied_zxid").Int(st.applied_zxid());
    w.Key("error").String(p.error).EndObject();
    std::snprintf(line, sizeof(line), "%-22s %-11s %-13s %6" PRIu64 " %6" PRIu64 " %10" PRIu64 " %10" PRId64 " %6" PRId64
                  " %8" PRId64 "%s%s\n",
                  p.server.c_str(), p.reachable ? "serving" : "unreachable", st.role().empty() ? "-" : st.role().c_str(),
                  st.server_id(), st.term(), st.commit_index(), p.zxid, lag, p.sync_ms,
                  p.server == current ? "  <- this shell" : "", p.error.empty() ? "" : ("  " + p.error).c_str());
    text += line;
  }
  w.EndArray().EndObject();
  if (sh.json()) {
    sh.OutJson(w);
  } else {
    sh.Out(text + "(LAG: how many entries a server has applied fewer than the most advanced one)\n");
  }
  // Scripts and monitors act on the exit code: 3 none answered, 1 some did not.
  if (unreachable == probes.size()) return kExitNoServer;
  return unreachable > 0 ? kExitServerError : kExitOk;
}

int History(Shell& sh, const Args&) {
  std::string text;
  size_t i = 0;
  for (const std::string& l : sh.history()) text += std::to_string(i++) + " - " + l + "\n";
  sh.Out(text);
  return kExitOk;
}

int Help(Shell& sh, const Args& a) {
  if (!a.pos.empty()) {
    const Command* c = sh.Find(a.pos[0]);
    if (c == nullptr) {
      sh.Err("arbor-cli: no command '" + a.pos[0] + "'\n  hint: `help` lists the commands\n");
      return kExitUsage;
    }
    sh.Out("usage: " + c->usage + "\n  " + c->help + "\n");
    return kExitOk;
  }
  std::string text = "Commands (one-shot: arbor-cli -server HOST:PORT [--json] CMD ARGS):\n";
  for (const Command& c : sh.commands()) text += "  " + c.usage + "\n      " + c.help + "\n";
  sh.Out(text);
  return kExitOk;
}

int Quit(Shell& sh, const Args&) {
  sh.RequestQuit();
  return kExitOk;
}

}  // namespace

void AddSessionCommands(std::vector<Command>* out) {
  out->push_back({"connect", "", "connect [HOST:PORT[,HOST:PORT...][/chroot]]",
                  "open a new session (on the same servers without an argument)", 0, 1, false, Connect});
  out->push_back({"close", "", "close", "close the session (its ephemeral nodes go with it)", 0, 0, true, CloseCmd});
  out->push_back({"status", "", "status",
                  "each server of the connect string: role, term, commit index, applied, lag; exit 1 if any server "
                  "is unreachable, 3 if none answers",
                  0, 0, false, Status});
  out->push_back({"members", "", "members", "same as status", 0, 0, false, Status});
  out->push_back({"history", "", "history", "list the commands typed so far", 0, 0, false, History});
  out->push_back({"help", "", "help [COMMAND]", "list the commands, or explain one", 0, 1, false, Help});
  out->push_back({"quit", "", "quit", "leave the shell (also: exit, ^D)", 0, 0, false, Quit});
  out->push_back({"exit", "", "exit", "leave the shell", 0, 0, false, Quit});
}

}  // namespace arbor::cli
