// After a server's first start, the membership stored in its log is the
// truth: a --peers list that disagrees with it is refused at start with a
// message naming both, never silently forming a second cluster (issue #11,
// item 6).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MembershipFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("arbor-members"); }
  void TearDown() override { RemoveTree(dir_); }

  ServerSpec Spec(const std::string& peers) {
    ServerSpec s;
    s.id = 1;
    s.client_port = port_;
    s.peer_port = peer_port_;
    s.data_dir = dir_ + "/data";
    s.peers = peers;
    return s;
  }
  std::string three_peers() const {
    return "1=127.0.0.1:" + std::to_string(peer_port_) + ",2=127.0.0.1:" + std::to_string(FreePort()) +
           ",3=127.0.0.1:" + std::to_string(FreePort());
  }

  std::string dir_;
  int port_ = FreePort();
  int peer_port_ = FreePort();
};

TEST_F(MembershipFlagsTest, RestartWithTheStoredMembershipServes) {
  {
    ServerProcess first(Spec(""));
    ASSERT_TRUE(first.Start()) << first.log_path();
    ASSERT_TRUE(first.Terminate());
  }
  ServerProcess again(Spec(""));
  EXPECT_TRUE(again.Start()) << ReadFile(again.log_path());
}

TEST_F(MembershipFlagsTest, PeersThatDisagreeWithTheStoredMembershipAreRefusedAtStart) {
  {
    ServerProcess first(Spec(""));  // a single server: voters {1}
    ASSERT_TRUE(first.Start()) << first.log_path();
    ASSERT_TRUE(first.Terminate());
  }
  ServerProcess grown(Spec(three_peers()));
  EXPECT_FALSE(grown.Start(/*wait_serving=*/false, 10000)) << "it started with a membership it never had";
  EXPECT_FALSE(grown.running());
  std::string log = ReadFile(grown.log_path());
  EXPECT_NE(log.find("stored membership"), std::string::npos) << log;
  EXPECT_NE(log.find("voters 1,2,3"), std::string::npos) << "the message names what --peers says: " << log;
  EXPECT_NE(log.find("voters 1 "), std::string::npos) << "and what is stored: " << log;
}

TEST_F(MembershipFlagsTest, AClusterMemberRestartedAloneIsRefused) {
  {
    // Voters {1,2,3} are stored even though 2 and 3 never run.
    ServerProcess first(Spec(three_peers()));
    ASSERT_TRUE(first.Start(/*wait_serving=*/false)) << first.log_path();
    ASSERT_TRUE(first.Terminate());
  }
  ServerProcess alone(Spec(""));
  EXPECT_FALSE(alone.Start(/*wait_serving=*/false, 10000)) << "a member of three started as a cluster of one";
  EXPECT_NE(ReadFile(alone.log_path()).find("stored membership"), std::string::npos);
}

}  // namespace
}  // namespace arbor::testing
