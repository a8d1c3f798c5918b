// Log replication and commitment: Raft paper 5.3, 5.4.2 and Figure 8;
// thesis 10.2.1 (leader writes its log in parallel with replication); the
// persistence contract of docs/RAFT.md; flow-control bounds.
#include <gtest/gtest.h>

#include "test/unit/raft/harness.h"

namespace arbor::raft::testing {
namespace {

void Plain(Config* c) {
  c->pre_vote = false;
  c->check_quorum = false;
}

TEST(RaftReplication, Sec5_3_CommittedEntriesAreAppliedInOrderEverywhere) {
  Net net(3);
  net.Campaign(1);
  for (const char* d : {"a", "b", "c"}) ASSERT_TRUE(net.node(1).Propose(d).ok());
  net.Stabilize();
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(Data(net.peer(id).applied), (std::vector<std::string>{"a", "b", "c"})) << id;
  }
}

TEST(RaftReplication, Sec5_3_FollowerProposeIsRefused) {
  Net net(3);
  net.Campaign(1);
  Status s = net.node(2).Propose("x");
  EXPECT_EQ(s.code(), Status::Code::kNotLeader);
}

TEST(RaftReplication, Sec5_3_ConflictingUncommittedSuffixIsOverwritten) {
  Net net(3, Plain);
  net.Campaign(1);
  net.Isolate(1);
  for (const char* d : {"x", "y", "z"}) ASSERT_TRUE(net.node(1).Propose(d).ok());
  net.Stabilize();  // stays on node 1 only
  net.Campaign(2);
  ASSERT_EQ(net.node(2).role(), Role::kLeader);
  ASSERT_TRUE(net.node(2).Propose("w").ok());
  net.Stabilize();
  net.Heal();
  net.TickAll(3);  // node 2's heartbeat deposes 1 and repairs its log
  const RaftLog& l1 = net.raft(1).log();
  const RaftLog& l2 = net.raft(2).log();
  ASSERT_EQ(l1.LastIndex(), l2.LastIndex());
  for (uint64_t i = 1; i <= l2.LastIndex(); ++i) EXPECT_EQ(l1.TermOrZero(i), l2.TermOrZero(i)) << i;
  EXPECT_EQ(Data(net.peer(1).applied), std::vector<std::string>{"w"});
}

TEST(RaftReplication, Sec5_3_FastBackoffSkipsAConflictingTermInOneRoundTrip) {
  Net net(3, Plain);
  net.Campaign(1);
  net.Isolate(1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(net.node(1).Propose("stale" + std::to_string(i)).ok());
  net.Stabilize();
  net.Campaign(2);
  ASSERT_TRUE(net.node(2).Propose("fresh").ok());
  net.Stabilize();
  net.Heal();
  net.sent.clear();
  net.TickAll(3);
  int rejects = 0;
  for (const Message& m : net.sent) {
    if (m.type() == MSG_APP_RESP && m.from() == 1 && m.reject()) ++rejects;
  }
  EXPECT_LE(rejects, 2) << "one probe per divergent entry would need ~50";
  EXPECT_EQ(net.raft(1).log().LastIndex(), net.raft(2).log().LastIndex());
}

void CampaignUntilLeader(Net& net, uint64_t id) {
  for (int i = 0; i < 3 && net.node(id).role() != Role::kLeader; ++i) net.Campaign(id);
  EXPECT_EQ(net.node(id).role(), Role::kLeader) << "node " << id;
}

// Figure 8: an entry from an earlier term that is stored on a majority can
// still be overwritten, so a leader must not commit it by counting replicas.
// Returns the terms that nodes 1 and 5 applied at the contested index (0 if
// none) after replaying the figure's timeline.
std::pair<uint64_t, uint64_t> ReplayFigure8(bool unsafe) {
  Net net(5, [unsafe](Config* c) {
    Plain(c);
    c->max_entries_per_msg = 1;
    c->testing_unsafe_commit_by_counting = unsafe;
  });
  // (a) S1 leads term 2 and writes entry 7 to S2 only.
  net.Campaign(1);
  for (uint64_t id : {3, 4, 5}) net.Cut(1, id);
  EXPECT_TRUE(net.node(1).Propose("from-term-2").ok());
  net.Stabilize();
  const uint64_t contested = net.raft(1).log().LastIndex();
  // (b) S1 crashes; S5 wins term 3 with S3, S4 and writes a term-3 entry at
  // the same index, locally only, then crashes.
  net.Crash(1);
  net.SetFilter([](Message* m) { return !(m->from() == 5 && m->type() == MSG_APP); });
  net.Cut(5, 2);
  net.Campaign(5);
  EXPECT_EQ(net.node(5).role(), Role::kLeader);
  net.Crash(5);
  net.SetFilter(nullptr);
  // (c) S1 restarts, wins term 4, and copies the entry to S3 and S4: now on
  // a majority, while its own term-4 entry reaches nobody.
  net.Heal();
  net.Start(1);
  // (S1's commit index is also kept from the followers, as in the figure.)
  net.SetFilter([contested](Message* m) {
    if (m->from() != 1) return true;
    if (m->type() == MSG_HEARTBEAT) return false;
    if (m->type() != MSG_APP) return true;
    auto* ents = m->mutable_entries();
    while (!ents->empty() && ents->rbegin()->index() > contested) ents->RemoveLast();
    m->set_commit(std::min<uint64_t>(m->commit(), contested - 1));
    return true;
  });
  CampaignUntilLeader(net, 1);  // term 3 is taken by S5's voters: wins term 4
  // (d) S1 crashes; S5 (last term 3) restarts, wins term 5 and overwrites
  // the entry everywhere.
  net.SetFilter(nullptr);
  net.Crash(1);
  net.Start(5);
  CampaignUntilLeader(net, 5);
  net.Stabilize();
  auto term_applied = [&](uint64_t id) -> uint64_t {
    for (const Entry& e : net.peer(id).applied) {
      if (e.index() == contested) return e.term();
    }
    return 0;
  };
  const uint64_t s1_applied = term_applied(1);
  return {s1_applied, term_applied(5)};
}

TEST(RaftCommit, Sec5_4_2_Figure8_PreviousTermEntryIsNotCommittedByCounting) {
  auto [s1, s5] = ReplayFigure8(/*unsafe=*/false);
  EXPECT_EQ(s1, 0u) << "S1 must not commit (hence apply) the term-2 entry";
  EXPECT_EQ(s5, 3u) << "S5's term-3 entry is the one committed at that index";
}

TEST(RaftCommit, Sec5_4_2_Figure8_CountingCommitLosesACommittedEntry) {
  // The test above would fail if the rule were broken: with the test-only
  // knob, S1 applies the term-2 entry that S5 later replaces.
  auto [s1, s5] = ReplayFigure8(/*unsafe=*/true);
  EXPECT_EQ(s1, 2u);
  EXPECT_EQ(s5, 3u);
}

TEST(RaftPersist, Thesis10_2_1_LeaderSendsBeforeItsOwnWriteCompletes) {
  Net net(3);
  net.Campaign(1);
  net.HoldDisk(1);
  net.sent.clear();
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  bool app_sent = false;
  for (const Message& m : net.sent) {
    if (m.type() == MSG_APP && m.from() == 1 && m.entries_size() > 0) app_sent = true;
  }
  EXPECT_TRUE(app_sent);
  const uint64_t idx = net.raft(1).log().LastIndex();
  EXPECT_EQ(net.raft(1).log().committed(), idx) << "two followers are a quorum without the leader";
  EXPECT_TRUE(Data(net.peer(1).applied).empty()) << "not durable locally: not applied yet";
  net.ReleaseDisk(1);
  net.Stabilize();
  EXPECT_EQ(Data(net.peer(1).applied), std::vector<std::string>{"a"});
}

TEST(RaftPersist, Thesis10_2_1_LeaderCountsItselfOnlyOnceDurable) {
  Net net(3);
  net.Campaign(1);
  const uint64_t before = net.raft(1).log().committed();
  net.HoldDisk(1);
  net.HoldDisk(2);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), before) << "only follower 3 has it durably";
  net.ReleaseDisk(1);
  net.Stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), before + 1) << "leader + follower 3";
}

