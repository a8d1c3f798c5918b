// Snapshot round trips and corruption detection.
#include <gtest/gtest.h>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;

// A tree with every node kind, several ACLs, sessions and data.
void Populate(Harness* h) {
  ASSERT_EQ(h->OpenSession(5).response.error(), proto::OK);
  ASSERT_EQ(h->OpenSession(6, 3000).response.error(), proto::OK);
  ASSERT_EQ(h->Create(5, "/a", "alpha").response.error(), proto::OK);
  ASSERT_EQ(h->Create(5, "/a/s-", "", proto::PERSISTENT_SEQUENTIAL).response.error(), proto::OK);
  ASSERT_EQ(h->Create(5, "/a/e", "eph", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h->Create(6, "/a/e6", "", proto::EPHEMERAL_SEQUENTIAL).response.error(), proto::OK);
  ASSERT_EQ(h->Create(5, "/c", "", proto::CONTAINER).response.error(), proto::OK);
  ASSERT_EQ(h->Create(5, "/c/x").response.error(), proto::OK);
  ASSERT_EQ(h->Delete(5, "/c/x").response.error(), proto::OK);  // /c is now reapable
  ASSERT_EQ(h->Create(5, "/t", "", proto::PERSISTENT_WITH_TTL, 50).response.error(), proto::OK);
  ASSERT_EQ(h->SetData(5, "/a", std::string("\0\1\2", 3)).response.error(), proto::OK);
  proto::Request acl;
  acl.mutable_set_acl()->set_path("/a/s-0000000000");
  acl.mutable_set_acl()->set_version(-1);
  proto::Acl* a = acl.mutable_set_acl()->add_acl();
  a->set_perms(proto::PERM_READ | proto::PERM_WRITE);
  a->mutable_id()->set_scheme("ip");
  a->mutable_id()->set_id("10.0.0.0/8");
  ASSERT_EQ(h->Write(5, acl).response.error(), proto::OK);
}

TEST(TreeSnapshotTest, RoundTripReserializesIdenticallyAndKeepsState) {
  Harness h;
  Populate(&h);
  std::string bytes = h.Snapshot();
  StringSource source(bytes);
  Result<std::unique_ptr<StateMachine>> loaded = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const StateMachine& copy = **loaded;
  EXPECT_EQ(copy.last_applied_zxid(), h.zxid);
  EXPECT_EQ(copy.sessions().size(), 2u);
  EXPECT_EQ(copy.sessions().Find(6)->timeout_ms, 3000);
  EXPECT_EQ(copy.tree().node_count(), h.sm.tree().node_count());

  std::string again;
  StringSink sink(&again);
  ASSERT_TRUE(copy.Save(&sink).ok());
  EXPECT_EQ(again, bytes);

  // Same answers, and the derived indexes (ephemerals, reap candidates) were
  // rebuilt: expiring session 5 and reaping behave identically on both.
  Harness twin(std::move(loaded).value());
  EXPECT_EQ(twin.zxid, h.zxid);
  for (Harness* x : {&h, &twin}) {
    proto::Request r;
    r.mutable_get_acl()->set_path("/a/s-0000000000");
    google::protobuf::RepeatedPtrField<proto::Id> lan;  // the ACL grants READ to 10/8 only
    lan.Add()->set_scheme("ip");
    lan.Mutable(0)->set_id("10.1.2.3");
    proto::Response got = x->sm.Read(r, 0, lan, nullptr);
    ASSERT_EQ(got.get_acl().acl_size(), 1);
    EXPECT_EQ(got.get_acl().acl(0).id().id(), "10.0.0.0/8");
    EXPECT_EQ(x->sm.Read(r, 0, nullptr).error(), proto::NOAUTH) << "the ACL survived the snapshot";
    EXPECT_EQ(x->sm.tree().reap_candidate_count(), 2u);
    x->Expire({5});
    x->Reap(x->time_ms + 1000);
    EXPECT_FALSE(x->Has("/a/e"));
    EXPECT_FALSE(x->Has("/c"));
    EXPECT_FALSE(x->Has("/t"));
  }
  EXPECT_EQ(h.Snapshot(), twin.Snapshot());
}

TEST(TreeSnapshotTest, EveryFlippedByteIsCorruption) {
  Harness h;
  Populate(&h);
  const std::string bytes = h.Snapshot();
  ASSERT_GT(bytes.size(), 100u);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    StringSource source(bad);
    Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
    ASSERT_FALSE(r.ok()) << "flip at byte " << i << " went unnoticed";
    EXPECT_TRUE(r.status().IsCorruption()) << i << ": " << r.status().ToString();
  }
  // A flip in a data byte reaches the checksum and says so.
  std::string bad = bytes;
  size_t at = bad.find("alpha");
  if (at == std::string::npos) at = bad.find("eph");
  ASSERT_NE(at, std::string::npos);
  bad[at] ^= 1;
  StringSource source(bad);
  Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checksum mismatch"), std::string::npos) << r.status().ToString();
}

TEST(TreeSnapshotTest, TruncationAndTrailingBytesAreCorruption) {
  Harness h;
  Populate(&h);
  const std::string bytes = h.Snapshot();
  for (size_t len : {size_t{0}, size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    StringSource source(std::string_view(bytes).substr(0, len));
    Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
  std::string longer = bytes + "x";
  StringSource source(longer);
  Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(TreeSnapshotTest, EmptyStateMachineRoundTrips) {
  StateMachine sm;
  std::string bytes;
  StringSink sink(&bytes);
  ASSERT_TRUE(sm.Save(&sink).ok());
  StringSource source(bytes);
  Result<std::unique_ptr<StateMachine>> r = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->tree().node_count(), 4u);  // /, /zookeeper, quota, config
}

}  // namespace
}  // namespace arbor::tree

namespace arbor::tree {
namespace {

TEST(TreeSnapshotTest, DeepTreeRoundTripsWithoutRecursion) {
  testing::Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  std::string path;
  for (int depth = 0; depth < 5000; ++depth) {
    path += "/d";
    ASSERT_EQ(h.Create(1, path).response.error(), proto::OK) << depth;
  }
  ASSERT_EQ(h.Create(1, path + "/leaf", "", proto::EPHEMERAL).response.error(), proto::OK);
  const std::string bytes = h.Snapshot();
  StringSource source(bytes);
  Result<std::unique_ptr<StateMachine>> loaded = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::string again;
  StringSink sink(&again);
  ASSERT_TRUE((*loaded)->Save(&sink).ok());
  EXPECT_EQ(again, bytes);
  proto::Request r;
  r.mutable_get_ephemerals()->set_prefix_path("/");
  ASSERT_EQ((*loaded)->Read(r, 1, nullptr).get_ephemerals().paths_size(), 1);
  EXPECT_EQ((*loaded)->Read(r, 1, nullptr).get_ephemerals().paths(0), path + "/leaf");
}

}  // namespace
}  // namespace arbor::tree
