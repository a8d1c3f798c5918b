// Sessions table entries (create, close, expire) with ephemeral cleanup, and
// container / TTL reaping by replicated time.
#include <gtest/gtest.h>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;

bool HasTrigger(const ApplyResult& r, const std::string& path, proto::EventType type) {
  for (const WatchTrigger& t : r.triggers) {
    if (t.path == path && t.type == type) return true;
  }
  return false;
}

TEST(TreeSessionTest, CreateSessionValidatesAndRejectsDuplicates) {
  Harness h;
  EXPECT_EQ(h.OpenSession(1).response.error(), proto::OK);
  EXPECT_EQ(h.OpenSession(1).response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.OpenSession(0).response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.OpenSession(-5).response.error(), proto::BADARGUMENTS) << "negative ids would alias TTL owners";
  EXPECT_EQ(h.OpenSession(2, 0).response.error(), proto::BADARGUMENTS);
  ASSERT_NE(h.sm.sessions().Find(1), nullptr);
  EXPECT_EQ(h.sm.sessions().Find(1)->timeout_ms, 10000);
  EXPECT_EQ(h.sm.sessions().Find(1)->password, "pw");
  EXPECT_EQ(h.sm.sessions().size(), 1u);
}

TEST(TreeSessionTest, CloseDeletesEphemeralsInTheSameEntry) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  ASSERT_EQ(h.OpenSession(2).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/dir").response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/dir/e1", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/e2", "", proto::EPHEMERAL_SEQUENTIAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(2, "/dir/other", "", proto::EPHEMERAL).response.error(), proto::OK);
  const int32_t cversion = h.StatOf("/dir").cversion();

  ApplyResult r = h.CloseSession(1);
  ASSERT_EQ(r.response.error(), proto::OK);
  const int64_t z = h.zxid;
  EXPECT_FALSE(h.Has("/dir/e1"));
  EXPECT_FALSE(h.Has("/e20000000001"));
  EXPECT_TRUE(h.Has("/dir")) << "persistent nodes stay";
  EXPECT_TRUE(h.Has("/dir/other")) << "other sessions' ephemerals stay";
  EXPECT_EQ(h.StatOf("/dir").cversion(), cversion + 1);
  EXPECT_EQ(h.StatOf("/dir").pzxid(), z);
  EXPECT_TRUE(HasTrigger(r, "/dir/e1", proto::NODE_DELETED));
  EXPECT_TRUE(HasTrigger(r, "/dir", proto::NODE_CHILDREN_CHANGED));
  EXPECT_TRUE(HasTrigger(r, "/e20000000001", proto::NODE_DELETED));
  EXPECT_TRUE(HasTrigger(r, "/", proto::NODE_CHILDREN_CHANGED));
  for (const WatchTrigger& t : r.triggers) EXPECT_EQ(t.zxid, z);
  EXPECT_EQ(r.ended_sessions, std::vector<int64_t>{1});
  EXPECT_FALSE(h.sm.sessions().Contains(1));

  EXPECT_EQ(h.CloseSession(1).response.error(), proto::SESSIONEXPIRED) << "unknown session on close";
  EXPECT_EQ(h.Create(1, "/late").response.error(), proto::SESSIONEXPIRED) << "writes after close";
}

TEST(TreeSessionTest, CloseSessionRequestEndsTheCallersSession) {
  Harness h;
  ASSERT_EQ(h.OpenSession(4).response.error(), proto::OK);
  ASSERT_EQ(h.Create(4, "/e", "", proto::EPHEMERAL).response.error(), proto::OK);
  proto::Request close;
  close.mutable_close_session();
  ApplyResult r = h.Write(4, close);
  EXPECT_EQ(r.response.error(), proto::OK);
  EXPECT_FALSE(h.Has("/e"));
  EXPECT_EQ(r.ended_sessions, std::vector<int64_t>{4});
}

