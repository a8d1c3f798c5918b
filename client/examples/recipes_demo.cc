// arbor-recipes-demo: a small service built from the recipes. Run several
// copies against arbord; exactly one leads at a time. The leader does the
// "work" (a counter bump) under a lock, and every copy follows a config key.
//
//   arbord --data_dir=/tmp/a1 &                      # client port 7181
//   arbor-recipes-demo --server=127.0.0.1:7181 --name=alpha &
//   arbor-recipes-demo --server=127.0.0.1:7181 --name=beta &
//   arbor-cli -server 127.0.0.1:7181 create /demo/config 'rate=5'
//   kill -9 <alpha's pid>      # beta takes over within the session timeout
//
// Output lines (stable, for scripts and the smoke test):
//   LEADER <name>  /  FOLLOWER <name>  /  CONFIG <name> <data|<none>>
//   STARTED <name>  /  WORK <name> <counter value>  /  EXPIRED <name>
#include <gflags/gflags.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "client/client.h"
#include "client/recipes/counter.h"
#include "client/recipes/leader_election.h"
#include "client/recipes/lock.h"
#include "client/recipes/node_cache.h"
#include "client/recipes/session_events.h"

DEFINE_string(server, "127.0.0.1:7181", "connect string host:port[,host:port][/chroot]");
DEFINE_string(name, "demo", "this instance's id (shown as the leader's id)");
DEFINE_string(root, "/demo", "znode under which the demo keeps leader/, lock/, config, ticks");
DEFINE_int32(session_timeout_ms, 4000, "requested session timeout");
DEFINE_int32(work_interval_ms, 500, "how often the leader does a unit of work");
DEFINE_int32(run_seconds, 0, "stop after this long (0: until SIGINT/SIGTERM)");

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

void Say(const char* what, const std::string& rest) {
  std::printf("%s %s\n", what, rest.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  using namespace arbor::client;
  using namespace arbor::client::recipes;
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);

  auto events = std::make_shared<SessionEvents>();
  ClientOptions o;
  o.connect_string = FLAGS_server;
  o.session_timeout_ms = FLAGS_session_timeout_ms;
  o.session_listener = events->Listener();
  auto started = Client::Start(o);
  if (!started.ok()) {
    std::fprintf(stderr, "bad options: %s\n", started.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<Client> client = std::move(started).value();
  if (!client->WaitConnected(10000)) {
    std::fprintf(stderr, "no server at %s answered within 10 s\n", FLAGS_server.c_str());
    return 1;
  }

  NodeCache config(client.get(), events.get(), FLAGS_root + "/config", [](const CachedNode* n) {
    Say("CONFIG", FLAGS_name + " " + (n ? n->data : "<none>"));
  });
  if (config.Start() != arbor::proto::OK) Say("CONFIG", FLAGS_name + " <unreadable>");
  // The listener reports changes only; say what we start with.
  std::optional<CachedNode> initial = config.Current();
  if (!initial) Say("CONFIG", FLAGS_name + " <none>");

  std::atomic<bool> leading{false};
  LeaderElection election(client.get(), events.get(), FLAGS_root + "/leader", FLAGS_name, [&](bool leader) {
    leading = leader;
    Say(leader ? "LEADER" : "FOLLOWER", FLAGS_name);
  });
  if (election.Start() != arbor::proto::OK) return 1;
  Say("STARTED", FLAGS_name);

  InterProcessLock lock(client.get(), FLAGS_root + "/lock");
  DistributedCounter ticks(client.get(), FLAGS_root + "/ticks");
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(FLAGS_run_seconds);
  while (!g_stop && (FLAGS_run_seconds == 0 || std::chrono::steady_clock::now() < end)) {
    if (election.lost()) {
      Say("EXPIRED", FLAGS_name);  // a real service would start a new Client here
      break;
    }
    if (leading) {
      // The lock guards the shared resource even against a stale leader
      // that has not noticed its suspension yet.
      auto got = lock.Acquire(1000);
      if (got.ok() && got.value()) {
        auto v = ticks.Add(1);
        if (v.ok() && election.IsLeader()) Say("WORK", FLAGS_name + " " + std::to_string(v.value()));
        (void)lock.Release();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(FLAGS_work_interval_ms));
  }
  election.Stop();
  (void)client->Close();
  return 0;
}
