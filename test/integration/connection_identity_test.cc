// Every client connection has its own identity and its own responses,
// whichever protocol it speaks (docs/RELIABILITY.md, "one identity per
// connection"). Both listeners of one arbord used to number connections
// from 1, so a native and a ZooKeeper connection could share identities
// and receive each other's replies.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"
#include "test/integration/zk_test_client.h"

namespace arbor::testing {
namespace {

class ConnectionIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("arbor-ident");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.zk_port = FreePort();
    spec.data_dir = dir_ + "/data";
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  int native_port() const { return server_->spec().client_port; }
  int zk_port() const { return server_->spec().zk_port; }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

// A create whose ACL grants everything to the creator's authenticated ids.
proto::Request CreateOwnedBy(const std::string& path) {
  proto::Request r = CreateRequest(path, "secret");
  auto* acl = r.mutable_create()->mutable_acl(0);
  acl->mutable_id()->set_scheme("auth");
  acl->mutable_id()->set_id("");
  return r;
}

proto::Request AuthRequest(const std::string& scheme, const std::string& auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(auth);
  return r;
}

// Connection numbers start low on each port, so a handful of connections of
// the other protocol is sure to include one with the same number as alice's
// if numbers were per listener.
constexpr int kOthers = 4;

TEST_F(ConnectionIdentityTest, ZooKeeperClientsDigestIsNotSharedWithNativeClients) {
  // Alice is not the first ZooKeeper client (the server's own start-up
  // probe took a native number), so her number is among the natives' below.
  std::vector<std::unique_ptr<ZkTestClient>> earlier;
  for (int i = 0; i < 2; ++i) {
    earlier.push_back(std::make_unique<ZkTestClient>());
    ASSERT_GT(earlier.back()->Connect(zk_port()).timeout_ms(), 0);
  }
  ZkTestClient alice;
  ASSERT_GT(alice.Connect(zk_port()).timeout_ms(), 0);
  ASSERT_EQ(alice.AddAuth("digest", "alice:pw").error(), proto::OK);
  ASSERT_EQ(alice.Call(CreateOwnedBy("/alice")).error(), proto::OK);

  std::vector<std::unique_ptr<NativeTestClient>> others;
  for (int i = 0; i < kOthers; ++i) {
    others.push_back(std::make_unique<NativeTestClient>());
    ASSERT_EQ(others.back()->Connect(native_port()).error(), proto::OK);
    EXPECT_EQ(others.back()->GetData("/alice").error(), proto::NOAUTH) << "native client " << i;
    // Another client's handshake must not reset alice's identities.
    EXPECT_EQ(alice.GetData("/alice").error(), proto::OK) << "after native client " << i;
  }
  ASSERT_EQ(alice.AddAuth("digest", "alice:pw").error(), proto::OK);
  for (auto& o : others) EXPECT_EQ(o->GetData("/alice").error(), proto::NOAUTH);
  for (auto& e : earlier) EXPECT_EQ(e->GetData("/alice").error(), proto::NOAUTH);
  alice.Close();
  for (auto& o : others) EXPECT_EQ(o->GetData("/alice").error(), proto::NOAUTH);
}

TEST_F(ConnectionIdentityTest, NativeClientsDigestIsNotSharedWithZooKeeperClients) {
  NativeTestClient alice;
  ASSERT_EQ(alice.Connect(native_port()).error(), proto::OK);
  ASSERT_EQ(alice.Call(AuthRequest("digest", "alice:pw")).error(), proto::OK);
  ASSERT_EQ(alice.Call(CreateOwnedBy("/alice")).error(), proto::OK);

  std::vector<std::unique_ptr<ZkTestClient>> others;
  for (int i = 0; i < kOthers; ++i) {
    others.push_back(std::make_unique<ZkTestClient>());
    ASSERT_GT(others.back()->Connect(zk_port()).timeout_ms(), 0);
    EXPECT_EQ(others.back()->GetData("/alice").error(), proto::NOAUTH) << "ZooKeeper client " << i;
    EXPECT_EQ(alice.GetData("/alice").error(), proto::OK) << "after ZooKeeper client " << i;
  }
  ASSERT_EQ(alice.Call(AuthRequest("digest", "alice:pw")).error(), proto::OK);
  for (auto& o : others) EXPECT_EQ(o->GetData("/alice").error(), proto::NOAUTH);
  alice.Close();
  for (auto& o : others) EXPECT_EQ(o->GetData("/alice").error(), proto::NOAUTH);
}

// Many clients on both ports at once, each writing and reading its own
// nodes: every reply a client gets is its own.
TEST_F(ConnectionIdentityTest, ConcurrentClientsOnBothPortsGetOnlyTheirOwnReplies) {
  constexpr int kClientsPerPort = 8;
  constexpr int kOps = 40;
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kClientsPerPort; ++i) {
    threads.emplace_back([&, i] {
      bool zk = i % 2 == 0;
      NativeTestClient native;
      ZkTestClient zkc;
      if (zk ? zkc.Connect(zk_port()).timeout_ms() <= 0 : native.Connect(native_port()).error() != proto::OK) {
        ++failed;
        return;
      }
      auto call = [&](proto::Request r) { return zk ? zkc.Call(std::move(r)) : native.Call(std::move(r)); };
      for (int k = 0; k < kOps; ++k) {
        std::string path = "/c" + std::to_string(i) + "-" + std::to_string(k);
        std::string data = "client " + std::to_string(i) + " op " + std::to_string(k);
        auto created = call(CreateRequest(path, data));
        if (created.error() != proto::OK) {
          ++failed;
          return;
        }
        if (created.create().path() != path) ++wrong;
        proto::Request get;
        get.mutable_get_data()->set_path(path);
        auto got = call(get);
        if (got.error() != proto::OK || got.get_data().data() != data) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace arbor::testing
