// Snapshot format versions: version 2 keeps null data apart from empty data;
// version 1 snapshots (written before null data existed) still load.
#include <gtest/gtest.h>

#include "server/tree/snapshot_codec.h"
#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;

proto::GetDataResponse Get(const StateMachine& sm, const std::string& path) {
  proto::Request r;
  r.mutable_get_data()->set_path(path);
  proto::Response resp = sm.Read(r, 0, nullptr);
  EXPECT_EQ(resp.error(), proto::OK) << path;
  return resp.get_data();
}

uint32_t VersionOf(const std::string& snapshot) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(snapshot[8 + static_cast<size_t>(i)]);
  return v;
}

TEST(TreeSnapshotVersionTest, NullDataSurvivesASnapshot) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  proto::Request create = Harness::CreateReq("/null");
  create.mutable_create()->set_null_data(true);
  ASSERT_EQ(h.Write(1, create).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/empty").response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/bytes", std::string("\0\xff", 2)).response.error(), proto::OK);
  const std::string bytes = h.Snapshot();
  EXPECT_EQ(VersionOf(bytes), 2u);
  StringSource source(bytes);
  Result<std::unique_ptr<StateMachine>> loaded = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(Get(**loaded, "/null").null_data());
  EXPECT_FALSE(Get(**loaded, "/empty").null_data());
  EXPECT_EQ(Get(**loaded, "/bytes").data(), std::string("\0\xff", 2));
  Harness twin(std::move(loaded).value());
  EXPECT_EQ(twin.Snapshot(), bytes);
}

// A version-1 snapshot, byte for byte as the version-1 writer laid it out:
// one session, one ACL list, "/", "/data" (bytes) and "/empty", "/zookeeper"
// with "config" and "quota".
std::string Version1Snapshot() {
  std::string out;
  StringSink sink(&out);
  SnapshotWriter w(&sink);
  w.Raw("ARBORSNP");
  w.U32(1);
  w.I64(42);      // last applied zxid
  w.U64(1);       // sessions
  w.I64(9);
  w.I32(5000);
  w.Bytes("pw");
  w.U32(1);       // ACL lists
  w.U32(1);
  w.I32(proto::PERM_ALL);
  w.Bytes("world");
  w.Bytes("anyone");
  w.U64(6);       // nodes, pre-order, children by name
  auto node = [&w](std::string_view name, int64_t zxid, int32_t cversion, std::string_view data,
                   uint32_t kids) {
    for (int i = 0; i < 3; ++i) w.I64(zxid);  // czxid mzxid pzxid
    w.I64(1000);  // ctime
    w.I64(1000);  // mtime
    w.I64(0);     // ephemeral owner
    w.I32(0);     // version
    w.I32(cversion);
    w.I32(0);     // aversion
    w.U32(0);     // ACL index
    w.Bytes(data);
    w.U32(kids);
  };
  w.Bytes("");
  node("", 0, 2, "", 3);
  w.Bytes("data");
  node("data", 40, 0, "v1 bytes", 0);
  w.Bytes("empty");
  node("empty", 41, 0, "", 0);
  w.Bytes("zookeeper");
  node("zookeeper", 0, 0, "", 2);
  w.Bytes("config");
  node("config", 0, 0, "", 0);
  w.Bytes("quota");
  node("quota", 0, 0, "", 0);
  EXPECT_TRUE(w.Finish().ok());
  return out;
}

TEST(TreeSnapshotVersionTest, Version1SnapshotsStillLoadAndSaveAsVersion2) {
  const std::string v1 = Version1Snapshot();
  StringSource source(v1);
  Result<std::unique_ptr<StateMachine>> loaded = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const StateMachine& sm = **loaded;
  EXPECT_EQ(sm.last_applied_zxid(), 42);
  EXPECT_TRUE(sm.sessions().Contains(9));
  EXPECT_EQ(Get(sm, "/data").data(), "v1 bytes");
  EXPECT_FALSE(Get(sm, "/data").null_data());
  EXPECT_FALSE(Get(sm, "/empty").null_data()) << "version 1 had no null data: empty stays empty";
  // Version 1 started "/" at cversion 0 with /zookeeper uncounted; ZooKeeper
  // at -1: two creates make 2 there and 2 * 2 - 3 = 1 here.
  proto::Request exists;
  exists.mutable_exists()->set_path("/");
  EXPECT_EQ(sm.Read(exists, 0, nullptr).exists().stat().cversion(), 1);
  exists.mutable_exists()->set_path("/zookeeper");
  EXPECT_EQ(sm.Read(exists, 0, nullptr).exists().stat().cversion(), -2);
  std::string v2;
  StringSink sink(&v2);
  ASSERT_TRUE(sm.Save(&sink).ok());
  EXPECT_EQ(VersionOf(v2), 2u);
  StringSource again(v2);
  ASSERT_TRUE(StateMachine::Load(&again, TreeOptions()).ok());
}

TEST(TreeSnapshotVersionTest, UnknownVersionIsRefused) {
  std::string bytes = Version1Snapshot();
  bytes[8] = 3;
  StringSource source(bytes);
  Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version 3"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace arbor::tree
