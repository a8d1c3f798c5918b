// Each simulator check fires on the violation it exists for (so no check
// is vacuous), and stays quiet on legal histories.
#include "test/sim/checker.h"

#include <gtest/gtest.h>

#include "server/raft/memory_storage.h"

namespace arbor::sim {
namespace {

raft::Entry E(uint64_t index, uint64_t term, const std::string& data) {
  raft::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data);
  return e;
}

TEST(CheckerTest, ElectionSafety) {
  Checker c;
  c.OnLeader(1, 1, 5);
  c.OnLeader(1, 1, 5);
  c.OnLeader(2, 1, 6);
  EXPECT_FALSE(c.failed());
  c.OnLeader(3, 1, 6);
  EXPECT_NE(c.error().find("both lead term 6"), std::string::npos);

  Checker again;
  again.OnLeader(1, 1, 5);
  again.OnLeader(1, 2, 5);
  EXPECT_NE(again.error().find("twice"), std::string::npos);
}

TEST(CheckerTest, LogMatchingData) {
  Checker c;
  c.OnEntries(1, {E(1, 1, "a"), E(2, 1, "b")}, 0);
  c.OnEntries(2, {E(1, 1, "a"), E(2, 1, "b")}, 0);
  EXPECT_FALSE(c.failed());
  c.OnEntries(3, {E(2, 1, "c")}, 1);
  EXPECT_NE(c.error().find("LOG MATCHING"), std::string::npos);
}

TEST(CheckerTest, LogMatchingPredecessor) {
  Checker c;
  c.OnEntries(1, {E(3, 2, "x")}, 2);
  c.OnEntries(2, {E(3, 2, "x")}, 1);
  EXPECT_NE(c.error().find("predecessor"), std::string::npos);
}

TEST(CheckerTest, StateMachineSafety) {
  Checker c;
  c.OnApply(1, E(1, 1, "a"), 0, 11);
  c.OnApply(2, E(1, 1, "a"), 0, 11);
  EXPECT_FALSE(c.failed());
  c.OnApply(3, E(1, 2, "b"), 0, 12);
  EXPECT_NE(c.error().find("STATE MACHINE SAFETY"), std::string::npos);
}

TEST(CheckerTest, ApplyOutOfOrder) {
  Checker c;
  c.OnApply(1, E(2, 1, "a"), 0, 11);
  EXPECT_NE(c.error().find("out of order"), std::string::npos);
}

TEST(CheckerTest, LeaderCompleteness) {
  Checker c;
  c.OnApply(1, E(1, 1, "a"), 0, 11);
  c.OnApply(1, E(2, 1, "b"), 1, 12);
  raft::MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1, "a")}).ok());
  raft::RaftLog log(&s, 1 << 20);
  c.CheckLeaderCompleteness(2, 3, log);  // lacks entry 2
  EXPECT_NE(c.error().find("LEADER COMPLETENESS"), std::string::npos);
}

TEST(CheckerTest, CommitDurabilityAndDurableState) {
  Checker c;
  c.OnLeaderCommit(1, 5, 2, 3, 2);
  EXPECT_FALSE(c.failed());
  c.OnLeaderCommit(1, 6, 2, 5, 2);
  EXPECT_NE(c.error().find("COMMIT DURABILITY"), std::string::npos);

  Checker v;
  raft::HardState a, b;
  a.set_term(3);
  a.set_vote(1);
  b.set_term(3);
  b.set_vote(2);
  v.OnHardStateWrite(1, a, b);
  EXPECT_NE(v.error().find("voted for 1 and then 2"), std::string::npos);

  Checker m;
  m.OnCommitIndex(1, 1, 10);
  m.OnCommitIndex(1, 2, 4);  // a restart may start lower
  EXPECT_FALSE(m.failed());
  m.OnCommitIndex(1, 2, 3);
  EXPECT_NE(m.error().find("MONOTONIC COMMIT"), std::string::npos);
}

TEST(CheckerTest, LinearizableRead) {
  Checker c;
  c.OnReadState(1, 10, 10);
  EXPECT_FALSE(c.failed());
  c.OnReadState(1, 9, 10);
  EXPECT_NE(c.error().find("LINEARIZABLE READ"), std::string::npos);
}

}  // namespace
}  // namespace arbor::sim