TEST(RaftPersist, FollowerAcknowledgesOnlyDurableEntries) {
  Net net(3);
  net.Campaign(1);
  net.HoldDisk(2);
  net.sent.clear();
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  for (const Message& m : net.sent) EXPECT_FALSE(m.type() == MSG_APP_RESP && m.from() == 2);
  net.ReleaseDisk(2);
  net.Stabilize();
  bool acked = false;
  for (const Message& m : net.sent) acked |= m.type() == MSG_APP_RESP && m.from() == 2;
  EXPECT_TRUE(acked);
}

TEST(RaftPersist, CandidateLeadsOnlyOnceItsVoteIsDurable) {
  Net net(3, Plain);
  net.HoldDisk(1);
  net.Campaign(1);
  EXPECT_EQ(net.node(1).role(), Role::kCandidate) << "quorum of others, but own vote not durable";
  net.ReleaseDisk(1);
  net.Stabilize();
  EXPECT_EQ(net.node(1).role(), Role::kLeader);
}

TEST(RaftPersist, VoteIsSentOnlyAfterItIsDurable) {
  Net net(3, Plain);
  net.HoldDisk(3);
  net.Campaign(1);
  for (const Message& m : net.sent) EXPECT_FALSE(m.type() == MSG_VOTE_RESP && m.from() == 3);
  net.ReleaseDisk(3);
  net.Stabilize();
  bool voted = false;
  for (const Message& m : net.sent) voted |= m.type() == MSG_VOTE_RESP && m.from() == 3;
  EXPECT_TRUE(voted);
}

