// The C++ client library against a real 3-node cluster: when the server a
// client is connected to is killed, the client moves to another server with
// the same session, and its one-shot and persistent watches still fire.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "client/client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

using client::Client;
using client::SessionState;

struct Events {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<proto::WatchEvent> seen;
  std::vector<SessionState> states;
  bool WaitFor(const std::function<bool()>& pred, int ms = 10000) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::milliseconds(ms), pred);
  }
};

TEST(ClientFailoverTest, SessionAndWatchesMoveWhenTheServerDies) {
  LocalCluster c(3, {"--tick_ms=50", "--min_session_timeout_ms=500"});
  ASSERT_TRUE(c.StartAll());
  Events ev;
  client::ClientOptions o;
  o.connect_string = "127.0.0.1:" + std::to_string(c.client_port(0)) + ",127.0.0.1:" +
                     std::to_string(c.client_port(1)) + ",127.0.0.1:" + std::to_string(c.client_port(2));
  o.session_timeout_ms = 6000;
  o.session_listener = [&](SessionState, SessionState to) {
    std::lock_guard<std::mutex> g(ev.mu);
    ev.states.push_back(to);
    ev.cv.notify_all();
  };
  auto started = Client::Start(o);
  ASSERT_TRUE(started.ok());
  std::unique_ptr<Client> cl = std::move(started).value();
  ASSERT_TRUE(cl->WaitConnected(10000));
  int64_t sid = cl->session_id();
  std::string before = cl->current_server();

  auto on_event = [&](const proto::WatchEvent& e) {
    std::lock_guard<std::mutex> g(ev.mu);
    ev.seen.push_back(e);
    ev.cv.notify_all();
  };
  ASSERT_TRUE(cl->Create("/cfg", "v1", proto::PERSISTENT).ok());
  ASSERT_TRUE(cl->Create("/mine", "", proto::EPHEMERAL).ok());
  ASSERT_TRUE(cl->GetData("/cfg", on_event).ok());                                       // one-shot
  ASSERT_TRUE(cl->AddWatch("/tree", proto::ADD_WATCH_PERSISTENT_RECURSIVE, on_event).ok());  // persistent

  // Kill the server this client is on.
  int victim = -1;
  for (int i = 0; i < 3; ++i) {
    if (before == "127.0.0.1:" + std::to_string(c.client_port(i))) victim = i;
  }
  ASSERT_GE(victim, 0) << "client reports server " << before;
  c.server(victim).Kill();
  ASSERT_TRUE(ev.WaitFor([&] {
    for (auto s : ev.states) if (s == SessionState::kReconnected) return true;
    return false;
  })) << "the client never reconnected to another server";
  EXPECT_EQ(cl->session_id(), sid) << "a new session was created instead of moving the old one";
  EXPECT_NE(cl->current_server(), before);

  // Changes made through another server reach the moved client's watches.
  auto other = Client::Start([&] {
    client::ClientOptions p;
    p.connect_string = "127.0.0.1:" + std::to_string(c.client_port((victim + 1) % 3));
    return p;
  }());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->WaitConnected(10000));
  EXPECT_TRUE((*other)->Exists("/mine").ok()) << "the ephemeral of the moved session vanished";
  ASSERT_TRUE((*other)->SetData("/cfg", "v2").ok());
  ASSERT_TRUE((*other)->Create("/tree", "", proto::PERSISTENT).ok());
  ASSERT_TRUE((*other)->Create("/tree/a", "", proto::PERSISTENT).ok());
  ASSERT_TRUE(ev.WaitFor([&] { return ev.seen.size() >= 3; })) << ev.seen.size() << " events";
  std::lock_guard<std::mutex> g(ev.mu);
  int data_changed = 0, created = 0;
  for (const auto& e : ev.seen) {
    data_changed += e.type() == proto::NODE_DATA_CHANGED && e.path() == "/cfg";
    created += e.type() == proto::NODE_CREATED;
  }
  EXPECT_EQ(data_changed, 1);
  EXPECT_EQ(created, 2);  // /tree and /tree/a through the recursive watch
  (void)(*other)->Close();
  (void)cl->Close();
}

}  // namespace
}  // namespace arbor::testing
