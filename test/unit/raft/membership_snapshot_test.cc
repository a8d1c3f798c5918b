// Membership changes (Raft paper 6, thesis 4.1 and 4.2.1 learners) and
// snapshots / InstallSnapshot (paper 7).
#include <gtest/gtest.h>

#include "test/unit/raft/harness.h"

namespace arbor::raft::testing {
namespace {

ConfChange Change(ConfChangeType t, uint64_t id) {
  ConfChange cc;
  cc.set_type(t);
  cc.set_node_id(id);
  return cc;
}

TEST(RaftMembership, Sec6_LearnerReceivesTheLogButNeverVotesOrCounts) {
  Net net(3, nullptr, {4});
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4)).ok());
  net.Stabilize();
  ASSERT_TRUE(net.raft(1).membership().IsLearner(4));
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  EXPECT_EQ(Data(net.peer(4).applied), std::vector<std::string>{"a"});
  EXPECT_TRUE(net.raft(4).membership().IsLearner(4)) << "learned the membership from the log";

  // Counting: leader + learner are not a majority of the 3 voters.
  const uint64_t committed = net.raft(1).log().committed();
  net.HoldDisk(2);
  net.HoldDisk(3);
  ASSERT_TRUE(net.node(1).Propose("b").ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), committed);
  net.ReleaseDisk(2);
  net.ReleaseDisk(3);
  net.Stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), committed + 1);

  // Voting: a learner never campaigns, however long it hears nothing.
  net.Isolate(4);
  for (int i = 0; i < 100; ++i) net.Tick(4);
  net.Stabilize();
  EXPECT_EQ(net.node(4).role(), Role::kFollower);
}

TEST(RaftMembership, Sec6_PromoteLearnerThenRemoveVoter) {
  Net net(3, nullptr, {4});
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4)).ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_VOTER, 4)).ok());
  net.Stabilize();
  EXPECT_TRUE(net.raft(1).membership().IsVoter(4));
  EXPECT_TRUE(net.raft(4).membership().IsVoter(4));
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_REMOVE_NODE, 3)).ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(1).membership().voters, (std::set<uint64_t>{1, 2, 4}));
  net.Crash(3);
  ASSERT_TRUE(net.node(1).Propose("after").ok());
  net.Stabilize();
  EXPECT_EQ(Data(net.peer(4).applied), std::vector<std::string>{"after"});
}

TEST(RaftMembership, Sec6_RemovedLeaderStepsDownAndOthersElect) {
  Net net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_REMOVE_NODE, 1)).ok());
  net.Stabilize();
  EXPECT_NE(net.node(1).role(), Role::kLeader);
  net.TickAll(40);
  EXPECT_TRUE(net.node(2).role() == Role::kLeader || net.node(3).role() == Role::kLeader);
}

TEST(RaftMembership, Thesis4_1_OneChangeAtATime) {
  Net net(3, nullptr, {4, 5});
  net.Campaign(1);
  net.HoldDisk(2);
  net.HoldDisk(3);  // the first change cannot commit
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4)).ok());
  net.Stabilize();
  Status s = net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 5));
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  net.ReleaseDisk(2);
  net.ReleaseDisk(3);
  net.Stabilize();
  EXPECT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 5)).ok());
}

TEST(RaftMembership, Thesis4_1_NoChangeBeforeLeaderCommitsInItsTerm) {
  Net net(3, nullptr, {4});
  net.SetFilter([](Message* m) { return m->type() != MSG_APP_RESP; });
  net.Campaign(1);
  ASSERT_EQ(net.node(1).role(), Role::kLeader);
  Status s = net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4));
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  net.SetFilter(nullptr);
  net.TickAll(2);
  EXPECT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4)).ok());
}

