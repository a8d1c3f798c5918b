// Shared helpers for the client tests that run against FakeServers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "client/client.h"
#include "test/unit/client/fake_server.h"

namespace arbor::client::testing {

// Polls `pred` every 2 ms up to timeout_ms.
inline bool Eventually(const std::function<bool()>& pred, int64_t timeout_ms = 3000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Records session transitions delivered to the listener (event thread).
class TransitionLog {
 public:
  SessionListener Listener() {
    return [this](SessionState from, SessionState to) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.emplace_back(from, to);
    };
  }
  std::vector<std::pair<SessionState, SessionState>> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  bool Saw(SessionState to) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : log_) {
      if (t.second == to) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<SessionState, SessionState>> log_;
};

// Collects watch events (event thread) for assertions.
class EventLog {
 public:
  Watcher Watch() {
    return [this](const proto::WatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    };
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }
  std::vector<proto::WatchEvent> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<proto::WatchEvent> events_;
};

inline proto::WatchEvent MakeEvent(proto::EventType type, const std::string& path, int64_t zxid = 0) {
  proto::WatchEvent e;
  e.set_type(type);
  e.set_state(proto::SYNC_CONNECTED);
  e.set_path(path);
  e.set_zxid(zxid);
  return e;
}

// Short timeouts so the suite stays fast.
inline ClientOptions FastOptions(const std::string& connect_string, int32_t session_timeout_ms = 900) {
  ClientOptions o;
  o.connect_string = connect_string;
  o.session_timeout_ms = session_timeout_ms;
  o.shuffle_seed = 1;
  o.backoff_initial_ms = 5;
  o.backoff_max_ms = 50;
  o.tick_ms = 5;
  return o;
}

// Closes the client when it goes out of scope. Declared after the locals a
// test's callbacks capture, it ends the client (and its event thread) before
// those locals die, even when an ASSERT returns early.
class CloseOnExit {
 public:
  explicit CloseOnExit(std::unique_ptr<Client>* client) : client_(client) {}
  ~CloseOnExit() { client_->reset(); }

 private:
  std::unique_ptr<Client>* client_;
};

inline std::unique_ptr<Client> StartClient(ClientOptions o) {
  Result<std::unique_ptr<Client>> c = Client::Start(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

}  // namespace arbor::client::testing