TEST(RaftPersist, CrashLosesUnpersistedEntriesAndNodeCatchesUp) {
  Net net(3);
  net.Campaign(1);
  net.HoldDisk(3);
  ASSERT_TRUE(net.node(1).Propose("a").ok());
  net.Stabilize();
  const uint64_t last = net.raft(1).log().LastIndex();
  net.Crash(3);
  EXPECT_LT(net.peer(3).disk.LastIndex(), last);
  net.peer(3).hold_disk = false;
  net.Start(3);
  net.TickAll(3);
  EXPECT_EQ(net.raft(3).log().LastIndex(), last);
  EXPECT_EQ(Data(net.peer(3).applied), std::vector<std::string>{"a"});
}

TEST(RaftBounds, EntriesPerMessageAndBytesPerMessage) {
  Net net(3, [](Config* c) {
    c->max_entries_per_msg = 2;
    c->max_msg_bytes = 10;
  });
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(net.node(1).Propose("1234").ok());
  ASSERT_TRUE(net.node(1).Propose("0123456789ABCDEF").ok());  // alone exceeds max_msg_bytes
  net.Stabilize();
  net.Heal();
  net.sent.clear();
  net.TickAll(4);
  int apps = 0;
  for (const Message& m : net.sent) {
    if (m.type() != MSG_APP || m.to() != 3) continue;
    EXPECT_LE(m.entries_size(), 2);
    uint64_t bytes = 0;
    for (const Entry& e : m.entries()) bytes += e.data().size();
    if (m.entries_size() > 1) {
      EXPECT_LE(bytes, 10u);
    }
    apps += m.entries_size() > 0;
  }
  EXPECT_GE(apps, 6);
  EXPECT_EQ(net.raft(3).log().LastIndex(), net.raft(1).log().LastIndex());
}

TEST(RaftBounds, InflightWindowPerFollower) {
  Net net(3, [](Config* c) { c->max_inflight_msgs = 2; });
  net.Campaign(1);
  // Follower 2 stops answering; the leader may have at most 2 MsgApps out.
  net.SetFilter([](Message* m) {
    return !(m->from() == 2 && (m->type() == MSG_APP_RESP || m->type() == MSG_HEARTBEAT_RESP));
  });
  net.sent.clear();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(net.node(1).Propose("e" + std::to_string(i)).ok());
    net.Stabilize();
  }
  int to2 = 0;
  for (const Message& m : net.sent) to2 += m.type() == MSG_APP && m.to() == 2 && m.entries_size() > 0;
  EXPECT_EQ(to2, 2);
}

TEST(RaftBounds, UncommittedBytesRefuseProposals) {
  Net net(3, [](Config* c) { c->max_uncommitted_bytes = 100; });
  net.Campaign(1);
  net.Isolate(1);
  const std::string forty(40, 'x');
  EXPECT_TRUE(net.node(1).Propose(forty).ok());
  EXPECT_TRUE(net.node(1).Propose(forty).ok());
  Status s = net.node(1).Propose(forty);
  EXPECT_EQ(s.code(), Status::Code::kBusy);
  EXPECT_NE(s.message().find("uncommitted"), std::string::npos) << s.ToString();
  net.Heal();
  net.TickAll(3);  // commits; the budget frees up
  EXPECT_TRUE(net.node(1).Propose(forty).ok());
}

}  // namespace
}  // namespace arbor::raft::testing

namespace arbor::raft::testing {
namespace {

TEST(RaftReplication, Sec5_3_UnreachablePeerFallsBackToProbing) {
  Net net(3);
  net.Campaign(1);
  ASSERT_EQ(net.raft(1).tracker().Get(2)->state, Progress::State::kReplicate);
  Message m;
  m.set_type(MSG_UNREACHABLE);
  m.set_from(2);
  ASSERT_TRUE(net.node(1).Step(m).ok());
  EXPECT_EQ(net.raft(1).tracker().Get(2)->state, Progress::State::kProbe);
  m.set_term(9);  // local-only types are refused from the network
  EXPECT_EQ(net.node(1).Step(m).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::raft::testing
