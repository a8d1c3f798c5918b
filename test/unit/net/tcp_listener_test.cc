// TcpListener/Connection on a real loopback socket: framing is the handler's
// job, so the test handler speaks a toy protocol (4-byte big-endian length +
// payload, echoed back) to exercise partial reads, coalesced writes, bounds
// and closing one bad connection while others keep working.
#include "server/net/tcp_listener.h"
#include "test/unit/net/test_support.h"

#include <poll.h>

#include <cerrno>

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

using namespace ::arbor::net::testing;  // NOLINT

std::string Frame(std::string_view payload) {
  uint32_t n = htonl(static_cast<uint32_t>(payload.size()));
  std::string out(reinterpret_cast<const char*>(&n), 4);
  out.append(payload);
  return out;
}

class EchoHandler : public ConnectionHandler {
 public:
  explicit EchoHandler(std::atomic<int>* closed) : closed_(closed) {}
  Status OnData(Link* c, std::string* in) override {
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
  void OnClose(Link*, const Status&) override { closed_->fetch_add(1); }

 private:
  std::atomic<int>* closed_;
};

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
  std::string frame = Frame(std::string(1000, 'z'));
  // Never read: the server's queue grows until the bound closes the
  // connection. Bounded by time, not by a count, so a loaded machine only
  // makes it slower.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (closed.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 10) > 0 && (p.revents & POLLOUT)) {
      if (send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) break;
    }
  }
  for (int i = 0; i < 500 && closed.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(closed.load(), 1);
  close(fd);
  loop.Run([&] { listener.Close(Status::Ok()); });
  loop.Stop();
}

// Answers anything with 4 MiB and closes gracefully (flush first), as a
// session does after its last reply.
class LastWordHandler : public ConnectionHandler {
 public:
  Status OnData(Link* c, std::string* in) override {
    in->clear();
    c->Write(std::string(4 << 20, 'w'));
    c->Close(Status::Ok(), /*flush_first=*/true);
    return Status::Ok();
  }
  void OnClose(Link*, const Status&) override {}
};

// A graceful close waits for the peer to read what is queued; a peer that
// never reads must not hold the connection forever: cut at the deadline.
// Before close_flush_timeout_ms the connection stayed open for as long as
// the client did (the first half shows it with the deadline off).
TEST(TcpListenerLimitsTest, GracefulCloseOfAPeerThatNeverReadsEndsAtTheDeadline) {
  for (int timeout_ms : {0, 300}) {
    SCOPED_TRACE(timeout_ms);
    LoopThread loop;
    ListenerOptions opts;
    opts.limits.close_flush_timeout_ms = timeout_ms;
    TcpListener listener(loop.loop(), opts, [](Connection*) { return std::make_unique<LastWordHandler>(); });
    ASSERT_TRUE(listener.Listen().ok());
    loop.Start();
    int fd = Dial(listener.port());
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    SendAll(fd, "x");
    size_t open = 1;
    for (int i = 0; i < 300 && open != 0; ++i) {  // 3 s at most
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      loop.Run([&] { open = listener.connection_count(); });
    }
    if (timeout_ms == 0) {
      EXPECT_EQ(open, 1u) << "without a deadline the unread close never completes";
    } else {
      EXPECT_EQ(open, 0u) << "the close did not end at the deadline";
    }
    close(fd);
    loop.Run([&] { listener.Close(Status::Ok()); });
    loop.Stop();
  }
}

}  // namespace
}  // namespace arbor::net
