// LogStore: the raft::Storage contract over LMDB, writes, compaction and the
// checks made when the store is opened.
#include "server/storage/log_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "server/storage/log_record.h"
#include "test/unit/storage/test_util.h"

namespace arbor::storage {
namespace {

using ::testing::HasSubstr;
using testing::MakeEntries;
using testing::MakeEntry;
using testing::MakeHardState;
using testing::TempDir;
using testing::TestOptions;
using testing::WriteOne;

class StorageLogStoreTest : public ::testing::Test {
 protected:
  std::string log_dir() const { return dir_.path() + "/log"; }
  std::unique_ptr<LogStore> OpenOrDie() {
    Result<std::unique_ptr<LogStore>> r = LogStore::Open(log_dir(), TestOptions());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  TempDir dir_;
};

// A log that outgrows the map it started with grows the map instead of
// failing every replica at the same entry (issue #15); past the configured
// maximum the write fails with an error naming the flag.
TEST_F(StorageLogStoreTest, FullMapGrowsUpToItsMaximum) {
  StorageOptions o = TestOptions();
  o.map_size_bytes = 1 << 20;
  o.max_map_size_bytes = 64 << 20;
  auto r = LogStore::Open(log_dir(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  LogStore& log = **r;
  uint64_t next = 1;
  for (int i = 0; i < 16; ++i) {  // 16 x 128 entries of 1 KiB: several MiB in all
    WriteBatch b;
    b.entries = MakeEntries(next, next + 127, 1, 1024);
    next += 128;
    ASSERT_TRUE(log.Write({&b}).ok()) << "batch " << i;
  }
  EXPECT_EQ(log.LastIndex(), next - 1);
  auto entries = log.Entries(1, 3, 1 << 20);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 2u);

  WriteBatch huge;
  huge.entries = MakeEntries(next, next + 127, 1, 900 << 10);  // ~112 MiB more: past the maximum
  Status s = log.Write({&huge});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.ToString(), HasSubstr("storage_map_size_max_mb"));
}

TEST_F(StorageLogStoreTest, NewStoreIsEmpty) {
  auto log = OpenOrDie();
  raft::HardState hs;
  raft::ConfState cs;
  ASSERT_TRUE(log->InitialState(&hs, &cs).ok());
  EXPECT_EQ(hs.term(), 0u);
  EXPECT_EQ(hs.commit(), 0u);
  EXPECT_EQ(cs.voters_size(), 0);
  EXPECT_EQ(log->FirstIndex(), 1u);
  EXPECT_EQ(log->LastIndex(), 0u);
  EXPECT_EQ(log->Term(0).value(), 0u);
  EXPECT_EQ(log->Snapshot().index(), 0u);
  EXPECT_EQ(log->Term(1).status().code(), Status::Code::kOutOfRange);
}

TEST_F(StorageLogStoreTest, AppendThenReadBack) {
  auto log = OpenOrDie();
  std::vector<raft::Entry> in = MakeEntries(1, 10, 3, 100);
  in[4].set_type(raft::ENTRY_CONF_CHANGE);
  ASSERT_TRUE(WriteOne(log.get(), in).ok());
  EXPECT_EQ(log->LastIndex(), 10u);
  Result<std::vector<raft::Entry>> out = log->Entries(1, 11, UINT64_MAX);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 10u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].SerializeAsString(), in[i].SerializeAsString()) << "entry " << i + 1;
    EXPECT_EQ(log->Term(i + 1).value(), 3u);
  }
}

TEST_F(StorageLogStoreTest, EntriesBoundsAndMaxBytes) {
  auto log = OpenOrDie();
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1, 100)).ok());
  EXPECT_TRUE(log->Entries(4, 4, 0)->empty());
  EXPECT_EQ(log->Entries(5, 12, UINT64_MAX).status().code(), Status::Code::kOutOfRange);
  EXPECT_EQ(log->Entries(5, 4, UINT64_MAX).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(log->Entries(2, 11, 250)->size(), 2u);   // a third would make 300 bytes
  EXPECT_EQ(log->Entries(2, 11, 300)->size(), 3u);   // exactly at the limit is fine
  EXPECT_EQ(log->Entries(2, 11, 0)->size(), 1u);     // always at least one
  EXPECT_EQ(log->Entries(0, 3, UINT64_MAX).status().code(), Status::Code::kUnavailable);
}

