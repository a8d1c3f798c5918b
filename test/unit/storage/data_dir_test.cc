// DataDir: the recovery rules of docs/STORAGE.md, one test per rule.
#include "server/storage/data_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "test/unit/storage/test_util.h"

namespace arbor::storage {
namespace {

using ::testing::HasSubstr;
using testing::MakeEntries;
using testing::MakeHardState;
using testing::TempDir;
using testing::TestOptions;

class StorageDataDirTest : public ::testing::Test {
 protected:
  std::unique_ptr<DataDir> OpenOrDie(const StorageOptions& o = TestOptions()) {
    Result<std::unique_ptr<DataDir>> r = DataDir::Open(dir_.path(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // Log 1..100 committed, then snapshots at each of `indexes` written and
  // recorded the way the server does it; compaction as the options say.
  void Populate(std::vector<uint64_t> indexes, uint64_t compact_to) {
    auto dd = OpenOrDie();
    ASSERT_NE(dd, nullptr);
    raft::HardState hs = MakeHardState(1, 1, 100);
    ASSERT_TRUE(testing::WriteOne(dd->log(), MakeEntries(1, 100, 1), &hs).ok());
    for (uint64_t index : indexes) {
      raft::SnapshotMetadata meta;
      meta.set_index(index);
      meta.set_term(1);
      Result<std::unique_ptr<SnapshotFileWriter>> w = dd->snapshots()->BeginWrite(meta);
      ASSERT_TRUE(w.ok());
      ASSERT_TRUE((*w)->Append("tree at " + std::to_string(index)).ok());
      ASSERT_TRUE((*w)->Commit().ok());
      ASSERT_TRUE(dd->log()->RecordSnapshot(meta).ok());
    }
    bool more = true;
    while (more) ASSERT_TRUE(dd->log()->CompactChunk(compact_to, 7, &more).ok());
  }
  std::string SnapPath(uint64_t index) const {
    return dir_.path() + "/snap/" + SnapshotFileName(index, 1);
  }
  TempDir dir_;
};

TEST_F(StorageDataDirTest, FreshDirectoryHasNoSnapshot) {
  auto dd = OpenOrDie();
  ASSERT_NE(dd, nullptr);
  EXPECT_FALSE(dd->recovered_snapshot().has_value());
  EXPECT_TRUE(dd->notes().empty());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/log/data.mdb"));
}

TEST_F(StorageDataDirTest, DeletedLogIsNotMistakenForANewServer) {
  Populate({30}, 0);
  ASSERT_TRUE(std::filesystem::exists(dir_.path() + "/INITIALIZED"));
  std::filesystem::remove_all(dir_.path() + "/log");
  Result<std::unique_ptr<DataDir>> r = DataDir::Open(dir_.path(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr("/log/data.mdb is missing"));
  EXPECT_TRUE(std::filesystem::exists(SnapPath(30))) << "nothing is deleted on the way out";
}

TEST_F(StorageDataDirTest, SecondOpenOfALockedDirectoryIsRefused) {
  auto dd = OpenOrDie();
  Result<std::unique_ptr<DataDir>> again = DataDir::Open(dir_.path(), TestOptions());
  EXPECT_EQ(again.status().code(), Status::Code::kBusy);
  EXPECT_THAT(again.status().message(), HasSubstr("another process"));
}

TEST_F(StorageDataDirTest, RecoversNewestSnapshotAndTheLogAfterIt) {
  Populate({30, 60}, 55);
  auto dd = OpenOrDie();
  ASSERT_TRUE(dd->recovered_snapshot().has_value());
  EXPECT_EQ(dd->recovered_snapshot()->index, 60u);
  EXPECT_EQ(dd->recovered_snapshot_metadata().index(), 60u);
  EXPECT_EQ(dd->log()->FirstIndex(), 56u);
  EXPECT_EQ(dd->log()->LastIndex(), 100u);
  EXPECT_EQ(dd->log()->hard_state().commit(), 100u);
}

TEST_F(StorageDataDirTest, CorruptNewestSnapshotFallsBackToAnOlderOne) {
  Populate({30, 60}, 20);
  testing::FlipByte(SnapPath(60), -30);  // inside the body
  auto dd = OpenOrDie();
  ASSERT_NE(dd, nullptr);
  ASSERT_TRUE(dd->recovered_snapshot().has_value());
  EXPECT_EQ(dd->recovered_snapshot()->index, 30u);
  EXPECT_EQ(dd->log()->Snapshot().index(), 30u) << "the record must not name an unreadable file";
  ASSERT_GE(dd->notes().size(), 2u);
  EXPECT_THAT(dd->notes()[0], HasSubstr("skipping snapshot " + SnapPath(60)));
  EXPECT_THAT(dd->notes()[0], HasSubstr("checksum mismatch"));
  EXPECT_THAT(dd->notes()[1], HasSubstr("falling back"));
}

TEST_F(StorageDataDirTest, CorruptSnapshotWithTheLogCompactedPastTheFallbackRefuses) {
  Populate({30, 60}, 60);
  testing::FlipByte(SnapPath(60), -30);
  Result<std::unique_ptr<DataDir>> r = DataDir::Open(dir_.path(), TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr("no usable snapshot"));
  EXPECT_THAT(r.status().message(), HasSubstr("Restore the data directory from a backup"));
}

TEST_F(StorageDataDirTest, UncompactedLogIsReplayedWhenNoSnapshotIsReadable) {
  Populate({60}, 0);
  testing::TruncateFile(SnapPath(60), 20);
  auto dd = OpenOrDie();
  ASSERT_NE(dd, nullptr);
  EXPECT_FALSE(dd->recovered_snapshot().has_value());
  EXPECT_EQ(dd->log()->Snapshot().index(), 0u);
  EXPECT_EQ(dd->log()->FirstIndex(), 1u);
  EXPECT_THAT(dd->notes().back(), HasSubstr("replayed from index 1"));
}

TEST_F(StorageDataDirTest, SnapshotNeverRecordedIsIgnored) {
  Populate({30}, 0);
  {
    // A snapshot written just before a crash, before the log recorded it.
    SnapshotStore s(dir_.path() + "/snap");
    raft::SnapshotMetadata meta;
    meta.set_index(90);
    meta.set_term(1);
    Result<std::unique_ptr<SnapshotFileWriter>> w = s.BeginWrite(meta);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto dd = OpenOrDie();
  ASSERT_TRUE(dd->recovered_snapshot().has_value());
  EXPECT_EQ(dd->recovered_snapshot()->index, 30u);
  EXPECT_THAT(dd->notes()[0], HasSubstr("never adopted"));
  EXPECT_FALSE(std::filesystem::exists(SnapPath(90))) << "an orphan is removed, not left to pile up";
}

TEST_F(StorageDataDirTest, SnapshotWhoseTermDisagreesWithTheLogIsSkipped) {
  Populate({30}, 0);
  {
    SnapshotStore s(dir_.path() + "/snap");
    raft::SnapshotMetadata meta;
    meta.set_index(20);
    meta.set_term(9);  // the log says term 1 at index 20
    Result<std::unique_ptr<SnapshotFileWriter>> w = s.BeginWrite(meta);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  testing::FlipByte(SnapPath(30), -30);
  auto dd = OpenOrDie();
  ASSERT_NE(dd, nullptr);
  EXPECT_FALSE(dd->recovered_snapshot().has_value());
  EXPECT_THAT(dd->notes()[1], HasSubstr("does not match the log's term"));
}

}  // namespace
}  // namespace arbor::storage
