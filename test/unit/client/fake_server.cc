#include "test/unit/client/fake_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <deque>

#include "common/frame.h"

namespace arbor::client::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}


}  // namespace

void FakeEnsemble::Expire(int64_t session_id) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.erase(session_id);
}

struct FakeServer::Conn {
  int fd = -1;
  std::string in;
  std::deque<std::pair<int64_t, std::string>> out;  // (due ms, bytes), due non-decreasing
  int64_t last_due = 0;
  bool attached = false;
  bool close_after_flush = false;
  int64_t session_id = 0;
};

FakeServer::FakeServer(std::shared_ptr<FakeEnsemble> ensemble) : ens_(std::move(ensemble)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(listen_fd_, 16) != 0) {
    perror("fake server bind/listen");
    abort();
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  fcntl(listen_fd_, F_SETFL, O_NONBLOCK);
  if (pipe(wake_pipe_) != 0) abort();
  fcntl(wake_pipe_[0], F_SETFL, O_NONBLOCK);
  thread_ = std::thread([this] { Run(); });
}

FakeServer::~FakeServer() { Stop(); }

void FakeServer::Stop() {
  if (stop_.exchange(true)) return;
  Wake();
  thread_.join();
  for (auto& c : conns_) close(c->fd);
  conns_.clear();
  close(listen_fd_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
  attached_ = 0;
}

void FakeServer::Wake() {
  char b = 1;
  ssize_t n = write(wake_pipe_[1], &b, 1);
  (void)n;
}

void FakeServer::SetHook(Hook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

void FakeServer::SendEvent(const proto::WatchEvent& event) {
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_events_.push_back(event);
    ticket = ++events_requested_;
  }
  Wake();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(5), [&] { return events_queued_ >= ticket || stop_.load(); });
}

void FakeServer::DropConnections() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    drop_requested_ = true;
  }
  Wake();
}

std::vector<proto::Request> FakeServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<proto::ConnectRequest> FakeServer::handshakes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handshakes_;
}

bool FakeServer::WaitUntil(const std::function<bool()>& pred, int64_t timeout_ms) const {
  int64_t deadline = NowMs() + timeout_ms;
  while (!pred()) {
    if (NowMs() >= deadline) return false;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
  return true;
}

void FakeServer::Run() {
  while (!stop_.load()) {
    std::vector<proto::WatchEvent> events;
    bool drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      events.swap(pending_events_);
      drop = drop_requested_;
      drop_requested_ = false;
    }
    if (drop) {
      for (auto& c : conns_) CloseConn(c.get());
    }
    for (const proto::WatchEvent& e : events) {
      proto::ServerFrame f;
      *f.mutable_event() = e;
      for (auto& c : conns_) {
        if (c->attached && c->fd >= 0) Queue(c.get(), f.SerializeAsString(), 0);
      }
    }
    if (!events.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      events_queued_ += events.size();
      cv_.notify_all();
    }
    int64_t now = NowMs();
    for (auto& c : conns_) {
      if (c->fd >= 0 && !Flush(c.get(), now)) CloseConn(c.get());
    }
    conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [](auto& c) { return c->fd < 0; }), conns_.end());

    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    for (auto& c : conns_) fds.push_back({c->fd, POLLIN, 0});
    int64_t due = NextDue();
    int timeout = due < 0 ? 50 : static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(due - NowMs(), 50)));
    poll(fds.data(), fds.size(), timeout);
    if (fds[1].revents & POLLIN) {
      char buf[64];
      while (read(wake_pipe_[0], buf, sizeof(buf)) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) Accept();
    for (size_t i = 2; i < fds.size(); ++i) {
      Conn* c = conns_[i - 2].get();
      if (c->fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !ReadFrom(c)) CloseConn(c);
    }
    cv_.notify_all();
  }
}

void FakeServer::Accept() {
  while (true) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // no Nagle stalls between frames
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    conns_.push_back(std::move(c));
  }
}

