// ZooKeeper 3.8 semantics the compat suite found missing: sequence numbers
// after deletes, null data, sequential containers (createContainer's flags)
// and per-op failures a codec marks in a multi. Expected values were recorded
// against Apache ZooKeeper 3.8.0 (test/compat/extended_ops_compare.py checks
// the same against a live one).
#include <gtest/gtest.h>

#include "server/tree/ephemeral_type.h"
#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;

constexpr int64_t kS = 7;

class TreeZkSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(h.OpenSession(kS).response.error(), proto::OK); }

  ApplyResult Seq(const std::string& prefix) { return h.Create(kS, prefix, "", proto::PERSISTENT_SEQUENTIAL); }

  proto::GetDataResponse Get(const std::string& path) {
    proto::Request r;
    r.mutable_get_data()->set_path(path);
    proto::Response resp = h.sm.Read(r, kS, nullptr);
    EXPECT_EQ(resp.error(), proto::OK) << path;
    return resp.get_data();
  }

  ApplyResult CreateNull(const std::string& path) {
    proto::Request r = Harness::CreateReq(path);
    r.mutable_create()->set_null_data(true);
    return h.Write(kS, r);
  }

  ApplyResult SetNull(const std::string& path) {
    proto::Request r;
    r.mutable_set_data()->set_path(path);
    r.mutable_set_data()->set_version(-1);
    r.mutable_set_data()->set_null_data(true);
    return h.Write(kS, r);
  }

  Harness h;
};

// ZooKeeper keeps a count of child *creates* (StatPersisted.cversion) and
// names sequential nodes after it; the cversion clients see is
// 2 * creates - children (DataNode.copyStat), which also moves on a delete.
// Recorded on ZooKeeper 3.8.0: s-0, s-1, s-2; delete s-1 (cversion 3 -> 4);
// the next is s-3, not s-4; create + delete /p/x (cversion 7); then s-5.
TEST_F(TreeZkSemanticsTest, SequenceNumbersCountCreatesOnlyAsZooKeeper) {
  ASSERT_EQ(h.Create(kS, "/p").response.error(), proto::OK);
  for (const char* want : {"/p/s-0000000000", "/p/s-0000000001", "/p/s-0000000002"}) {
    EXPECT_EQ(Seq("/p/s-").response.create().path(), want);
  }
  EXPECT_EQ(h.StatOf("/p").cversion(), 3);
  ASSERT_EQ(h.Delete(kS, "/p/s-0000000001").response.error(), proto::OK);
  EXPECT_EQ(h.StatOf("/p").cversion(), 4);
  EXPECT_EQ(Seq("/p/s-").response.create().path(), "/p/s-0000000003");
  EXPECT_EQ(h.StatOf("/p").cversion(), 5);
  ASSERT_EQ(h.Create(kS, "/p/x").response.error(), proto::OK);
  ASSERT_EQ(h.Delete(kS, "/p/x").response.error(), proto::OK);
  EXPECT_EQ(h.StatOf("/p").cversion(), 7);
  EXPECT_EQ(Seq("/p/s-").response.create().path(), "/p/s-0000000005");
  // Session close deletes count the same way.
  ASSERT_EQ(h.OpenSession(kS + 1).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS + 1, "/p/e", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.CloseSession(kS + 1).response.error(), proto::OK);
  EXPECT_EQ(Seq("/p/s-").response.create().path(), "/p/s-0000000007");
}

// A fresh ZooKeeper 3.8.0: "/" shows cversion -1 and "/zookeeper" -2 (their
// builtin children are not counted as creates); the first sequential child
// of "/" is 0000000000.
TEST_F(TreeZkSemanticsTest, BuiltinNodesShowZooKeepersCversions) {
  EXPECT_EQ(h.StatOf("/").cversion(), -1);
  EXPECT_EQ(h.StatOf("/zookeeper").cversion(), -2);
  EXPECT_EQ(h.StatOf("/zookeeper/quota").cversion(), 0);
  EXPECT_EQ(Seq("/").response.create().path(), "/0000000000");
  EXPECT_EQ(h.StatOf("/").cversion(), 0);
  EXPECT_EQ(Seq("/").response.create().path(), "/0000000001");
}

