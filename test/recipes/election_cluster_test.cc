// ElectionTest on a 3-node cluster: the server the leader's client is on
// dies; the client moves to another server with the same session, the
// leader steps down while SUSPENDED and is confirmed again on RECONNECTED,
// and nobody else leads meanwhile.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "client/recipes/leader_election.h"
#include "test/integration/server_process.h"

namespace arbor::client::recipes {
namespace {

bool WaitFor(const std::function<bool()>& cond, int64_t timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

struct Member {
  std::shared_ptr<SessionEvents> events = std::make_shared<SessionEvents>();
  std::unique_ptr<Client> client;
};

Member Open(const std::string& connect, uint64_t seed) {
  Member m;
  ClientOptions o;
  o.connect_string = connect;
  o.session_timeout_ms = 6000;
  o.shuffle_seed = seed;
  o.session_listener = m.events->Listener();
  auto c = Client::Start(o);
  EXPECT_TRUE(c.ok());
  if (c.ok()) m.client = std::move(c).value();
  EXPECT_TRUE(m.client && m.client->WaitConnected(10000));
  return m;
}

TEST(ElectionClusterTest, LeaderKeepsLeadershipAcrossServerFailover) {
  arbor::testing::LocalCluster cluster(3, {"--tick_ms=50", "--min_session_timeout_ms=500"});
  ASSERT_TRUE(cluster.StartAll());
  std::string connect;
  for (int i = 0; i < 3; ++i) connect += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(cluster.client_port(i));
  Member a = Open(connect, 1), b = Open(connect, 2);
  ASSERT_TRUE(a.client && b.client);
  std::mutex mu;
  std::vector<std::string> log;
  auto note = [&](const std::string& s) {
    std::lock_guard<std::mutex> l(mu);
    log.push_back(s);
  };
  LeaderElection ea(a.client.get(), a.events.get(), "/election", "a", [&](bool l) { note(l ? "a+" : "a-"); });
  ASSERT_EQ(ea.Start(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return ea.IsLeader(); }, 5000));
  LeaderElection eb(b.client.get(), b.events.get(), "/election", "b", [&](bool l) { note(l ? "b+" : "b-"); });
  ASSERT_EQ(eb.Start(), proto::OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int victim = -1;
  for (int i = 0; i < 3; ++i) {
    if (a.client->current_server() == "127.0.0.1:" + std::to_string(cluster.client_port(i))) victim = i;
  }
  ASSERT_GE(victim, 0) << a.client->current_server();
  cluster.server(victim).Kill();
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return log.size() >= 3;
  }, 15000));
  ASSERT_TRUE(WaitFor([&] { return ea.IsLeader(); }, 5000));
  EXPECT_EQ(a.client->state(), SessionState::kReconnected);
  EXPECT_NE(a.client->current_server(), "127.0.0.1:" + std::to_string(cluster.client_port(victim)));
  EXPECT_FALSE(eb.IsLeader());
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "a-", "a+"})) << "b must never lead";
}

}  // namespace
}  // namespace arbor::client::recipes
