// Leader election: Raft paper 5.2 and 5.4.1, thesis 9.6 (pre-vote), 6.2
// (check-quorum and the leader lease), 3.10 (leadership transfer).
#include <gtest/gtest.h>

#include "test/unit/raft/harness.h"

namespace arbor::raft::testing {
namespace {

void Plain(Config* c) {
  c->pre_vote = false;
  c->check_quorum = false;
}

TEST(RaftElection, Sec5_2_CandidateWithMajorityBecomesLeader) {
  Net net(3);
  net.Campaign(1);
  EXPECT_EQ(net.node(1).role(), Role::kLeader);
  for (uint64_t id : {2, 3}) {
    EXPECT_EQ(net.node(id).role(), Role::kFollower);
    EXPECT_EQ(net.node(id).lead(), 1u);
    EXPECT_EQ(net.node(id).term(), net.node(1).term());
  }
  EXPECT_EQ(net.node(1).term(), 2u);  // bootstrap is term 1
}

TEST(RaftElection, Sec5_2_ElectionTimeoutElectsExactlyOneLeader) {
  Net net(5);
  net.TickAll(40);
  int leaders = 0;
  for (uint64_t id = 1; id <= 5; ++id) leaders += net.node(id).role() == Role::kLeader;
  EXPECT_EQ(leaders, 1);
}

TEST(RaftElection, Sec5_2_AtMostOneVotePerTerm) {
  Net net(3, Plain);
  Raft& r = net.raft(3);
  auto vote = [&](uint64_t from) {
    Message m;
    m.set_type(MSG_VOTE);
    m.set_from(from);
    m.set_to(3);
    m.set_term(5);
    m.set_index(3);
    m.set_log_term(1);
    EXPECT_TRUE(r.Step(m).ok());
    Ready rd = net.node(3).GetReady();
    net.node(3).Advance();
    EXPECT_EQ(rd.messages_after_persist.size(), 1u);
    return rd.messages_after_persist.empty() ? true : rd.messages_after_persist[0].reject();
  };
  EXPECT_FALSE(vote(1)) << "first request in term 5 is granted";
  EXPECT_FALSE(vote(1)) << "the same candidate may ask again";
  EXPECT_TRUE(vote(2)) << "a second candidate in term 5 is refused";
}

TEST(RaftElection, Sec5_4_1_CandidateWithStaleLogLoses) {
  Net net(3, Plain);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  net.Heal();
  net.Campaign(3);  // 3 lacks "a": 1 and 2 refuse
  EXPECT_NE(net.node(3).role(), Role::kLeader);
}

TEST(RaftElection, PreVote_PartitionedNodeDoesNotInflateTerm) {
  Net net(3);
  net.Campaign(1);
  const uint64_t term = net.node(1).term();
  net.Isolate(3);
  net.TickAll(100);
  EXPECT_EQ(net.node(3).term(), term) << "pre-vote fails without a quorum, so no term bump";
  net.Heal();
  net.TickAll(5);
  EXPECT_EQ(net.node(1).role(), Role::kLeader) << "rejoining node did not depose the leader";
  EXPECT_EQ(net.node(1).term(), term);

  // Control: without pre-vote the same partition inflates the term.
  Net plain(3, [](Config* c) { c->pre_vote = false; });
  plain.Campaign(1);
  plain.Isolate(3);
  plain.TickAll(100);
  EXPECT_GT(plain.node(3).term(), term);
}

TEST(RaftElection, CheckQuorum_IsolatedLeaderStepsDown) {
  Net net(3);
  net.Campaign(1);
  net.Isolate(1);
  net.TickAll(25);
  EXPECT_NE(net.node(1).role(), Role::kLeader);

  Net off(3, [](Config* c) { c->check_quorum = false; });
  off.Campaign(1);
  off.Isolate(1);
  for (int i = 0; i < 25; ++i) off.Tick(1);
  EXPECT_EQ(off.node(1).role(), Role::kLeader) << "without check-quorum it keeps leading";
}

TEST(RaftElection, CheckQuorum_LeaseIgnoresVoteWhileLeaderIsAlive) {
  Net net(3, [](Config* c) { c->pre_vote = false; });
  net.Campaign(1);
  const uint64_t term = net.node(3).term();
  Message m;
  m.set_type(MSG_VOTE);
  m.set_from(2);
  m.set_to(3);
  m.set_term(term + 5);
  m.set_index(100);
  m.set_log_term(term);
  ASSERT_TRUE(net.node(3).Step(m).ok());
  EXPECT_EQ(net.node(3).term(), term) << "heard from the leader recently: request ignored";
}

TEST(RaftElection, Thesis3_10_LeadershipTransfer) {
  Net net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(1).TransferLeadership(2).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(2).role(), Role::kLeader);
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.node(1).lead(), 2u);
}

TEST(RaftElection, Thesis3_10_TransferFromFollowerIsForwarded) {
  Net net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.node(3).TransferLeadership(3).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(3).role(), Role::kLeader);
}

TEST(RaftElection, Thesis3_10_ProposalsRefusedWhileTransferringThenAborted) {
  Net net(3);
  net.Campaign(1);
  net.Isolate(2);
  ASSERT_TRUE(net.node(1).TransferLeadership(2).ok());
  net.Stabilize();
  Status s = net.node(1).Propose("x");
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  for (int i = 0; i < 12; ++i) {
    net.Tick(1);
    net.Tick(3);
    net.Stabilize();
  }
  EXPECT_EQ(net.node(1).role(), Role::kLeader);
  EXPECT_TRUE(net.node(1).Propose("y").ok()) << "transfer aborted after an election timeout";
}

}  // namespace
}  // namespace arbor::raft::testing
