#include "test/integration/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace arbor::testing {
namespace {

int DialLocal(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Moves what is readable on `from` to `to` (blocking write: test traffic is
// small). False when either side is done.
bool Relay(int from, int to) {
  char buf[65536];
  ssize_t n = recv(from, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = send(to, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  listen(listen_fd_, 64);
  socklen_t len = sizeof(a);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  listen_port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  thread_.join();
  for (auto& [a, b] : pairs_) {
    close(a);
    close(b);
  }
  close(listen_fd_);
}

void TcpProxy::Run() {
  while (!stop_) {
    if (blocked_) {
      for (auto& [a, b] : pairs_) {
        close(a);
        close(b);
      }
      pairs_.clear();
    }
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& [a, b] : pairs_) {
      fds.push_back({a, POLLIN, 0});
      fds.push_back({b, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 20) <= 0) continue;
    const size_t polled = pairs_.size();  // an accept below adds a pair fds does not cover
    if (fds[0].revents & POLLIN) {
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        int up = blocked_ ? -1 : DialLocal(target_port_);
        if (up < 0) {
          close(c);
        } else {
          pairs_.emplace_back(c, up);
        }
      }
    }
    std::vector<std::pair<int, int>> keep;
    for (size_t i = 0; i < pairs_.size(); ++i) {
      auto [a, b] = pairs_[i];
      if (i >= polled) {
        keep.emplace_back(a, b);
        continue;
      }
      bool ok = true;
      if (fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) ok = Relay(a, b);
      if (ok && (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))) ok = Relay(b, a);
      if (ok) {
        keep.emplace_back(a, b);
      } else {
        close(a);
        close(b);
      }
    }
    pairs_.swap(keep);
  }
}

}  // namespace arbor::testing