TEST_F(StorageLogStoreTest, ConflictingSuffixIsReplaced) {
  auto log = OpenOrDie();
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1)).ok());
  // Same index and term: nothing is truncated.
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(4, 5, 1)).ok());
  EXPECT_EQ(log->LastIndex(), 10u);
  // A new leader's entries at 6..7 replace 6..10.
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(6, 7, 2)).ok());
  EXPECT_EQ(log->LastIndex(), 7u);
  EXPECT_EQ(log->Term(5).value(), 1u);
  EXPECT_EQ(log->Term(6).value(), 2u);
  EXPECT_EQ(log->Term(8).status().code(), Status::Code::kOutOfRange);
  Result<std::vector<raft::Entry>> all = log->Entries(1, 8, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->back().SerializeAsString(), MakeEntry(7, 2).SerializeAsString());
  // Overlap starting inside the matching prefix, conflicting later.
  std::vector<raft::Entry> mixed = MakeEntries(6, 6, 2);
  mixed.push_back(MakeEntry(7, 3));
  ASSERT_TRUE(WriteOne(log.get(), mixed).ok());
  EXPECT_EQ(log->Term(7).value(), 3u);
  EXPECT_EQ(log->Term(6).value(), 2u);
}

TEST_F(StorageLogStoreTest, RefusesToOverwriteCommittedEntries) {
  auto log = OpenOrDie();
  raft::HardState hs = MakeHardState(1, 1, 5);
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1), &hs).ok());
  Status s = WriteOne(log.get(), MakeEntries(5, 6, 2));
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("committed entry 5"));
  EXPECT_EQ(log->LastIndex(), 10u);  // the whole transaction was dropped
  EXPECT_EQ(log->Term(5).value(), 1u);
  // Overwriting just above the commit index is Raft's normal business.
  EXPECT_TRUE(WriteOne(log.get(), MakeEntries(6, 6, 2)).ok());
}

TEST_F(StorageLogStoreTest, RefusesGapsAndCommitPastLog) {
  auto log = OpenOrDie();
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 3, 1)).ok());
  EXPECT_EQ(WriteOne(log.get(), MakeEntries(5, 6, 1)).code(), Status::Code::kInternal);
  raft::HardState hs = MakeHardState(1, 0, 4);
  EXPECT_EQ(WriteOne(log.get(), {}, &hs).code(), Status::Code::kInternal);
  EXPECT_EQ(log->LastIndex(), 3u);
  EXPECT_EQ(log->hard_state().commit(), 0u);
}

