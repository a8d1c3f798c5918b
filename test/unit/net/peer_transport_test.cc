#include "server/net/peer_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "test/unit/net/test_support.h"

namespace arbor::net {
namespace {

using namespace ::arbor::net::testing;  // NOLINT

// Picks a free port by binding to 0 and closing.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Received {
  std::mutex mu;
  std::vector<std::pair<uint64_t, uint64_t>> frames;  // (from, raft term)
  size_t size() {
    std::lock_guard<std::mutex> g(mu);
    return frames.size();
  }
};

std::unique_ptr<PeerTransport> Make(uv_loop_t* loop, uint64_t self, int port, uint64_t peer, int peer_port,
                                    Received* got, std::string cluster = "arbor") {
  PeerTransportOptions o;
  o.self_id = self;
  o.cluster_name = cluster;
  o.peers[peer] = "127.0.0.1:" + std::to_string(peer_port);
  o.listen.port = port;
  o.redial_min_ms = 10;
  o.redial_max_ms = 50;
  return std::make_unique<PeerTransport>(loop, o, [got](uint64_t from, proto::PeerFrame&& f) {
    std::lock_guard<std::mutex> g(got->mu);
    got->frames.emplace_back(from, f.raft().term());
  });
}

proto::PeerFrame RaftFrame(uint64_t term) {
  proto::PeerFrame f;
  f.mutable_raft()->set_term(term);
  f.mutable_raft()->set_type(raft::MSG_HEARTBEAT);
  return f;
}

bool WaitFor(const std::function<bool()>& cond) {
  for (int i = 0; i < 400; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(PeerTransportTest, DeliversFramesWithSenderIdAndRedials) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  auto a = Make(loop.loop(), 1, pa, 2, pb, &at_a);
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  ASSERT_TRUE(WaitFor([&] { bool c = false; loop.Run([&] { c = a->Connected(2) && b->Connected(1); }); return c; }));
  loop.Run([&] { EXPECT_TRUE(a->Send(2, RaftFrame(7))); EXPECT_TRUE(b->Send(1, RaftFrame(9))); });
  ASSERT_TRUE(WaitFor([&] { return at_b.size() == 1 && at_a.size() == 1; }));
  EXPECT_EQ(at_b.frames[0], std::make_pair(uint64_t{1}, uint64_t{7}));
  EXPECT_EQ(at_a.frames[0], std::make_pair(uint64_t{2}, uint64_t{9}));

  // B goes away: A's sends are dropped, not queued; B comes back, A redials.
  loop.Run([&] { b->Close(); });
  ASSERT_TRUE(WaitFor([&] { bool c = true; loop.Run([&] { c = a->Connected(2); }); return !c; }));
  loop.Run([&] { EXPECT_FALSE(a->Send(2, RaftFrame(8))); });
  Received at_b2;
  std::unique_ptr<PeerTransport> b2;
  loop.Run([&] {
    b2 = Make(loop.loop(), 2, pb, 1, pa, &at_b2);
    ASSERT_TRUE(b2->Start().ok());
  });
  ASSERT_TRUE(WaitFor([&] { bool c = false; loop.Run([&] { c = a->Connected(2); }); return c; }));
  loop.Run([&] { EXPECT_TRUE(a->Send(2, RaftFrame(10))); });
  ASSERT_TRUE(WaitFor([&] { return at_b2.size() == 1; }));
  EXPECT_EQ(at_b2.frames[0].second, 10u);
  loop.Run([&] { a->Close(); b2->Close(); });
  loop.Stop();
}

TEST(PeerTransportTest, RefusesPeerFromAnotherCluster) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  auto a = Make(loop.loop(), 1, pa, 2, pb, &at_a, "blue");
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b, "green");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  // A keeps redialing and B keeps refusing its hello; whatever A manages to
  // send in between must never be delivered.
  for (int i = 0; i < 40; ++i) {
    loop.Run([&] { a->Send(2, RaftFrame(1)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(at_b.size(), 0u);
  loop.Run([&] { a->Close(); b->Close(); });
  loop.Stop();
}

TEST(PeerTransportTest, SplitHostPortValidates) {
  std::string h;
  int p = 0;
  EXPECT_TRUE(SplitHostPort("127.0.0.1:7182", &h, &p));
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 7182);
  EXPECT_FALSE(SplitHostPort("127.0.0.1", &h, &p));
  EXPECT_FALSE(SplitHostPort("127.0.0.1:0", &h, &p));
  EXPECT_FALSE(SplitHostPort("127.0.0.1:99999", &h, &p));
  EXPECT_FALSE(SplitHostPort(":80", &h, &p));
}

}  // namespace
}  // namespace arbor::net
