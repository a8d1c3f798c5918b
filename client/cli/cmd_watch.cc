// addWatch, removewatches, and `watch PATH`, which streams events until ^C.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>

#include "client/cli/format.h"
#include "client/cli/shell.h"

namespace arbor::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted.store(true); }

int AddWatch(Shell& sh, const Args& a) {
  std::string mode = a.Get('m', "PERSISTENT_RECURSIVE");
  proto::AddWatchMode m;
  if (mode == "PERSISTENT" || mode == "persistent") m = proto::ADD_WATCH_PERSISTENT;
  else if (mode == "PERSISTENT_RECURSIVE" || mode == "persistent_recursive") m = proto::ADD_WATCH_PERSISTENT_RECURSIVE;
  else return sh.UsageError(*sh.Find("addWatch"), "mode must be PERSISTENT or PERSISTENT_RECURSIVE");
  const std::string& path = a.pos[0];
  auto r = sh.client()->AddWatch(path, m, sh.PrintingWatcher());
  if (!r.ok()) return sh.Fail("addWatch " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).EndObject());
  }
  return kExitOk;
}

int RemoveWatches(Shell& sh, const Args& a) {
  int kinds = a.Has('c') + a.Has('d') + a.Has('a') + a.Has('p') + a.Has('r');
  if (kinds > 1) return sh.UsageError(*sh.Find("removewatches"), "give at most one of -c -d -a -p -r");
  proto::WatcherType type = a.Has('c')   ? proto::WATCHER_CHILDREN
                            : a.Has('d') ? proto::WATCHER_DATA
                            : a.Has('p') ? proto::WATCHER_PERSISTENT
                            : a.Has('r') ? proto::WATCHER_PERSISTENT_RECURSIVE
                                         : proto::WATCHER_ANY;
  const std::string& path = a.pos[0];
  auto r = sh.client()->RemoveWatches(path, type, a.Has('l'));
  if (!r.ok()) return sh.Fail("removewatches " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("path").String(path).EndObject());
  }
  return kExitOk;
}

struct EventQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<proto::WatchEvent> events;
};

// Prints events from `q` until ^C, `limit` events (0 = no limit) or the
// session ends. Returns how many were printed.
int64_t Stream(Shell& sh, EventQueue& q, int64_t limit) {
  int64_t printed = 0;
  while (!g_interrupted.load() && (limit == 0 || printed < limit)) {
    std::deque<proto::WatchEvent> batch;
    {
      std::unique_lock<std::mutex> lock(q.mu);
      q.cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return !q.events.empty(); });
      batch.swap(q.events);
    }
    for (const proto::WatchEvent& e : batch) {
      if (limit != 0 && printed >= limit) break;
      if (sh.json()) {
        JsonWriter w;
        sh.OutJson(w.BeginObject().Key("event").String(EventTypeName(e.type())).Key("path").String(e.path())
                       .Key("zxid").Int(e.zxid()).EndObject());
      } else {
        sh.Out(EventTypeName(e.type()) + " " + e.path() + "\n");
      }
      ++printed;
    }
    client::SessionState st = sh.client()->state();
    if (st == client::SessionState::kExpired || st == client::SessionState::kClosed) break;
  }
  return printed;
}

int Watch(Shell& sh, const Args& a) {
  auto limit = ParseInt(a.Get('n', "0"), 0, INT64_MAX, "event count");
  if (!limit.ok()) return sh.UsageError(*sh.Find("watch"), limit.status().message());
  const std::string& path = a.pos[0];
  auto q = std::make_shared<EventQueue>();
  proto::AddWatchMode mode = a.Has('R') ? proto::ADD_WATCH_PERSISTENT_RECURSIVE : proto::ADD_WATCH_PERSISTENT;
  auto r = sh.client()->AddWatch(path, mode, [q](const proto::WatchEvent& e) {
    if (e.type() == proto::PERSISTENT_WATCH_REMOVED) return;
    std::lock_guard<std::mutex> lock(q->mu);
    if (q->events.size() < 100000) q->events.push_back(e);  // bounded: a stuck terminal drops events
    q->cv.notify_one();
  });
  if (!r.ok()) return sh.Fail("watch " + path, r.code());
  struct sigaction act = {}, old = {};
  act.sa_handler = OnInterrupt;
  sigemptyset(&act.sa_mask);
  g_interrupted.store(false);
  sigaction(SIGINT, &act, &old);
  sh.Err("watching " + path + (a.Has('R') ? " and its subtree" : "") + " (^C to stop)\n");
  Stream(sh, *q, *limit);
  sigaction(SIGINT, &old, nullptr);
  g_interrupted.store(false);
  auto removed = sh.client()->RemoveWatches(
      path, a.Has('R') ? proto::WATCHER_PERSISTENT_RECURSIVE : proto::WATCHER_PERSISTENT, /*local=*/true);
  (void)removed;  // the session may be gone; the local removal always happens
  return kExitOk;
}

}  // namespace

void AddWatchCommands(std::vector<Command>* out) {
  out->push_back({"addWatch", "m:", "addWatch [-m PERSISTENT|PERSISTENT_RECURSIVE] PATH",
                  "leave a persistent watch whose events print as they come", 1, 1, true, AddWatch});
  out->push_back({"removewatches", "cdaprl", "removewatches PATH [-c|-d|-a|-p|-r] [-l]",
                  "remove this session's watches on PATH (children, data, any, persistent, recursive; -l locally)",
                  1, 1, true, RemoveWatches});
  out->push_back({"watch", "Rn:", "watch [-R] [-n COUNT] PATH",
                  "stream events on PATH (-R its subtree) until ^C or COUNT events", 1, 1, true, Watch});
}

}  // namespace arbor::cli
