// The peer port as an attacker sees it (issue #15). Before peers had to
// prove membership, anyone who reached the peer port and knew the cluster
// name (the default is "arbor") could say hello as any server id and then
// send Raft messages or forwarded writes carrying any identity, super
// included. These tests play that attacker with a raw TCP client speaking
// PeerFrame, and check the server refuses, logs it, counts it and keeps
// serving its clients.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "server/net/peer_auth.h"
#include "test/integration/native_test_client.h"
#include "test/integration/raw_peer.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A field of the status file arbord rewrites every second ("term=3 ...").
std::string StatusField(const std::string& data_dir, const std::string& key) {
  std::string line = ReadFile(data_dir + "/status");
  size_t at = line.find(key + "=");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 1;
  return line.substr(start, line.find_first_of(" \n", start) - start);
}

// Waits for the status file to show `key` = `want` (it is rewritten every second).
bool WaitStatus(const std::string& data_dir, const std::string& key, const std::string& want, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (StatusField(data_dir, key) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

proto::Request CreateOwnedBy(const std::string& path, const std::string& data) {
  proto::Request r = CreateRequest(path, data);
  auto* acl = r.mutable_create()->mutable_acl(0);
  acl->mutable_id()->set_scheme("auth");
  acl->mutable_id()->set_id("");
  return r;
}

proto::Request Auth(const std::string& scheme, const std::string& auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(auth);
  return r;
}

class PeerPortAttackTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {}, const std::string& peers = "", bool wait_serving = true,
                   int peer_port = 0) {
    dir_ = MakeTempDir("arbor-peer-attack");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = peer_port != 0 ? peer_port : FreePort();
    spec.data_dir = dir_ + "/data";
    spec.peers = peers;
    spec.extra_flags = std::move(flags);
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start(wait_serving)) << "arbord did not start; log: " << server_->log_path();
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  const ServerSpec& spec() const { return server_->spec(); }
  std::string Log() const { return ReadFile(server_->log_path()); }

  // Alice's node: only digest user alice may read or write it.
  void CreateAlicesNode(NativeTestClient* alice) {
    ASSERT_EQ(alice->Connect(spec().client_port).error(), proto::OK);
    ASSERT_EQ(alice->Call(Auth("digest", "alice:pw")).error(), proto::OK);
    ASSERT_EQ(alice->Call(CreateOwnedBy("/alice", "alice's")).error(), proto::OK);
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

// The attack of issue #15, as reported: a hello as server 99 on a single
// node's peer port, a session of its own, then a setData carrying `super`.
TEST_F(PeerPortAttackTest, ForwardedSuperWriteFromAStrangerIsRefused) {
  StartServer();
  NativeTestClient alice;
  CreateAlicesNode(&alice);

  RawPeer attacker;
  ASSERT_TRUE(attacker.Connect(spec().peer_port));
  const int64_t session = 0x6300000000000001;
  attacker.Send(Hello(99, "arbor"));
  attacker.Send(ForwardCreateSession(99, session));
  attacker.Send(ForwardSetData(99, session, "/alice", "pwned", /*as_super=*/true));
  EXPECT_TRUE(attacker.ClosedByServer()) << "the server kept talking to a stranger";

  // The leader would have applied the entries by now; the node is unchanged.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  proto::Response got = alice.GetData("/alice");
  ASSERT_EQ(got.error(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "alice's");
  // And it still serves: alice writes, another client is still refused.
  EXPECT_EQ(alice.SetData("/alice", "alice again").error(), proto::OK);
  NativeTestClient other;
  ASSERT_EQ(other.Connect(spec().client_port).error(), proto::OK);
  EXPECT_EQ(other.SetData("/alice", "x").error(), proto::NOAUTH);
  EXPECT_NE(Log().find("refused peer connection"), std::string::npos) << "not logged; log: " << server_->log_path();
  EXPECT_TRUE(WaitStatus(spec().data_dir, "peer_refused", "1")) << ReadFile(spec().data_dir + "/status");
}

// Forged Raft: a stranger claiming to lead a later term. Before, the single
// node stepped down to follow "server 99" and stopped serving.
TEST_F(PeerPortAttackTest, ForgedRaftFromAStrangerIsRefused) {
  StartServer();
  NativeTestClient alice;
  CreateAlicesNode(&alice);
  std::string term = StatusField(spec().data_dir, "term");

  RawPeer attacker;
  ASSERT_TRUE(attacker.Connect(spec().peer_port));
  attacker.Send(Hello(99, "arbor"));
  attacker.Send(RaftAppend(99, 1, 1000));
  EXPECT_TRUE(attacker.ClosedByServer());

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(StatusField(spec().data_dir, "role"), "leader");
  EXPECT_NE(StatusField(spec().data_dir, "term"), "1000");
  EXPECT_EQ(alice.SetData("/alice", "still mine").error(), proto::OK);
  EXPECT_NE(Log().find("refused peer connection"), std::string::npos);
}

// With a cluster secret, naming a real member is not enough: the hello
// must answer the server's challenge. Server 1 of a two-member cluster
// whose member 2 is played by the test.
class PeerSecretTest : public PeerPortAttackTest {
 protected:
  void SetUp() override {
    secret_dir_ = MakeTempDir("arbor-peer-secret");
    secret_file_ = secret_dir_ + "/secret";
    std::ofstream(secret_file_) << "correct horse battery staple\n";
    member2_port_ = FreePort();
    chmod(secret_file_.c_str(), 0600);
    int peer1 = FreePort();
    StartServer({"--peer_secret_file=" + secret_file_},
                "1=127.0.0.1:" + std::to_string(peer1) + ",2=127.0.0.1:" + std::to_string(member2_port_),
                /*wait_serving=*/false, peer1);
  }
  void TearDown() override {
    PeerPortAttackTest::TearDown();
    RemoveTree(secret_dir_);
  }
  // Plays member 2 through the challenge with `secret`; true if server 1
  // sent its challenge and kept the connection after our proof.
  bool Handshake(RawPeer* p, const std::string& secret) {
    if (!p->Connect(spec().peer_port)) return false;
    std::string nonce(32, '\x5a');
    proto::PeerFrame hello = Hello(2, "arbor");
    hello.mutable_hello()->set_nonce(nonce);
    hello.mutable_hello()->set_to_server_id(1);
    p->Send(hello);
    proto::PeerFrame challenge;
    if (!p->Read(&challenge) || !challenge.has_challenge()) return false;
    net::PeerTranscript t{"arbor", 2, 1, nonce, challenge.challenge().nonce()};
    proto::PeerFrame proof;
    proof.mutable_proof()->set_proof(net::ComputePeerProof(secret, t, net::PeerRole::kDialer));
    return p->Send(proof);
  }

  std::string secret_dir_, secret_file_;
  int member2_port_ = 0;
};

TEST_F(PeerSecretTest, MemberIdWithoutTheSecretIsRefused) {
  // The server starts; its peer port is the one --peers names for it.
  ASSERT_NE(spec().peer_port, 0);
  RawPeer bare;
  ASSERT_TRUE(bare.Connect(spec().peer_port));
  bare.Send(Hello(2, "arbor"));  // the right member id and cluster, no challenge
  bare.Send(RaftAppend(2, 1, 1000));
  EXPECT_TRUE(bare.ClosedByServer());

  RawPeer wrong;
  ASSERT_TRUE(Handshake(&wrong, "not the secret at all"));
  wrong.Send(RaftAppend(2, 1, 1000));
  EXPECT_TRUE(wrong.ClosedByServer());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_NE(StatusField(spec().data_dir, "term"), "1000");
  EXPECT_TRUE(WaitStatus(spec().data_dir, "peer_refused", "2")) << ReadFile(spec().data_dir + "/status");

  // The same frames after a proof with the secret are taken: the challenge
  // is what refused them.
  RawPeer member;
  ASSERT_TRUE(Handshake(&member, "correct horse battery staple"));
  member.Send(RaftAppend(2, 1, 1000));
  EXPECT_TRUE(WaitStatus(spec().data_dir, "term", "1000")) << ReadFile(spec().data_dir + "/status");
}

}  // namespace
}  // namespace arbor::testing
