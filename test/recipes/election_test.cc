// ElectionTest: leader election against a real arbord, including a leader
// process killed with SIGKILL and a leader whose connection is cut.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "client/recipes/leader_election.h"
#include "test/integration/tcp_proxy.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using ElectionTest = RecipeTest;
using Clock = std::chrono::steady_clock;

int CountLeaders(const std::vector<std::unique_ptr<LeaderElection>>& es) {
  int n = 0;
  for (auto& e : es) n += e->IsLeader() ? 1 : 0;
  return n;
}

TEST_F(ElectionTest, ExactlyOneLeaderAndHandoverWhenItStepsDown) {
  std::vector<TestClient> clients;
  std::vector<std::unique_ptr<LeaderElection>> es;
  std::atomic<int> listener_leaders{0};
  for (int i = 0; i < 3; ++i) clients.push_back(Connect());
  for (int i = 0; i < 3; ++i) {
    es.push_back(std::make_unique<LeaderElection>(clients[static_cast<size_t>(i)].get(),
                                                  clients[static_cast<size_t>(i)].events.get(), "/election",
                                                  "cand-" + std::to_string(i),
                                                  [&](bool leader) { listener_leaders += leader ? 1 : -1; }));
    ASSERT_EQ(es.back()->Start(), proto::OK);
  }
  ASSERT_TRUE(WaitFor([&] { return CountLeaders(es) == 1; }, 5000));
  // Stays exactly one (sampled), and the listeners agree.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(CountLeaders(es), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(4));
  }
  EXPECT_EQ(listener_leaders.load(), 1);
  size_t leader = 0;
  while (!es[leader]->IsLeader()) ++leader;
  auto id = LeaderElection::CurrentLeader(clients[0].get(), "/election");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value(), "cand-" + std::to_string(leader));
  es[leader]->Stop();
  EXPECT_FALSE(es[leader]->IsLeader());
  ASSERT_TRUE(WaitFor([&] { return CountLeaders(es) == 1; }, 2000)) << "a new leader after a step-down";
  EXPECT_FALSE(es[leader]->IsLeader());
  EXPECT_EQ(listener_leaders.load(), 1);
  for (auto& e : es) e->Stop();
  EXPECT_EQ(listener_leaders.load(), 0);
}

// The leader is a separate process; SIGKILL it. Its session expires after
// the session timeout and one of the others takes over.
TEST_F(ElectionTest, NewLeaderWithinSessionTimeoutAfterLeaderProcessKilled) {
  constexpr int32_t kChildSessionMs = 1000;
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: no gtest assertions here; report by the pipe and wait to die.
    close(pipefd[0]);
    auto events = std::make_shared<SessionEvents>();
    ClientOptions o;
    o.connect_string = address();
    o.session_timeout_ms = kChildSessionMs;
    o.session_listener = events->Listener();
    auto c = Client::Start(o);
    if (!c.ok() || !(*c)->WaitConnected(10000)) _exit(2);
    LeaderElection e(c->get(), events.get(), "/election", "child", [&](bool leader) {
      if (leader) (void)!write(pipefd[1], "L", 1);
    });
    if (e.Start() != proto::OK) _exit(3);
    while (true) pause();
  }
  // Whatever happens below, the child does not outlive the test.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  close(pipefd[1]);
  char b = 0;
  ASSERT_EQ(read(pipefd[0], &b, 1), 1) << "the child never led";
  close(pipefd[0]);
  std::vector<TestClient> clients;
  std::vector<std::unique_ptr<LeaderElection>> es;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(Connect());
    es.push_back(std::make_unique<LeaderElection>(clients.back().get(), clients.back().events.get(), "/election",
                                                  "parent-" + std::to_string(i), nullptr));
    ASSERT_EQ(es.back()->Start(), proto::OK);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(CountLeaders(es), 0) << "the child still leads";
  EXPECT_EQ(LeaderElection::CurrentLeader(clients[0].get(), "/election").value(), "child");
  auto killed_at = Clock::now();
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  reaper.pid = -1;
  ASSERT_TRUE(WaitFor([&] { return CountLeaders(es) == 1; }, 5000));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count();
  RecordProperty("handover_ms", static_cast<int>(took));
  // The server expires the session kChildSessionMs after its last contact;
  // its expiry scan runs every tick (50 ms). Allow scheduling slack.
  EXPECT_LE(took, kChildSessionMs + 500) << "handover took " << took << " ms";
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(CountLeaders(es), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_NE(LeaderElection::CurrentLeader(clients[0].get(), "/election").value(), "child");
}

