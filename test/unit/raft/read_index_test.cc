// Linearizable reads with ReadIndex (Raft thesis 6.4).
#include <gtest/gtest.h>

#include "test/unit/raft/harness.h"

namespace arbor::raft::testing {
namespace {

TEST(RaftReadIndex, Thesis6_4_LeaderAnswersAfterAHeartbeatQuorum) {
  Net net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  net.sent.clear();
  ASSERT_TRUE(net.node(1).ReadIndex("ctx-1").ok());
  net.Stabilize();
  ASSERT_EQ(net.peer(1).read_states.size(), 1u);
  EXPECT_EQ(net.peer(1).read_states[0].context, "ctx-1");
  EXPECT_EQ(net.peer(1).read_states[0].index, net.raft(1).log().committed());
  bool heartbeat_with_ctx = false;
  for (const Message& m : net.sent) heartbeat_with_ctx |= m.type() == MSG_HEARTBEAT && m.context() == "ctx-1";
  EXPECT_TRUE(heartbeat_with_ctx) << "leadership confirmed with a heartbeat round";
}

TEST(RaftReadIndex, Thesis6_4_DeposedLeaderCannotAnswer) {
  Net net(3);
  net.Campaign(1);
  net.Isolate(1);
  ASSERT_TRUE(net.node(1).ReadIndex("stale").ok());
  net.Stabilize();
  EXPECT_TRUE(net.peer(1).read_states.empty());
}

TEST(RaftReadIndex, Thesis6_4_FollowerReadGoesThroughTheLeader) {
  Net net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(2).ReadIndex("f").ok());
  net.Stabilize();
  ASSERT_EQ(net.peer(2).read_states.size(), 1u);
  EXPECT_EQ(net.peer(2).read_states[0].index, net.raft(1).log().committed());
  EXPECT_TRUE(net.peer(1).read_states.empty());
}

TEST(RaftReadIndex, Thesis6_4_NewLeaderWaitsForItsFirstCommit) {
  Net net(3);
  net.SetFilter([](Message* m) { return m->type() != MSG_APP_RESP; });
  net.Campaign(1);
  ASSERT_EQ(net.node(1).role(), Role::kLeader);
  const uint64_t noop = net.raft(1).log().LastIndex();
  ASSERT_TRUE(net.node(1).ReadIndex("early").ok());
  net.Stabilize();
  EXPECT_TRUE(net.peer(1).read_states.empty()) << "commit index of earlier terms is unknown yet";
  net.SetFilter(nullptr);
  net.TickAll(3);
  ASSERT_EQ(net.peer(1).read_states.size(), 1u);
  EXPECT_GE(net.peer(1).read_states[0].index, noop);
}

TEST(RaftReadIndex, NoLeaderKnown) {
  Net net(3);
  EXPECT_EQ(net.node(2).ReadIndex("x").code(), Status::Code::kNotLeader);
}

}  // namespace
}  // namespace arbor::raft::testing
