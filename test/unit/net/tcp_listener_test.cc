// TcpListener/Connection on a real loopback socket: framing is the handler's
// job, so the test handler speaks a toy protocol (4-byte big-endian length +
// payload, echoed back) to exercise partial reads, coalesced writes, bounds
// and closing one bad connection while others keep working.
#include "server/net/tcp_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace arbor::net {
namespace {

std::string Frame(std::string_view payload) {
  uint32_t n = htonl(static_cast<uint32_t>(payload.size()));
  std::string out(reinterpret_cast<const char*>(&n), 4);
  out.append(payload);
  return out;
}

class EchoHandler : public ConnectionHandler {
 public:
  explicit EchoHandler(std::atomic<int>* closed) : closed_(closed) {}
  Status OnData(Connection* c, std::string* in) override {
    while (in->size() >= 4) {
      uint32_t n;
      memcpy(&n, in->data(), 4);
      n = ntohl(n);
      if (n > 1024) return Status::InvalidArgument("frame of " + std::to_string(n) + " bytes is over 1024");
      if (in->size() < 4 + n) break;
      std::string payload = in->substr(4, n);
      in->erase(0, 4 + n);
      if (payload == "pause") { c->PauseReading(); }
      c->Write(Frame(payload));
    }
    return Status::Ok();
  }
  void OnClose(Connection*, const Status&) override { closed_->fetch_add(1); }

 private:
  std::atomic<int>* closed_;
};

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

int Dial(int port) {
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

void SendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads exactly n bytes; returns fewer if the peer closed or timed out.
std::string RecvN(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    ssize_t r = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

bool PeerClosed(int fd) {
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

class TcpListenerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(ListenerOptions{}); }
  void Open(ListenerOptions opts) {
    listener_ = std::make_unique<TcpListener>(loop_.loop(), opts, [this](Connection*) {
      return std::make_unique<EchoHandler>(&closed_);
    });
    ASSERT_TRUE(listener_->Listen().ok());
    loop_.Start();
  }
  void TearDown() override {
    loop_.Run([this] { listener_->Close(Status::Ok()); });
    loop_.Stop();
    listener_.reset();
  }
  size_t Count() {
    size_t n = 0;
    loop_.Run([&] { n = listener_->connection_count(); });
    return n;
  }

  LoopThread loop_;
  std::unique_ptr<TcpListener> listener_;
  std::atomic<int> closed_{0};
};

TEST_F(TcpListenerTest, EchoesFramesSplitAcrossReads) {
  int fd = Dial(listener_->port());
  ASSERT_GE(fd, 0);
  std::string msg = Frame("hello") + Frame("world");
  for (char ch : msg) SendAll(fd, std::string_view(&ch, 1));  // one byte per send
  EXPECT_EQ(RecvN(fd, msg.size()), msg);
  close(fd);
}

TEST_F(TcpListenerTest, PipelinedFramesAnsweredInOrder) {
  int fd = Dial(listener_->port());
  std::string all, want;
  for (int i = 0; i < 500; ++i) {
    all += Frame("req-" + std::to_string(i));
  }
  SendAll(fd, all);
  EXPECT_EQ(RecvN(fd, all.size()), all);
  close(fd);
}

TEST_F(TcpListenerTest, BadFrameClosesOnlyThatConnection) {
  int good = Dial(listener_->port());
  int bad = Dial(listener_->port());
  SendAll(bad, std::string("\x7f\xff\xff\xff", 4));  // absurd length
  EXPECT_TRUE(PeerClosed(bad));
  SendAll(good, Frame("still here"));
  EXPECT_EQ(RecvN(good, 4 + 10), Frame("still here"));
  close(bad);
  close(good);
}

TEST_F(TcpListenerTest, PausedConnectionReadsNothingMore) {
  int fd = Dial(listener_->port());
  SendAll(fd, Frame("pause"));
  EXPECT_EQ(RecvN(fd, 9), Frame("pause"));
  SendAll(fd, Frame("after"));
  // The handler paused reading, so "after" is never echoed: recv times out.
  timeval tv{0, 300000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  EXPECT_EQ(RecvN(fd, 9), "");
  close(fd);
}

TEST(TcpListenerLimitsTest, RefusesConnectionsOverTheLimit) {
  LoopThread loop;
  std::atomic<int> closed{0};
  ListenerOptions opts;
  opts.max_connections = 2;
  TcpListener listener(loop.loop(), opts, [&](Connection*) { return std::make_unique<EchoHandler>(&closed); });
  ASSERT_TRUE(listener.Listen().ok());
  loop.Start();
  int a = Dial(listener.port());
  int b = Dial(listener.port());
  SendAll(a, Frame("x"));
  SendAll(b, Frame("y"));
  EXPECT_EQ(RecvN(a, 5), Frame("x"));
  EXPECT_EQ(RecvN(b, 5), Frame("y"));
  int c = Dial(listener.port());
  EXPECT_TRUE(PeerClosed(c));
  uint64_t rejected = 0;
  loop.Run([&] { rejected = listener.rejected_total(); });
  EXPECT_EQ(rejected, 1u);
  close(a);
  close(b);
  close(c);
  loop.Run([&] { listener.Close(Status::Ok()); });
  loop.Stop();
}

TEST(TcpListenerLimitsTest, ClientThatStopsReadingIsCutOff) {
  LoopThread loop;
  std::atomic<int> closed{0};
  ListenerOptions opts;
  opts.limits.max_output_bytes = 256 << 10;
  TcpListener listener(loop.loop(), opts, [&](Connection*) { return std::make_unique<EchoHandler>(&closed); });
  ASSERT_TRUE(listener.Listen().ok());
  loop.Start();
  int fd = Dial(listener.port());
  int rcv = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
  std::string frame = Frame(std::string(1000, 'z'));
  // Never read: the server's queue grows until the bound closes the connection.
  for (int i = 0; i < 20000 && closed.load() == 0; ++i) {
    if (send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  for (int i = 0; i < 500 && closed.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(closed.load(), 1);
  close(fd);
  loop.Run([&] { listener.Close(Status::Ok()); });
  loop.Stop();
}

}  // namespace
}  // namespace arbor::net
