// multi: all or nothing, ZooKeeper's per-op result codes, exact rollback.
#include <gtest/gtest.h>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;
constexpr int64_t kS = 3;

proto::MultiOp CreateOp(const std::string& path, proto::CreateMode mode = proto::PERSISTENT) {
  proto::MultiOp op;
  *op.mutable_create() = Harness::CreateReq(path, "d", mode).create();
  return op;
}
proto::MultiOp DeleteOp(const std::string& path, int32_t version = -1) {
  proto::MultiOp op;
  op.mutable_delete_()->set_path(path);
  op.mutable_delete_()->set_version(version);
  return op;
}
proto::MultiOp SetDataOp(const std::string& path, const std::string& data, int32_t version = -1) {
  proto::MultiOp op;
  op.mutable_set_data()->set_path(path);
  op.mutable_set_data()->set_data(data);
  op.mutable_set_data()->set_version(version);
  return op;
}
proto::MultiOp CheckOp(const std::string& path, int32_t version) {
  proto::MultiOp op;
  op.mutable_check()->set_path(path);
  op.mutable_check()->set_version(version);
  return op;
}
proto::Request Multi(std::vector<proto::MultiOp> ops) {
  proto::Request r;
  r.mutable_multi();  // an empty multi is still a multi
  for (auto& op : ops) *r.mutable_multi()->add_ops() = std::move(op);
  return r;
}

class TreeMultiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(h.OpenSession(kS).response.error(), proto::OK);
    ASSERT_EQ(twin.OpenSession(kS).response.error(), proto::OK);
  }
  // Applies the same write to both harnesses.
  void Both(const proto::Request& r) {
    ASSERT_EQ(h.Write(kS, r).response.error(), proto::OK);
    ASSERT_EQ(twin.Write(kS, r).response.error(), proto::OK);
  }
  Harness h;
  Harness twin;  // applies a noop where h applies a failing multi
};

TEST_F(TreeMultiTest, SuccessAppliesEveryOpWithResults) {
  ApplyResult r = h.Write(kS, Multi({CreateOp("/a"), CreateOp("/a/s-", proto::PERSISTENT_SEQUENTIAL),
                                     CreateOp("/a/s-", proto::PERSISTENT_SEQUENTIAL),
                                     SetDataOp("/a", "x", 0), CheckOp("/a", 1), DeleteOp("/a/s-0000000000")}));
  ASSERT_EQ(r.response.error(), proto::OK);
  const proto::MultiResponse& m = r.response.multi();
  ASSERT_EQ(m.results_size(), 6);
  for (const auto& res : m.results()) EXPECT_EQ(res.error(), proto::OK);
  EXPECT_EQ(m.results(1).create().path(), "/a/s-0000000000");
  EXPECT_EQ(m.results(2).create().path(), "/a/s-0000000001") << "ops see earlier ops' effects";
  EXPECT_EQ(m.results(3).set_data().stat().version(), 1);
  EXPECT_TRUE(m.results(4).has_check());
  EXPECT_TRUE(m.results(5).has_delete_());
  EXPECT_EQ(h.Children("/a"), std::vector<std::string>{"s-0000000001"});
  EXPECT_EQ(h.StatOf("/a").cversion(), 3);
  EXPECT_EQ(h.StatOf("/a").mzxid(), h.zxid) << "every op of a multi shares its zxid";
  EXPECT_EQ(r.triggers.size(), 9u);  // 3 creates x2, setData x1, delete x2
}