TEST_F(StorageLogStoreTest, StateSurvivesReopen) {
  {
    auto log = OpenOrDie();
    WriteBatch b;
    b.entries = MakeEntries(1, 20, 4);
    b.hard_state = MakeHardState(4, 2, 15);
    raft::ConfState cs;
    cs.add_voters(1);
    cs.add_voters(2);
    cs.add_learners(9);
    b.conf_state = cs;
    ASSERT_TRUE(log->Write({&b}).ok());
  }
  auto log = OpenOrDie();
  raft::HardState hs;
  raft::ConfState cs;
  ASSERT_TRUE(log->InitialState(&hs, &cs).ok());
  EXPECT_EQ(hs.SerializeAsString(), MakeHardState(4, 2, 15).SerializeAsString());
  EXPECT_EQ(cs.voters_size(), 2);
  EXPECT_EQ(cs.learners(0), 9u);
  EXPECT_EQ(log->LastIndex(), 20u);
  EXPECT_EQ(log->Term(20).value(), 4u);
  Result<std::vector<raft::Entry>> all = log->Entries(1, 21, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  for (const raft::Entry& e : *all) EXPECT_TRUE(testing::EntryDataMatches(e)) << e.index();
  EXPECT_TRUE(log->notes().empty());
}

TEST_F(StorageLogStoreTest, CompactionRemovesPrefixInChunks) {
  auto log = OpenOrDie();
  raft::HardState hs = MakeHardState(2, 1, 100);
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 100, 2), &hs).ok());
  raft::SnapshotMetadata snap;
  snap.set_index(80);
  snap.set_term(2);
  ASSERT_TRUE(log->RecordSnapshot(snap).ok());
  bool more = false;
  ASSERT_TRUE(log->CompactChunk(70, 30, &more).ok());
  EXPECT_TRUE(more);
  EXPECT_EQ(log->FirstIndex(), 31u);
  ASSERT_TRUE(log->CompactChunk(70, 30, &more).ok());
  ASSERT_TRUE(log->CompactChunk(70, 30, &more).ok());
  EXPECT_FALSE(more);
  EXPECT_EQ(log->FirstIndex(), 71u);
  EXPECT_EQ(log->Term(70).value(), 2u);  // the base answers its term
  EXPECT_EQ(log->Term(69).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(log->Entries(70, 80, UINT64_MAX).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(log->Entries(71, 101, UINT64_MAX)->size(), 30u);
  log.reset();
  log = OpenOrDie();
  EXPECT_EQ(log->FirstIndex(), 71u);
  EXPECT_EQ(log->LastIndex(), 100u);
  EXPECT_EQ(log->Snapshot().index(), 80u);
}

TEST_F(StorageLogStoreTest, CompactionStopsAtSnapshotAndCommit) {
  auto log = OpenOrDie();
  raft::HardState hs = MakeHardState(1, 1, 50);
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 100, 1), &hs).ok());
  bool more = true;
  ASSERT_TRUE(log->CompactChunk(100, 1000, &more).ok());
  EXPECT_EQ(log->FirstIndex(), 1u) << "no snapshot recorded: nothing may be compacted";
  raft::SnapshotMetadata snap;
  snap.set_index(40);
  snap.set_term(1);
  ASSERT_TRUE(log->RecordSnapshot(snap).ok());
  ASSERT_TRUE(log->CompactChunk(100, 1000, &more).ok());
  EXPECT_FALSE(more);
  EXPECT_EQ(log->FirstIndex(), 41u);
}

TEST_F(StorageLogStoreTest, InstallSnapshotResetsTheLog) {
  auto log = OpenOrDie();
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 30, 1)).ok());
  raft::SnapshotMetadata snap;
  snap.set_index(500);
  snap.set_term(7);
  snap.mutable_conf_state()->add_voters(3);
  ASSERT_TRUE(log->InstallSnapshot(snap).ok());
  EXPECT_EQ(log->FirstIndex(), 501u);
  EXPECT_EQ(log->LastIndex(), 500u);
  EXPECT_EQ(log->Term(500).value(), 7u);
  EXPECT_EQ(log->Entries(30, 31, UINT64_MAX).status().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(WriteOne(log.get(), MakeEntries(501, 502, 7)).ok());
  log.reset();
  log = OpenOrDie();
  raft::HardState hs;
  raft::ConfState cs;
  ASSERT_TRUE(log->InitialState(&hs, &cs).ok());
  EXPECT_EQ(hs.commit(), 500u);
  ASSERT_EQ(cs.voters_size(), 1);
  EXPECT_EQ(cs.voters(0), 3u);
  EXPECT_EQ(log->Snapshot().index(), 500u);
  EXPECT_EQ(log->LastIndex(), 502u);
}

TEST_F(StorageLogStoreTest, RecordDetectsBitRot) {
  raft::Entry e = MakeEntry(7, 2);
  std::string v = EncodeMessage(e);
  raft::Entry out;
  ASSERT_TRUE(DecodeLogValue(7, v, &out).ok());
  EXPECT_EQ(DecodeLogValue(8, v, &out).code(), Status::Code::kCorruption);  // misplaced record
  for (size_t i = 0; i < v.size(); ++i) {
    std::string bad = v;
    bad[i] ^= 0x04;
    EXPECT_EQ(DecodeLogValue(7, bad, &out).code(), Status::Code::kCorruption) << "flip at byte " << i;
  }
  EXPECT_EQ(DecodeLogValue(7, v.substr(0, 3), &out).code(), Status::Code::kCorruption);
}