TEST(RaftMembership, Thesis4_1_ChangeTakesEffectWhenAppendedAndRevertsOnTruncation) {
  Net net(3, [](Config* c) {
    c->pre_vote = false;
    c->check_quorum = false;
  }, {4});
  net.Campaign(1);
  net.Cut(1, 3);
  net.HoldDisk(1);  // the leader's copy never becomes durable
  ASSERT_TRUE(net.node(1).ProposeConfChange(Change(CONF_ADD_LEARNER, 4)).ok());
  net.Stabilize();
  const uint64_t conf_index = net.raft(2).log().LastIndex();
  EXPECT_LT(net.raft(2).log().committed(), conf_index) << "not committed";
  EXPECT_TRUE(net.raft(2).membership().IsLearner(4)) << "in effect once appended";
  // The leader crashes and loses it; node 3 (without it) wins with node 1's
  // vote and overwrites node 2's copy: node 2's membership reverts.
  net.Crash(1);
  net.peer(1).hold_disk = false;
  net.Start(1);
  net.Heal();
  net.Campaign(3);
  ASSERT_EQ(net.node(3).role(), Role::kLeader);
  net.Stabilize();
  EXPECT_NE(net.raft(2).log().TermOrZero(conf_index), 2u);
  EXPECT_FALSE(net.raft(2).membership().IsMember(4));
  EXPECT_EQ(net.raft(2).membership().voters, (std::set<uint64_t>{1, 2, 3}));
}

TEST(RaftMembership, InvalidChangesAreRefused) {
  Net net(1);
  net.Campaign(1);
  ASSERT_EQ(net.node(1).role(), Role::kLeader);
  EXPECT_EQ(net.node(1).ProposeConfChange(Change(CONF_ADD_VOTER, 1)).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(net.node(1).ProposeConfChange(Change(CONF_REMOVE_NODE, 1)).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(net.node(1).ProposeConfChange(Change(CONF_REMOVE_NODE, 9)).code(), Status::Code::kInvalidArgument);
}

TEST(RaftSnapshot, Sec7_FollowerBehindCompactionGetsSnapshotAndResumes) {
  Net net(3);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(net.node(1).Propose("e" + std::to_string(i)).ok());
  net.Stabilize();
  // The application says its state at `applied` is in a snapshot; compact.
  MemoryStorage& disk = net.peer(1).disk;
  const uint64_t applied = net.raft(1).log().applied();
  ASSERT_TRUE(disk.CreateSnapshot(applied, net.raft(1).membership().ToConfState()).ok());
  ASSERT_TRUE(disk.Compact(applied).ok());
  EXPECT_EQ(net.raft(1).log().FirstIndex(), applied + 1);
  net.Heal();
  net.sent.clear();
  net.TickAll(3);
  bool snap = false;
  for (const Message& m : net.sent) snap |= m.type() == MSG_SNAP && m.to() == 3;
  EXPECT_TRUE(snap);
  EXPECT_EQ(net.peer(3).snapshot_applied, applied);
  EXPECT_EQ(net.peer(3).disk.Snapshot().index(), applied);
  ASSERT_TRUE(net.node(1).Propose("after").ok());
  net.Stabilize();
  EXPECT_EQ(Data(net.peer(3).applied), std::vector<std::string>{"after"});
  EXPECT_EQ(net.raft(3).log().committed(), net.raft(1).log().committed());
  EXPECT_TRUE(net.raft(3).membership().IsVoter(3)) << "membership restored from the snapshot";
}

TEST(RaftSnapshot, Sec7_FailedTransferIsRetried) {
  Net net(3);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.node(1).Propose("e").ok());
  net.Stabilize();
  MemoryStorage& disk = net.peer(1).disk;
  const uint64_t applied = net.raft(1).log().applied();
  ASSERT_TRUE(disk.CreateSnapshot(applied, net.raft(1).membership().ToConfState()).ok());
  ASSERT_TRUE(disk.Compact(applied).ok());
  net.Heal();
  int dropped = 0;
  net.SetFilter([&dropped](Message* m) {
    if (m->type() != MSG_SNAP || dropped > 0) return true;
    ++dropped;
    return false;
  });
  net.TickAll(2);
  ASSERT_EQ(dropped, 1);
  // The application reports the failed transfer; the leader probes again.
  Message st;
  st.set_type(MSG_SNAP_STATUS);
  st.set_from(3);
  st.set_reject(true);
  ASSERT_TRUE(net.node(1).Step(st).ok());
  net.TickAll(3);
  EXPECT_EQ(net.peer(3).snapshot_applied, applied);
}

}  // namespace
}  // namespace arbor::raft::testing
