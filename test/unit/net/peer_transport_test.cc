#include "server/net/peer_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "server/net/peer_auth.h"
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
                                    Received* got, std::string cluster = "arbor", std::string secret = "") {
  PeerTransportOptions o;
  o.self_id = self;
  o.cluster_name = cluster;
  o.secret = std::move(secret);
  o.handshake_timeout_ms = 200;
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

// Sends frames from A to B for a while; returns how many B delivered.
size_t Pester(LoopThread* loop, PeerTransport* a, Received* at_b) {
  for (int i = 0; i < 40; ++i) {
    loop->Run([&] { a->Send(2, RaftFrame(1)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return at_b->size();
}

TEST(PeerTransportTest, MembersWithTheSecretProveItBothWays) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  const std::string secret = "0123456789abcdef-shared";
  auto a = Make(loop.loop(), 1, pa, 2, pb, &at_a, "arbor", secret);
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b, "arbor", secret);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  ASSERT_TRUE(WaitFor([&] { bool c = false; loop.Run([&] { c = a->Connected(2) && b->Connected(1); }); return c; }));
  loop.Run([&] { EXPECT_TRUE(a->Send(2, RaftFrame(7))); EXPECT_TRUE(b->Send(1, RaftFrame(9))); });
  ASSERT_TRUE(WaitFor([&] { return at_b.size() == 1 && at_a.size() == 1; }));
  EXPECT_EQ(at_b.frames[0], std::make_pair(uint64_t{1}, uint64_t{7}));
  loop.Run([&] {
    EXPECT_EQ(a->refused_connections(), 0u);
    EXPECT_EQ(b->refused_connections(), 0u);
    a->Close();
    b->Close();
  });
  loop.Stop();
}

TEST(PeerTransportTest, WrongSecretIsRefusedAndCountedOnBothSides) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  auto a = Make(loop.loop(), 1, pa, 2, pb, &at_a, "arbor", "0123456789abcdef-one");
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b, "arbor", "0123456789abcdef-two");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  EXPECT_EQ(Pester(&loop, a.get(), &at_b), 0u);
  EXPECT_EQ(at_a.size(), 0u);
  loop.Run([&] {
    EXPECT_FALSE(a->Connected(2));
    // Each refuses the other's challenge answer (the dialer checks first).
    EXPECT_GT(a->refused_connections(), 0u);
    a->Close();
    b->Close();
  });
  loop.Stop();
}

TEST(PeerTransportTest, SecretOnOneSideOnlyNeverConnects) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  auto a = Make(loop.loop(), 1, pa, 2, pb, &at_a, "arbor", "");
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b, "arbor", "0123456789abcdef-two");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  EXPECT_EQ(Pester(&loop, a.get(), &at_b), 0u);  // B refuses A's hello without a nonce
  for (int i = 0; i < 40; ++i) {
    loop.Run([&] { b->Send(1, RaftFrame(1)); });  // B waits for a challenge A never sends
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(at_a.size(), 0u);
  loop.Run([&] {
    EXPECT_GT(b->refused_connections(), 0u);
    EXPECT_FALSE(b->Connected(1));
    a->Close();
    b->Close();
  });
  loop.Stop();
}

TEST(PeerTransportTest, NonMemberIsRefused) {
  LoopThread loop;
  int pa = FreePort(), pb = FreePort();
  Received at_a, at_b;
  // A says it is server 3; B knows only server 1.
  auto a = Make(loop.loop(), 3, pa, 2, pb, &at_a);
  auto b = Make(loop.loop(), 2, pb, 1, pa, &at_b);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  loop.Start();
  EXPECT_EQ(Pester(&loop, a.get(), &at_b), 0u);
  loop.Run([&] {
    EXPECT_GT(b->refused_connections(), 0u);
    a->Close();
    b->Close();
  });
  loop.Stop();
}

TEST(PeerTransportTest, ProofsBindRoleIdsAndNonces) {
  PeerTranscript t{"arbor", 1, 2, std::string(32, 'a'), std::string(32, 'b')};
  std::string dialer = ComputePeerProof("secret-secret-secret", t, PeerRole::kDialer);
  EXPECT_EQ(dialer.size(), 32u);
  EXPECT_NE(dialer, ComputePeerProof("secret-secret-secret", t, PeerRole::kAcceptor));
  EXPECT_NE(dialer, ComputePeerProof("secret-secret-secreT", t, PeerRole::kDialer));
  for (auto change : std::vector<std::function<void(PeerTranscript*)>>{
           [](PeerTranscript* x) { x->dialer_id = 3; }, [](PeerTranscript* x) { x->acceptor_id = 3; },
           [](PeerTranscript* x) { x->dialer_nonce[0] = 'c'; }, [](PeerTranscript* x) { x->acceptor_nonce[31] = 'c'; },
           [](PeerTranscript* x) { x->cluster_name = "other"; }}) {
    PeerTranscript u = t;
    change(&u);
    EXPECT_NE(dialer, ComputePeerProof("secret-secret-secret", u, PeerRole::kDialer));
  }
  EXPECT_TRUE(PeerProofMatches(dialer, dialer));
  EXPECT_FALSE(PeerProofMatches(dialer, dialer.substr(1)));
  EXPECT_FALSE(PeerProofMatches("", ""));
  EXPECT_NE(NewPeerNonce(), NewPeerNonce());
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
