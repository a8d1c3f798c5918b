// arbor-dump: run the real binary on a data directory, healthy and damaged.
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "proto/log_entry.pb.h"
#include "server/storage/data_dir.h"
#include "test/unit/storage/test_util.h"

#ifndef ARBOR_DUMP_BINARY
#error "ARBOR_DUMP_BINARY must name the arbor-dump binary"
#endif

namespace arbor::storage {
namespace {

using ::testing::HasSubstr;

// Runs arbor-dump with `args`; returns its exit status and stdout.
int Dump(const std::string& args, std::string* out) {
  std::string cmd = std::string(ARBOR_DUMP_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class StorageDumpToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dd = DataDir::Open(dir_.path(), testing::TestOptions());
    ASSERT_TRUE(dd.ok()) << dd.status().ToString();
    WriteBatch b;
    b.entries = testing::MakeEntries(1, 12, 3, 40);
    b.entries[11].set_type(raft::ENTRY_CONF_CHANGE);
    raft::ConfChange cc;
    cc.set_type(raft::CONF_ADD_LEARNER);
    cc.set_node_id(9);
    b.entries[11].set_data(cc.SerializeAsString());
    proto::LogEntry le;
    le.set_format_version(proto::LOG_FORMAT_V1);
    le.set_xid(77);
    le.mutable_noop();
    b.entries[10].set_data(le.SerializeAsString());
    b.hard_state = testing::MakeHardState(3, 2, 10);
    raft::ConfState cs;
    cs.add_voters(1);
    cs.add_voters(2);
    b.conf_state = cs;
    ASSERT_TRUE((*dd)->log()->Write({&b}).ok());
    raft::SnapshotMetadata meta;
    meta.set_index(8);
    meta.set_term(3);
    auto w = (*dd)->snapshots()->BeginWrite(meta);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(std::string(5000, 's')).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    ASSERT_TRUE((*dd)->log()->RecordSnapshot(meta).ok());
  }
  testing::TempDir dir_;
};

TEST_F(StorageDumpToolTest, PrintsStateRangeEntriesAndSnapshots) {
  std::string out;
  EXPECT_EQ(Dump("--data_dir=" + dir_.path() + " --entries", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("hard state:    term=3 vote=2 commit=10"));
  EXPECT_THAT(out, HasSubstr("conf state:    voters=[1,2]"));
  EXPECT_THAT(out, HasSubstr("snapshot:      index=8 term=3"));
  EXPECT_THAT(out, HasSubstr("entries 1..12"));
  EXPECT_THAT(out, HasSubstr("  12 term=3 type=ENTRY_CONF_CHANGE size="));
  EXPECT_THAT(out, HasSubstr(SnapshotFileName(8, 3) + " index=8 term=3 voters=[] VALID (in use)"));
}

TEST_F(StorageDumpToolTest, DecodesEntryPayloads) {
  std::string out;
  EXPECT_EQ(Dump("--data_dir=" + dir_.path() + " --entries --decode --from=11", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("format_version: LOG_FORMAT_V1 xid: 77 noop {"));
  EXPECT_THAT(out, HasSubstr("type: CONF_ADD_LEARNER node_id: 9"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\n  10 term=")));  // --from
}

TEST_F(StorageDumpToolTest, ReportsCorruptRecordsAndSnapshots) {
  testing::CorruptLogRecord(dir_.path() + "/log", 4);
  testing::FlipByte(dir_.path() + "/snap/" + SnapshotFileName(8, 3), -100);
  std::string out;
  EXPECT_EQ(Dump("--data_dir=" + dir_.path() + " --entries", &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("PROBLEM:       " + dir_.path() + "/log/data.mdb: log entry 4 is corrupt"));
  EXPECT_THAT(out, HasSubstr("  4 CORRUPT: record checksum mismatch"));
  EXPECT_THAT(out, HasSubstr("INVALID (in use): "));
  EXPECT_THAT(out, HasSubstr("body checksum mismatch"));
}

}  // namespace
}  // namespace arbor::storage
