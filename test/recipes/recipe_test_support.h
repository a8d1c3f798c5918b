// A fixture for recipe tests: one real arbord on 127.0.0.1 (fast ticks,
// short sessions) and helpers to open clients with a SessionEvents fan-out.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/recipes/session_events.h"
#include "test/integration/server_process.h"

namespace arbor::client::recipes {

struct TestClient {
  std::shared_ptr<SessionEvents> events = std::make_shared<SessionEvents>();
  std::unique_ptr<Client> client;
  Client* operator->() { return client.get(); }
  Client* get() { return client.get(); }
};

class RecipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = arbor::testing::MakeTempDir("arbor-recipes");
    arbor::testing::ServerSpec spec;
    spec.client_port = arbor::testing::FreePort();
    spec.peer_port = arbor::testing::FreePort();
    spec.data_dir = dir_ + "/data";
    spec.extra_flags = {"--min_session_timeout_ms=500", "--tick_ms=50"};
    server_ = std::make_unique<arbor::testing::ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  void TearDown() override {
    server_.reset();
    arbor::testing::RemoveTree(dir_);
  }
  int port() const { return server_->spec().client_port; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

  // A connected client (the test fails when it cannot connect).
  TestClient Connect(int32_t session_timeout_ms = 4000, int target_port = 0) {
    TestClient c;
    ClientOptions o;
    o.connect_string = "127.0.0.1:" + std::to_string(target_port ? target_port : port());
    o.session_timeout_ms = session_timeout_ms;
    o.session_listener = c.events->Listener();
    auto started = Client::Start(o);
    EXPECT_TRUE(started.ok());
    if (!started.ok()) return c;
    c.client = std::move(started).value();
    EXPECT_TRUE(c.client->WaitConnected(10000));
    return c;
  }

  // Polls `cond` every 5 ms until it holds or timeout_ms passes.
  static bool WaitFor(const std::function<bool()>& cond, int64_t timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return cond();
  }

  std::string dir_;
  std::unique_ptr<arbor::testing::ServerProcess> server_;
};

}  // namespace arbor::client::recipes