TEST_F(TreeMultiTest, FailureRollsBackWithZooKeeperResultCodes) {
  Both(Harness::CreateReq("/p", "orig"));
  Both(Harness::CreateReq("/p/old", "o"));
  Both(Harness::CreateReq("/c", "", proto::CONTAINER));
  Both(Harness::CreateReq("/c/k", ""));
  const std::string before = h.Snapshot();

  ApplyResult r = h.Write(kS, Multi({CreateOp("/p/new"), SetDataOp("/p", "changed"), DeleteOp("/p/old"),
                                     DeleteOp("/c/k"), CreateOp("/p/s-", proto::PERSISTENT_SEQUENTIAL),
                                     CheckOp("/p", 0), DeleteOp("/nope"), CreateOp("/later")}));
  twin.Noop();
  EXPECT_EQ(r.response.error(), proto::BADVERSION) << "the failing op's code, as ZooKeeper's rc.err";
  const proto::MultiResponse& m = r.response.multi();
  ASSERT_EQ(m.results_size(), 8);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(m.results(i).error(), proto::OK) << "op " << i << " rolled back";
    EXPECT_EQ(m.results(i).result_case(), proto::MultiOpResult::RESULT_NOT_SET) << "op " << i;
  }
  EXPECT_EQ(m.results(5).error(), proto::BADVERSION);
  EXPECT_EQ(m.results(6).error(), proto::RUNTIMEINCONSISTENCY);
  EXPECT_EQ(m.results(7).error(), proto::RUNTIMEINCONSISTENCY);
  EXPECT_TRUE(r.triggers.empty()) << "a failed multi fires nothing";

  // Byte-identical to a replica that applied a no-op here: every stat, name,
  // payload, cversion and index was restored.
  EXPECT_EQ(h.Snapshot(), twin.Snapshot());
  EXPECT_NE(h.Snapshot(), before) << "sanity: the zxid moved, so the bytes differ from before";
  EXPECT_EQ(h.StatOf("/p").version(), 0);
  EXPECT_TRUE(h.Has("/p/old"));
  EXPECT_TRUE(h.Has("/c/k"));
  EXPECT_FALSE(h.Has("/p/new"));

  // The container's candidacy was restored too: emptying it for real makes it
  // reapable on both, and the two stay identical.
  proto::Request del;
  del.mutable_delete_()->set_path("/c/k");
  del.mutable_delete_()->set_version(-1);
  Both(del);
  EXPECT_EQ(h.Reap(h.time_ms).triggers.size(), 2u);
  twin.Reap(twin.time_ms);
  EXPECT_FALSE(h.Has("/c"));
  EXPECT_EQ(h.Snapshot(), twin.Snapshot());
}

TEST_F(TreeMultiTest, FirstOpFailureMarksTheRestRuntimeInconsistency) {
  ApplyResult r = h.Write(kS, Multi({CreateOp("/x/y"), CreateOp("/z")}));
  EXPECT_EQ(r.response.error(), proto::NONODE);
  ASSERT_EQ(r.response.multi().results_size(), 2);
  EXPECT_EQ(r.response.multi().results(0).error(), proto::NONODE);
  EXPECT_EQ(r.response.multi().results(1).error(), proto::RUNTIMEINCONSISTENCY);
  EXPECT_FALSE(h.Has("/z"));
}

TEST_F(TreeMultiTest, SequentialNumbersRollBack) {
  Both(Harness::CreateReq("/q"));
  ApplyResult bad = h.Write(kS, Multi({CreateOp("/q/s-", proto::PERSISTENT_SEQUENTIAL), DeleteOp("/none")}));
  ASSERT_EQ(bad.response.error(), proto::NONODE);
  ApplyResult good = h.Write(kS, Multi({CreateOp("/q/s-", proto::PERSISTENT_SEQUENTIAL)}));
  ASSERT_EQ(good.response.error(), proto::OK);
  EXPECT_EQ(good.response.multi().results(0).create().path(), "/q/s-0000000000")
      << "the rolled-back create must not consume a sequence number";
}

TEST_F(TreeMultiTest, ReadOpsAreRejectedInWriteMulti) {
  proto::MultiOp read;
  read.mutable_get_data()->set_path("/");
  ApplyResult r = h.Write(kS, Multi({CreateOp("/ok"), read}));
  EXPECT_EQ(r.response.error(), proto::BADARGUMENTS);
  EXPECT_FALSE(h.Has("/ok"));
}

TEST_F(TreeMultiTest, EmptyMultiSucceeds) {
  ApplyResult r = h.Write(kS, Multi({}));
  EXPECT_EQ(r.response.error(), proto::OK);
  EXPECT_EQ(r.response.multi().results_size(), 0);
}

TEST_F(TreeMultiTest, MultiReadResultsAreIndependent) {
  Both(Harness::CreateReq("/r", "data"));
  proto::Request r;
  r.mutable_multi()->set_read_only(true);
  r.mutable_multi()->add_ops()->mutable_get_data()->set_path("/r");
  r.mutable_multi()->add_ops()->mutable_get_data()->set_path("/missing");
  r.mutable_multi()->add_ops()->mutable_get_children()->set_path("/");
  proto::Response resp = h.sm.Read(r, kS, nullptr);
  ASSERT_EQ(resp.error(), proto::OK);
  ASSERT_EQ(resp.multi().results_size(), 3);
  EXPECT_EQ(resp.multi().results(0).get_data().data(), "data");
  EXPECT_EQ(resp.multi().results(1).error(), proto::NONODE);
  EXPECT_EQ(resp.multi().results(2).error(), proto::OK);
  EXPECT_EQ(resp.multi().results(2).get_children().children_size(), 2);
}

}  // namespace
}  // namespace arbor::tree