TEST_F(StorageLogStoreTest, CorruptCommittedRecordRefusesToOpen) {
  {
    auto log = OpenOrDie();
    raft::HardState hs = MakeHardState(1, 1, 8);
    ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1), &hs).ok());
  }
  testing::CorruptLogRecord(log_dir(), 5);
  Result<std::unique_ptr<LogStore>> r = LogStore::Open(log_dir(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr(log_dir() + "/data.mdb: log entry 5 is corrupt"));
  EXPECT_THAT(r.status().message(), HasSubstr("commit index 8"));
  EXPECT_THAT(r.status().message(), HasSubstr("restore it from a backup"));
  // The inspector still opens it and reports the problem.
  Result<std::unique_ptr<LogStore>> inspect = LogStore::Open(log_dir(), TestOptions(), LogStore::Mode::kInspect);
  ASSERT_TRUE(inspect.ok()) << inspect.status().ToString();
  ASSERT_FALSE((*inspect)->notes().empty());
  EXPECT_THAT((*inspect)->notes()[0], HasSubstr("log entry 5 is corrupt"));
}

TEST_F(StorageLogStoreTest, CorruptUncommittedTailIsDroppedAndReported) {
  {
    auto log = OpenOrDie();
    raft::HardState hs = MakeHardState(1, 1, 6);
    ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1), &hs).ok());
  }
  testing::CorruptLogRecord(log_dir(), 8);
  auto log = OpenOrDie();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->LastIndex(), 7u);
  ASSERT_EQ(log->notes().size(), 1u);
  EXPECT_THAT(log->notes()[0], HasSubstr("log entry 8 is corrupt"));
  EXPECT_THAT(log->notes()[0], HasSubstr("dropped entries from 8"));
  EXPECT_EQ(log->Entries(8, 9, UINT64_MAX).status().code(), Status::Code::kOutOfRange);
}

TEST_F(StorageLogStoreTest, CorruptUncommittedTailRefusesWhenDroppingIsOff) {
  {
    auto log = OpenOrDie();
    raft::HardState hs = MakeHardState(1, 1, 6);
    ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 10, 1), &hs).ok());
  }
  testing::CorruptLogRecord(log_dir(), 8);
  StorageOptions o = TestOptions();
  o.drop_corrupt_uncommitted_tail = false;
  Result<std::unique_ptr<LogStore>> r = LogStore::Open(log_dir(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("log entry 8 is corrupt"));
  EXPECT_THAT(r.status().message(), HasSubstr("above the commit index 6"));
}

// A page of live log records overwritten with zeros (a torn or lost write
// underneath LMDB) is caught by LMDB's page checks or by the record CRC.
TEST_F(StorageLogStoreTest, ZeroedPageIsDetected) {
  {
    auto log = OpenOrDie();
    raft::HardState hs = MakeHardState(1, 1, 2000);
    // One transaction: every record exists exactly once in the file.
    ASSERT_TRUE(WriteOne(log.get(), MakeEntries(1, 2000, 1, 200), &hs).ok());
  }
  const std::string file = log_dir() + "/data.mdb";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t at = bytes.find(MakeEntry(1000, 1, 200).data());
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find(MakeEntry(1000, 1, 200).data(), at + 1), std::string::npos);
  const size_t page = 4096;
  {
    std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(at / page * page));
    out.write(std::string(page, '\0').data(), page);
  }
  Result<std::unique_ptr<LogStore>> r = LogStore::Open(log_dir(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr(file + ": damaged page"));
  EXPECT_THAT(r.status().message(), HasSubstr("Refusing"));
}

TEST_F(StorageLogStoreTest, TruncatedDataFileIsDetected) {
  {
    auto log = OpenOrDie();
    for (uint64_t i = 0; i < 20; ++i) {
      ASSERT_TRUE(WriteOne(log.get(), MakeEntries(i * 100 + 1, i * 100 + 100, 1, 200)).ok());
    }
  }
  const std::string file = log_dir() + "/data.mdb";
  const uint64_t size = testing::SizeOf(file);
  ASSERT_GT(size, 200u * 1000u);
  testing::TruncateFile(file, size / 2);
  Result<std::unique_ptr<LogStore>> r = LogStore::Open(log_dir(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr(file + ": truncated"));
  EXPECT_THAT(r.status().message(), HasSubstr("Refusing"));
  testing::TruncateFile(file, 0);  // would look like a brand-new database to LMDB
  r = LogStore::Open(log_dir(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("truncated to 0 bytes"));
}

}  // namespace
}  // namespace arbor::storage
