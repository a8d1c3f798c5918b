// The log pieces: MemoryStorage, the unstable tail, RaftLog helpers,
// progress flow control and quorum arithmetic.
#include <gtest/gtest.h>

#include "server/raft/memory_storage.h"
#include "server/raft/progress.h"
#include "server/raft/quorum.h"
#include "server/raft/raft_log.h"

namespace arbor::raft {
namespace {

Entry E(uint64_t index, uint64_t term) {
  Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data("d" + std::to_string(index));
  return e;
}

TEST(MemoryStorageTest, AppendTruncatesConflictingSuffixAndRefusesGaps) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 1), E(3, 1)}).ok());
  ASSERT_TRUE(s.Append({E(2, 2)}).ok());
  EXPECT_EQ(s.LastIndex(), 2u);
  EXPECT_EQ(*s.Term(2), 2u);
  EXPECT_EQ(s.Append({E(5, 2)}).code(), Status::Code::kInvalidArgument);
}

TEST(MemoryStorageTest, SnapshotAndCompaction) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 1), E(3, 2), E(4, 2)}).ok());
  ConfState cs;
  cs.add_voters(1);
  EXPECT_EQ(s.Compact(3).code(), Status::Code::kOutOfRange) << "no snapshot covers 3 yet";
  ASSERT_TRUE(s.CreateSnapshot(3, cs).ok());
  ASSERT_TRUE(s.Compact(3).ok());
  EXPECT_EQ(s.FirstIndex(), 4u);
  EXPECT_EQ(*s.Term(3), 2u) << "the snapshot's term stays answerable";
  EXPECT_TRUE(s.Term(2).status().IsUnavailable());
  EXPECT_TRUE(s.Entries(3, 5, 100).status().IsUnavailable());
  auto ents = s.Entries(4, 5, 0);
  ASSERT_TRUE(ents.ok());
  EXPECT_EQ(ents->size(), 1u) << "at least one entry even past max_bytes";
  SnapshotMetadata old;
  old.set_index(2);
  old.set_term(1);
  EXPECT_EQ(s.ApplySnapshot(old).code(), Status::Code::kOutOfRange);
}

TEST(RaftLogTest, Sec5_4_1_UpToDateComparesLastTermThenLength) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 2), E(3, 2)}).ok());
  RaftLog log(&s, 1 << 20);
  EXPECT_TRUE(log.IsUpToDate(1, 3));   // higher last term wins, shorter or not
  EXPECT_TRUE(log.IsUpToDate(3, 2));   // same term, same length
  EXPECT_FALSE(log.IsUpToDate(2, 2));  // same term, shorter
  EXPECT_FALSE(log.IsUpToDate(9, 1));  // lower last term loses, longer or not
}

TEST(RaftLogTest, Sec5_3_MaybeAppendTruncatesOnlyOnConflict) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 1), E(3, 1)}).ok());
  RaftLog log(&s, 1 << 20);
  EXPECT_FALSE(log.MaybeAppend(3, 2, 0, {}).has_value()) << "prev term mismatch";
  // A duplicate of existing entries changes nothing.
  EXPECT_EQ(log.MaybeAppend(1, 1, 0, {E(2, 1)}).value(), 2u);
  EXPECT_EQ(log.LastIndex(), 3u);
  // A conflict truncates from the conflicting index.
  EXPECT_EQ(log.MaybeAppend(1, 1, 2, {E(2, 3)}).value(), 2u);
  EXPECT_EQ(log.LastIndex(), 2u);
  EXPECT_EQ(log.TermOrZero(2), 3u);
  EXPECT_EQ(log.committed(), 2u);
}

TEST(RaftLogTest, FastBackoffFindConflictByTerm) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 1), E(3, 4), E(4, 4), E(5, 4)}).ok());
  RaftLog log(&s, 1 << 20);
  using P = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(log.FindConflictByTerm(5, 3), P(2, 1)) << "skips the whole term-4 run";
  EXPECT_EQ(log.FindConflictByTerm(5, 4), P(5, 4));
}

TEST(RaftLogTest, CommittedEntriesAreHandedOutOnlyWhenDurable) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1)}).ok());
  RaftLog log(&s, 1 << 20);
  log.Append({E(2, 1), E(3, 1)});
  log.CommitTo(3);
  auto ents = log.NextCommittedEntries();
  ASSERT_EQ(ents.size(), 1u) << "entries 2 and 3 are not in storage yet";
  log.AppliedTo(1);
  ASSERT_TRUE(s.Append({E(2, 1), E(3, 1)}).ok());
  log.unstable().AcceptInProgress();
  log.unstable().StableTo(3, 1);
  EXPECT_EQ(log.NextCommittedEntries().size(), 2u);
}

TEST(UnstableTest, StaleAcknowledgementIsIgnoredAfterOverwrite) {
  Unstable u(5);
  u.TruncateAndAppend({E(5, 1), E(6, 1), E(7, 1)});
  u.AcceptInProgress();
  u.TruncateAndAppend({E(6, 2)});  // overwritten before the write completed
  EXPECT_TRUE(u.HasNextEntries());
  u.StableTo(7, 1);  // the old write's ack: entry 7 no longer exists
  EXPECT_EQ(u.offset(), 5u);
  u.StableTo(6, 2);
  EXPECT_EQ(u.offset(), 7u);
}

TEST(ProgressTest, ProbeReplicateAndStaleRejections) {
  Progress p(10, 2, false);
  EXPECT_FALSE(p.IsPaused());
  p.SentEntries(12, 3);
  EXPECT_TRUE(p.IsPaused()) << "probe: one MsgApp at a time";
  EXPECT_FALSE(p.MaybeDecrTo(5, 4)) << "rejection of a MsgApp we did not send last";
  EXPECT_TRUE(p.MaybeDecrTo(9, 4));
  EXPECT_EQ(p.next, 5u);
  EXPECT_TRUE(p.MaybeUpdate(6));
  p.BecomeReplicate();
  p.SentEntries(8, 2);
  p.SentEntries(10, 2);
  EXPECT_TRUE(p.IsPaused()) << "inflight window of 2 is full";
  p.inflights.FreeLE(8);
  EXPECT_FALSE(p.IsPaused());
}

TEST(QuorumTest, MajorityCommitAndVotes) {
  std::set<uint64_t> v{1, 2, 3, 4, 5};
  std::map<uint64_t, uint64_t> match{{1, 9}, {2, 7}, {3, 7}, {4, 3}, {5, 0}};
  EXPECT_EQ(MajorityCommitted(v, [&](uint64_t id) { return match[id]; }), 7u);
  EXPECT_EQ(MajorityVote(v, {{1, true}, {2, true}}), VoteResult::kPending);
  EXPECT_EQ(MajorityVote(v, {{1, true}, {2, true}, {3, true}}), VoteResult::kWon);
  EXPECT_EQ(MajorityVote(v, {{1, true}, {2, false}, {3, false}, {4, false}}), VoteResult::kLost);
}

}  // namespace
}  // namespace arbor::raft