bool FakeServer::ReadFrom(Conn* c) {
  char buf[65536];
  ssize_t n = read(c->fd, buf, sizeof(buf));
  if (n <= 0) return false;
  c->in.append(buf, static_cast<size_t>(n));
  while (c->fd >= 0) {
    std::string_view payload;
    size_t consumed = 0;
    if (!PeekFrame(c->in, 4 << 20, &payload, &consumed).ok()) return false;
    if (consumed == 0) break;
    std::string p(payload);
    c->in.erase(0, consumed);
    if (!HandleFrame(c, p)) return false;
  }
  return c->fd >= 0;
}

bool FakeServer::HandleFrame(Conn* c, const std::string& payload) {
  proto::ClientFrame frame;
  if (!frame.ParseFromString(payload)) return false;
  if (!c->attached) {
    if (!frame.has_connect()) return false;
    return HandleHandshake(c, frame.connect());
  }
  if (!frame.has_request()) return false;
  const proto::Request& req = frame.request();
  Action action;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.has_ping()) {
      ++pings_;
    } else {
      requests_.push_back(req);
    }
    if (hook_) action = hook_(req);
  }
  cv_.notify_all();
  if (action.reply == Reply::kDrop) return false;
  if (action.reply == Reply::kSilent) return true;
  proto::ServerFrame out;
  *out.mutable_response() = Execute(req, c->session_id);
  Queue(c, out.SerializeAsString(), action.reply == Reply::kDelay ? action.delay_ms : 0);
  if (req.has_close_session()) c->close_after_flush = true;
  return true;
}

bool FakeServer::HandleHandshake(Conn* c, const proto::ConnectRequest& req) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    handshakes_.push_back(req);
  }
  cv_.notify_all();
  if (ignore_handshakes_.load()) return true;
  proto::ServerFrame out;
  proto::ConnectResponse* r = out.mutable_connect();
  r->set_protocol_version(1);
  if (refuse_handshakes_.load()) {
    r->set_error(proto::CONNECTIONLOSS);
    Queue(c, out.SerializeAsString(), 0);
    c->close_after_flush = true;
    return true;
  }
  std::lock_guard<std::mutex> lock(ens_->mu);
  if (req.session_id() != 0) {
    auto it = ens_->sessions.find(req.session_id());
    if (it == ens_->sessions.end() || it->second != req.password()) {
      r->set_error(proto::SESSIONEXPIRED);
      r->set_timeout_ms(0);
      Queue(c, out.SerializeAsString(), 0);
      c->close_after_flush = true;
      return true;
    }
    c->session_id = req.session_id();
  } else {
    c->session_id = ens_->next_session_id++;
    ens_->sessions[c->session_id] = "pw-" + std::to_string(c->session_id);
  }
  int32_t t = negotiated_timeout_ms_.load();
  r->set_timeout_ms(t > 0 ? t : req.timeout_ms());
  r->set_session_id(c->session_id);
  r->set_password(ens_->sessions[c->session_id]);
  c->attached = true;
  ++attached_;
  Queue(c, out.SerializeAsString(), 0);
  return true;
}

void FakeServer::Queue(Conn* c, const std::string& payload, int delay_ms) {
  std::string bytes;
  AppendFrame(payload, &bytes);
  int64_t due = std::max(NowMs() + delay_ms, c->last_due);
  c->last_due = due;
  c->out.emplace_back(due, std::move(bytes));
  Flush(c, NowMs());
}

bool FakeServer::Flush(Conn* c, int64_t now_ms) {
  while (!c->out.empty() && c->out.front().first <= now_ms) {
    const std::string& b = c->out.front().second;
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = write(c->fd, b.data() + off, b.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    c->out.pop_front();
  }
  if (c->out.empty() && c->close_after_flush) return false;
  return true;
}

int64_t FakeServer::NextDue() const {
  int64_t best = -1;
  for (const auto& c : conns_) {
    if (c->fd >= 0 && !c->out.empty() && (best < 0 || c->out.front().first < best)) best = c->out.front().first;
  }
  return best;
}

void FakeServer::CloseConn(Conn* c) {
  if (c->fd < 0) return;
  close(c->fd);
  c->fd = -1;
  if (c->attached) --attached_;
  c->attached = false;
}

}  // namespace arbor::client::testing
