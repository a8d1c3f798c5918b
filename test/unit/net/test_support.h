// Test helpers: a libuv loop on its own thread, and blocking socket helpers.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace arbor::net::testing {

// Runs a libuv loop on its own thread; Run(fn) executes fn on it.
class LoopThread {
 public:
  LoopThread() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, [](uv_async_t* a) {
      auto* self = static_cast<LoopThread*>(a->data);
      std::vector<std::function<void()>> fns;
      {
        std::lock_guard<std::mutex> g(self->mu_);
        fns.swap(self->fns_);
      }
      for (auto& f : fns) f();
    });
    async_.data = this;
  }
  // A test that ends early (a failed ASSERT) must not leave the thread
  // running: stop the loop wherever it is and join.
  ~LoopThread() {
    if (thread_.joinable()) {
      Run([this] { uv_stop(&loop_); });
      thread_.join();
    }
  }
  void Start() { thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); }); }
  void Run(std::function<void()> fn) {
    std::promise<void> done;
    {
      std::lock_guard<std::mutex> g(mu_);
      fns_.push_back([&] { fn(); done.set_value(); });
    }
    uv_async_send(&async_);
    done.get_future().wait();
  }
  void Stop() {
    Run([this] { uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr); });
    thread_.join();
    uv_loop_close(&loop_);
  }
  uv_loop_t* loop() { return &loop_; }

 private:
  uv_loop_t loop_;
  uv_async_t async_;
  std::mutex mu_;
  std::vector<std::function<void()>> fns_;
  std::thread thread_;
};

inline int Dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline void SendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads exactly n bytes; returns fewer if the peer closed or timed out.
inline std::string RecvN(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    ssize_t r = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

inline bool PeerClosed(int fd) {
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

}  // namespace arbor::net::testing