TEST_F(TreeZkSemanticsTest, SequenceNumbersInAFailedMultiAreRolledBack) {
  ASSERT_EQ(h.Create(kS, "/m").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/m/a").response.error(), proto::OK);
  proto::Request multi;
  proto::MultiRequest* m = multi.mutable_multi();
  m->add_ops()->mutable_delete_()->set_path("/m/a");
  m->mutable_ops(0)->mutable_delete_()->set_version(-1);
  *m->add_ops()->mutable_create() = Harness::CreateReq("/m/s-", "", proto::PERSISTENT_SEQUENTIAL).create();
  m->add_ops()->mutable_check()->set_path("/m/missing");
  EXPECT_EQ(h.Write(kS, multi).response.error(), proto::NONODE);
  m->mutable_ops()->RemoveLast();
  ApplyResult ok = h.Write(kS, multi);
  ASSERT_EQ(ok.response.error(), proto::OK);
  EXPECT_EQ(ok.response.multi().results(1).create().path(), "/m/s-0000000001");
}

TEST_F(TreeZkSemanticsTest, NullDataReadsBackNullAndEmptyStaysEmpty) {
  ApplyResult c = CreateNull("/n");
  ASSERT_EQ(c.response.error(), proto::OK);
  EXPECT_EQ(c.response.create().stat().data_length(), 0) << "ZooKeeper's Stat says 0 for null";
  proto::GetDataResponse got = Get("/n");
  EXPECT_TRUE(got.null_data());
  EXPECT_EQ(got.data(), "");
  EXPECT_EQ(got.stat().data_length(), 0);

  ASSERT_EQ(h.SetData(kS, "/n", "").response.error(), proto::OK);
  EXPECT_FALSE(Get("/n").null_data()) << "setData with empty bytes is not null";
  ASSERT_EQ(SetNull("/n").response.error(), proto::OK);
  EXPECT_TRUE(Get("/n").null_data());
  ASSERT_EQ(h.SetData(kS, "/n", "x").response.error(), proto::OK);
  EXPECT_FALSE(Get("/n").null_data());
  EXPECT_EQ(Get("/n").data(), "x");

  ASSERT_EQ(h.Create(kS, "/empty").response.error(), proto::OK);
  EXPECT_FALSE(Get("/empty").null_data());
}

TEST_F(TreeZkSemanticsTest, NullDataWithBytesIsBadArguments) {
  proto::Request r = Harness::CreateReq("/bad", "x");
  r.mutable_create()->set_null_data(true);
  EXPECT_EQ(h.Write(kS, r).response.error(), proto::BADARGUMENTS);
  ASSERT_EQ(h.Create(kS, "/ok", "x").response.error(), proto::OK);
  proto::Request s;
  s.mutable_set_data()->set_path("/ok");
  s.mutable_set_data()->set_data("y");
  s.mutable_set_data()->set_version(-1);
  s.mutable_set_data()->set_null_data(true);
  EXPECT_EQ(h.Write(kS, s).response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(Get("/ok").data(), "x");
}

TEST_F(TreeZkSemanticsTest, FailedMultiRestoresNullData) {
  ASSERT_EQ(CreateNull("/r").response.error(), proto::OK);
  ASSERT_EQ(CreateNull("/r/gone").response.error(), proto::OK);
  proto::Request multi;
  proto::MultiRequest* m = multi.mutable_multi();
  proto::SetDataRequest* set = m->add_ops()->mutable_set_data();
  set->set_path("/r");
  set->set_data("now bytes");
  set->set_version(-1);
  m->add_ops()->mutable_delete_()->set_path("/r/gone");
  m->mutable_ops(1)->mutable_delete_()->set_version(-1);
  m->add_ops()->mutable_check()->set_path("/missing");
  const std::string before = h.Snapshot();
  EXPECT_EQ(h.Write(kS, multi).response.error(), proto::NONODE);
  EXPECT_TRUE(Get("/r").null_data());
  EXPECT_TRUE(Get("/r/gone").null_data());
  // Same bytes except the last applied zxid (header bytes 12..19) and the CRC.
  const std::string after = h.Snapshot();
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(before.substr(20, before.size() - 24), after.substr(20, after.size() - 24));
}

TEST_F(TreeZkSemanticsTest, MultiReadReportsNullData) {
  ASSERT_EQ(CreateNull("/mr").response.error(), proto::OK);
  proto::Request r;
  r.mutable_multi()->set_read_only(true);
  r.mutable_multi()->add_ops()->mutable_get_data()->set_path("/mr");
  proto::Response resp = h.sm.Read(r, kS, nullptr);
  ASSERT_EQ(resp.multi().results_size(), 1);
  EXPECT_TRUE(resp.multi().results(0).get_data().null_data());
}

// ZooKeeper's createContainer ignores the ephemeral bit of its flags and
// honours the sequential one: a sequential container.
TEST_F(TreeZkSemanticsTest, SequentialContainerIsAContainerWithASuffix) {
  ASSERT_EQ(h.Create(kS, "/sc").response.error(), proto::OK);
  proto::Request r = Harness::CreateReq("/sc/c-", "", proto::CONTAINER);
  r.mutable_create()->set_sequential(true);
  ApplyResult c = h.Write(kS, r);
  ASSERT_EQ(c.response.error(), proto::OK);
  EXPECT_EQ(c.response.create().path(), "/sc/c-0000000000");
  EXPECT_TRUE(IsContainerOwner(h.StatOf("/sc/c-0000000000").ephemeral_owner()));
  // `sequential` means nothing for the other modes (their mode says it).
  proto::Request plain = Harness::CreateReq("/sc/plain");
  plain.mutable_create()->set_sequential(true);
  EXPECT_EQ(h.Write(kS, plain).response.create().path(), "/sc/plain");
}

TEST_F(TreeZkSemanticsTest, MultiOpMarkedByTheCodecFailsAloneAndRollsBack) {
  proto::Request multi;
  proto::MultiRequest* m = multi.mutable_multi();
  *m->add_ops()->mutable_create() = Harness::CreateReq("/first").create();
  m->add_ops()->set_fail_with(proto::BADARGUMENTS);  // e.g. createTTL with invalid flags
  *m->add_ops()->mutable_create() = Harness::CreateReq("/third").create();
  ApplyResult r = h.Write(kS, multi);
  EXPECT_EQ(r.response.error(), proto::BADARGUMENTS);
  ASSERT_EQ(r.response.multi().results_size(), 3);
  EXPECT_EQ(r.response.multi().results(0).error(), proto::OK);
  EXPECT_EQ(r.response.multi().results(1).error(), proto::BADARGUMENTS);
  EXPECT_EQ(r.response.multi().results(2).error(), proto::RUNTIMEINCONSISTENCY);
  EXPECT_FALSE(h.Has("/first"));
  // A fail_with on an op that would succeed still fails it.
  m->mutable_ops(1)->mutable_check()->set_path("/");
  m->mutable_ops(1)->mutable_check()->set_version(-1);
  EXPECT_EQ(h.Write(kS, multi).response.error(), proto::BADARGUMENTS);
  m->mutable_ops(1)->clear_fail_with();
  EXPECT_EQ(h.Write(kS, multi).response.error(), proto::OK);
}

// DeleteRequest.container_only (native protocol; the ZooKeeper port answers
// deleteContainer BADARGUMENTS, as ZooKeeper does to clients): only an empty
// container or TTL node goes.
TEST_F(TreeZkSemanticsTest, ContainerOnlyDeleteTakesOnlyEmptyContainersAndTtlNodes) {
  auto delete_container = [this](const std::string& path) {
    proto::Request r;
    r.mutable_delete_()->set_path(path);
    r.mutable_delete_()->set_version(-1);
    r.mutable_delete_()->set_container_only(true);
    return h.Write(kS, r).response.error();
  };
  ASSERT_EQ(h.Create(kS, "/plain").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/eph", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/box", "", proto::CONTAINER).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/box/kid").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/ttl", "", proto::PERSISTENT_WITH_TTL, 1000).response.error(), proto::OK);
  EXPECT_EQ(delete_container("/plain"), proto::BADVERSION);
  EXPECT_EQ(delete_container("/eph"), proto::BADVERSION);
  EXPECT_EQ(delete_container("/box"), proto::NOTEMPTY);
  EXPECT_EQ(delete_container("/missing"), proto::NONODE);
  EXPECT_TRUE(h.Has("/plain") && h.Has("/eph") && h.Has("/box"));
  ASSERT_EQ(h.Delete(kS, "/box/kid").response.error(), proto::OK);
  EXPECT_EQ(delete_container("/box"), proto::OK);
  EXPECT_EQ(delete_container("/ttl"), proto::OK);
  EXPECT_FALSE(h.Has("/box") || h.Has("/ttl"));
}

}  // namespace
}  // namespace arbor::tree
