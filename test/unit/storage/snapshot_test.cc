// Snapshot files: format round trip, durability protocol, damage detection,
// retention.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "server/storage/snapshot_file.h"
#include "server/storage/snapshot_store.h"
#include "test/unit/storage/test_util.h"

namespace arbor::storage {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

raft::SnapshotMetadata Meta(uint64_t index, uint64_t term) {
  raft::SnapshotMetadata m;
  m.set_index(index);
  m.set_term(term);
  m.mutable_conf_state()->add_voters(1);
  m.mutable_conf_state()->add_voters(2);
  return m;
}

std::string Body(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) ^ (i >> 9));
  return s;
}

// Writes a snapshot through the ByteSink in uneven pieces and commits it.
std::string WriteSnapshot(const SnapshotStore& store, const raft::SnapshotMetadata& meta, const std::string& body) {
  Result<std::unique_ptr<SnapshotFileWriter>> w = store.BeginWrite(meta);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (size_t off = 0; off < body.size();) {
    size_t n = std::min<size_t>(body.size() - off, 1 + (off % 70001));
    EXPECT_TRUE((*w)->Append(std::string_view(body).substr(off, n)).ok());
    off += n;
  }
  EXPECT_TRUE((*w)->Commit().ok());
  return (*w)->final_path();
}

Status ReadAll(SnapshotFileReader* r, std::string* out) {
  std::string chunk;
  while (!r->AtEnd()) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(4096, r->body_bytes() - out->size()));
    ARBOR_RETURN_IF_ERROR(r->ReadExactly(n, &chunk));
    out->append(chunk);
  }
  return Status::Ok();
}

class StorageSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Init().ok()); }
  TempDir dir_;
  SnapshotStore store_{dir_.path() + "/snap"};
};

TEST_F(StorageSnapshotTest, WriteCommitReadBack) {
  const std::string body = Body(3 << 20);
  std::string path = WriteSnapshot(store_, Meta(1234, 5), body);
  EXPECT_EQ(path, store_.dir() + "/" + SnapshotFileName(1234, 5));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->metadata().SerializeAsString(), Meta(1234, 5).SerializeAsString());
  EXPECT_EQ((*r)->body_bytes(), body.size());
  EXPECT_TRUE((*r)->VerifyBody().ok());
  std::string got;
  ASSERT_TRUE(ReadAll(r->get(), &got).ok());
  EXPECT_TRUE(got == body);
  std::string more;
  EXPECT_EQ((*r)->ReadExactly(1, &more).code(), Status::Code::kCorruption);  // past the end
  Result<std::vector<SnapshotFile>> files = store_.List();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].index, 1234u);
  EXPECT_TRUE(SnapshotStore::Verify((*files)[0]).ok());
}

TEST_F(StorageSnapshotTest, SmallAndLargeReadsAcrossTheReadAhead) {
  const std::string body = Body((1 << 20) * 2 + 12345);
  std::string path = WriteSnapshot(store_, Meta(77, 3), body);
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(path);
  ASSERT_TRUE(r.ok());
  std::string got, chunk;
  for (size_t n = 1; !(*r)->AtEnd(); n = n * 3 % 1500007 + 1) {
    n = std::min<size_t>(n, body.size() - got.size());
    ASSERT_TRUE((*r)->ReadExactly(n, &chunk).ok()) << "at " << got.size();
    ASSERT_EQ(chunk.size(), n);
    got += chunk;
  }
  EXPECT_TRUE(got == body);
}

TEST_F(StorageSnapshotTest, EmptyBodyIsValid) {
  std::string path = WriteSnapshot(store_, Meta(1, 1), "");
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->AtEnd());
  EXPECT_TRUE((*r)->VerifyBody().ok());
}

TEST_F(StorageSnapshotTest, UncommittedWriterLeavesNothing) {
  {
    Result<std::unique_ptr<SnapshotFileWriter>> w = store_.BeginWrite(Meta(10, 1));
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial state").ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(store_.dir()));
  EXPECT_TRUE(store_.List()->empty());
}

TEST_F(StorageSnapshotTest, InitRemovesLeftoverTemporaryFiles) {
  Result<std::unique_ptr<SnapshotFileWriter>> w = store_.BeginWrite(Meta(10, 1));
  ASSERT_TRUE(w.ok());
  const std::string tmp = store_.dir() + "/" + SnapshotFileName(10, 1) + ".tmp";
  ASSERT_TRUE(std::filesystem::exists(tmp));  // a crash now would leave it behind
  SnapshotStore reopened(store_.dir());
  ASSERT_TRUE(reopened.Init().ok());
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

TEST_F(StorageSnapshotTest, FlippedBodyByteIsDetected) {
  std::string path = WriteSnapshot(store_, Meta(50, 2), Body(100000));
  testing::FlipByte(path, 60000);
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(path);
  ASSERT_TRUE(r.ok());  // framing intact
  Status v = (*r)->VerifyBody();
  EXPECT_EQ(v.code(), Status::Code::kCorruption);
  EXPECT_THAT(v.message(), HasSubstr(path + ": body checksum mismatch"));
  std::string got;
  Status s = ReadAll(r->get(), &got);  // a streaming consumer learns it at the last byte
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(SnapshotStore::Verify(store_.List()->at(0)).status().code(), Status::Code::kCorruption);
}

TEST_F(StorageSnapshotTest, DamagedHeaderOrTrailerIsDetected) {
  std::string a = WriteSnapshot(store_, Meta(60, 2), Body(5000));
  testing::FlipByte(a, 14);  // inside the header
  EXPECT_THAT(SnapshotFileReader::Open(a).status().message(), HasSubstr("header"));
  std::string b = WriteSnapshot(store_, Meta(70, 2), Body(5000));
  testing::TruncateFile(b, testing::SizeOf(b) - 10);
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(b);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr(b + ": trailer damaged"));
  std::string c = WriteSnapshot(store_, Meta(80, 2), Body(5000));
  std::filesystem::rename(c, store_.dir() + "/" + SnapshotFileName(81, 2));
  Result<raft::SnapshotMetadata> v = SnapshotStore::Verify(SnapshotFile{store_.dir() + "/" + SnapshotFileName(81, 2), 81, 2});
  EXPECT_THAT(v.status().message(), HasSubstr("unlike its name"));
}

TEST_F(StorageSnapshotTest, PruneKeepsNewestAndUnrecorded) {
  for (uint64_t i : {10, 20, 30, 40}) WriteSnapshot(store_, Meta(i, 1), Body(100));
  ASSERT_TRUE(store_.Prune(2, 30).ok());  // 40 is newer than the one in use: kept
  std::vector<uint64_t> left;
  Result<std::vector<SnapshotFile>> files = store_.List();
  ASSERT_TRUE(files.ok());
  for (const SnapshotFile& f : *files) left.push_back(f.index);
  EXPECT_EQ(left, (std::vector<uint64_t>{40, 30, 20}));
}

TEST(StorageSnapshotFileNameTest, RoundTrip) {
  auto p = ParseSnapshotFileName(SnapshotFileName(0xabcdef, 12));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->first, 0xabcdefu);
  EXPECT_EQ(p->second, 12u);
  EXPECT_FALSE(ParseSnapshotFileName(SnapshotFileName(1, 1) + ".tmp").has_value());
  EXPECT_FALSE(ParseSnapshotFileName("snap-zz").has_value());
}

}  // namespace
}  // namespace arbor::storage
