// A TCP forwarder on 127.0.0.1 that a test can cut: every connection to
// listen_port() is relayed to target_port; while blocked, existing relays
// are closed and new connections are closed at once (a partition).
// One poll() thread; stopped by the destructor.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace arbor::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int listen_port() const { return listen_port_; }
  void SetBlocked(bool blocked) { blocked_ = blocked; }

 private:
  void Run();
  int target_port_;
  int listen_fd_ = -1;
  int listen_port_ = 0;
  std::atomic<bool> blocked_{false};
  std::atomic<bool> stop_{false};
  std::vector<std::pair<int, int>> pairs_;  // (client fd, upstream fd); proxy thread only
  std::thread thread_;
};

}  // namespace arbor::testing