TEST(TreeSessionTest, ExpiryDeletesEphemeralsOfEachExpiredSession) {
  Harness h;
  for (int64_t s : {1, 2, 3}) {
    ASSERT_EQ(h.OpenSession(s).response.error(), proto::OK);
    ASSERT_EQ(h.Create(s, "/e" + std::to_string(s), "", proto::EPHEMERAL).response.error(), proto::OK);
  }
  ApplyResult r = h.Expire({3, 1, 42});  // 42 is unknown: skipped, not an error
  EXPECT_EQ(r.response.error(), proto::OK);
  EXPECT_FALSE(h.Has("/e1"));
  EXPECT_TRUE(h.Has("/e2"));
  EXPECT_FALSE(h.Has("/e3"));
  EXPECT_EQ(r.ended_sessions, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(h.sm.sessions().size(), 1u);
  EXPECT_EQ(h.sm.tree().ephemeral_session_count(), 1u);
}

TEST(TreeReapTest, ContainerGoesOnlyAfterItHadChildren) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/c", "", proto::CONTAINER).response.error(), proto::OK);
  EXPECT_TRUE(h.Reap(h.time_ms + 1000000).triggers.empty()) << "never had children: stays";
  EXPECT_TRUE(h.Has("/c"));
  ASSERT_EQ(h.Create(1, "/c/child").response.error(), proto::OK);
  EXPECT_TRUE(h.Reap(h.time_ms).triggers.empty()) << "has a child: stays";
  ASSERT_EQ(h.Delete(1, "/c/child").response.error(), proto::OK);
  EXPECT_EQ(h.sm.tree().reap_candidate_count(), 1u);
  ApplyResult r = h.Reap(h.time_ms);
  EXPECT_FALSE(h.Has("/c"));
  EXPECT_TRUE(HasTrigger(r, "/c", proto::NODE_DELETED));
  EXPECT_TRUE(HasTrigger(r, "/", proto::NODE_CHILDREN_CHANGED));
  EXPECT_EQ(h.sm.tree().reap_candidate_count(), 0u);
}

TEST(TreeReapTest, NestedContainersGoOneLevelPerReap) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/outer", "", proto::CONTAINER).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/outer/inner", "", proto::CONTAINER).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/outer/inner/x").response.error(), proto::OK);
  ASSERT_EQ(h.Delete(1, "/outer/inner/x").response.error(), proto::OK);
  h.Reap(h.time_ms);
  EXPECT_FALSE(h.Has("/outer/inner"));
  EXPECT_TRUE(h.Has("/outer")) << "judged on the state before the reap, independent of order";
  h.Reap(h.time_ms);
  EXPECT_FALSE(h.Has("/outer"));
}

TEST(TreeReapTest, TtlNodeGoesWhenTtlPassesByReplicatedTime) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  h.time_ms = 10000;
  ASSERT_EQ(h.Create(1, "/t", "", proto::PERSISTENT_WITH_TTL, 500).response.error(), proto::OK);
  h.Reap(10500);
  EXPECT_TRUE(h.Has("/t")) << "mtime + ttl == now: not yet (ZooKeeper needs elapsed > ttl)";
  h.time_ms = 10400;
  ASSERT_EQ(h.SetData(1, "/t", "touch").response.error(), proto::OK);  // mtime moves to 10400
  h.Reap(10501);
  EXPECT_TRUE(h.Has("/t")) << "setData moved the expiry";
  ApplyResult r = h.Reap(10901);
  EXPECT_FALSE(h.Has("/t"));
  EXPECT_TRUE(HasTrigger(r, "/t", proto::NODE_DELETED));
}

TEST(TreeReapTest, TtlNodeWithChildrenStays) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  h.time_ms = 100;
  ASSERT_EQ(h.Create(1, "/t", "", proto::PERSISTENT_WITH_TTL, 10).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/t/kid").response.error(), proto::OK);
  h.Reap(100000);
  EXPECT_TRUE(h.Has("/t"));
  ASSERT_EQ(h.Delete(1, "/t/kid").response.error(), proto::OK);
  h.Reap(100000);
  EXPECT_FALSE(h.Has("/t")) << "childless and mtime (100) + ttl < now";
}

TEST(TreeReapTest, ReapUsesTheEntryTimeNotTheLocalClock) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  h.time_ms = 1;
  ASSERT_EQ(h.Create(1, "/t", "", proto::PERSISTENT_WITH_TTL, 1).response.error(), proto::OK);
  // The wall clock is far past 2 ms since the epoch; only entry time counts.
  h.Reap(2);
  EXPECT_TRUE(h.Has("/t"));
  h.Reap(3);
  EXPECT_FALSE(h.Has("/t"));
}

}  // namespace
}  // namespace arbor::tree