// The leader's connection is cut: it must stop acting as leader (SUSPENDED)
// before the server expires its session and elects someone else, and after
// the partition heals its session is EXPIRED and the election is lost.
TEST_F(ElectionTest, SuspendedLeaderStepsDownBeforeAnotherIsElected) {
  arbor::testing::TcpProxy proxy(port());
  TestClient a = Connect(1500, proxy.listen_port());
  TestClient b = Connect(1500);
  std::mutex mu;
  std::vector<std::string> log;
  auto note = [&](const std::string& what) {
    std::lock_guard<std::mutex> l(mu);
    log.push_back(what);
  };
  LeaderElection ea(a.get(), a.events.get(), "/election", "a", [&](bool l) { note(l ? "a+" : "a-"); });
  ASSERT_EQ(ea.Start(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return ea.IsLeader(); }, 3000));
  LeaderElection eb(b.get(), b.events.get(), "/election", "b", [&](bool l) { note(l ? "b+" : "b-"); });
  ASSERT_EQ(eb.Start(), proto::OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(eb.IsLeader());
  proxy.SetBlocked(true);
  ASSERT_TRUE(WaitFor([&] { return eb.IsLeader(); }, 6000));
  EXPECT_FALSE(ea.IsLeader());
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0], "a+");
    EXPECT_EQ(log[1], "a-") << "a stepped down before b took over";
    EXPECT_EQ(log[2], "b+");
  }
  proxy.SetBlocked(false);
  ASSERT_TRUE(WaitFor([&] { return ea.lost(); }, 6000)) << "a learns its session expired";
  EXPECT_EQ(a->state(), SessionState::kExpired);
  EXPECT_FALSE(ea.IsLeader());
  EXPECT_TRUE(eb.IsLeader());
}

// A short cut: the leader is SUSPENDED (not leader), reconnects with the
// same session, re-reads the election and leads again; nobody else led.
TEST_F(ElectionTest, ReconnectedLeaderIsConfirmedAgain) {
  arbor::testing::TcpProxy proxy(port());
  TestClient a = Connect(3000, proxy.listen_port());
  TestClient b = Connect(3000);
  std::atomic<int> a_changes{0};
  std::atomic<bool> b_led{false};
  LeaderElection ea(a.get(), a.events.get(), "/election", "a", [&](bool) { ++a_changes; });
  ASSERT_EQ(ea.Start(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return ea.IsLeader(); }, 3000));
  LeaderElection eb(b.get(), b.events.get(), "/election", "b", [&](bool l) { b_led = b_led || l; });
  ASSERT_EQ(eb.Start(), proto::OK);
  proxy.SetBlocked(true);
  ASSERT_TRUE(WaitFor([&] { return !ea.IsLeader(); }, 4000)) << "suspension ends leadership";
  EXPECT_EQ(a->state(), SessionState::kSuspended);
  proxy.SetBlocked(false);
  ASSERT_TRUE(WaitFor([&] { return ea.IsLeader(); }, 3000)) << "confirmed after RECONNECTED";
  EXPECT_EQ(a->state(), SessionState::kReconnected);
  EXPECT_EQ(a_changes.load(), 3);  // +, -, +
  EXPECT_FALSE(b_led.load());
}

}  // namespace
}  // namespace arbor::client::recipes
