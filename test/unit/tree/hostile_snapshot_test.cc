// Snapshots and entries no correct server writes, found by the fuzzers
// (test/fuzz, docs/SECURITY.md): Load must refuse them or the tree must
// stay well-defined.
#include <gtest/gtest.h>

#include <string>

#include "common/byte_stream.h"
#include "server/tree/snapshot_codec.h"
#include "server/tree/state_machine.h"
#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

constexpr int64_t kTtl5 = static_cast<int64_t>(0xFF00000000000005ull);

// Writes a snapshot by hand: one session (id 1), one ACL list, then nodes.
class SnapBuilder {
 public:
  explicit SnapBuilder(uint64_t nodes) : w_(&sink_) {
    w_.Raw("ARBORSNP");
    w_.U32(1);
    w_.I64(3);
    w_.U64(1);
    w_.I64(1);
    w_.I32(5000);
    w_.Bytes("pw");
    w_.U32(1);
    w_.U32(1);
    w_.I32(31);
    w_.Bytes("world");
    w_.Bytes("anyone");
    w_.U64(nodes);
  }
  SnapBuilder& Node(const std::string& name, int64_t owner, int64_t mtime, uint32_t kids) {
    w_.Bytes(name);
    for (int64_t v : {int64_t{1}, int64_t{1}, int64_t{1}, int64_t{0}, mtime, owner}) w_.I64(v);
    w_.I32(0);
    w_.I32(1);
    w_.I32(0);
    w_.U32(0);
    w_.Bytes("");
    w_.U32(kids);
    return *this;
  }
  Result<std::unique_ptr<StateMachine>> Load() {
    EXPECT_TRUE(w_.Finish().ok());
    StringSource source(bytes_);
    return StateMachine::Load(&source, TreeOptions());
  }

 private:
  std::string bytes_;
  StringSink sink_{&bytes_};
  SnapshotWriter w_;
};

TEST(TreeHostileSnapshotTest, BuiltinNodesMustBePersistent) {
  // Before: loaded; ending session 1 deleted /zookeeper, and the next reap
  // deleted "/" (a TTL node without children) and crashed.
  auto r = SnapBuilder(2).Node("", kTtl5, 0, 1).Node("zookeeper", 1, 0, 0).Load();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not persistent"), std::string::npos) << r.status().ToString();
  auto quota = SnapBuilder(3).Node("", 0, 0, 1).Node("zookeeper", 0, 0, 1)
                   .Node("quota", static_cast<int64_t>(0x8000000000000000ull), 0, 0).Load();
  EXPECT_FALSE(quota.ok());
  EXPECT_TRUE(SnapBuilder(3).Node("", 0, 0, 2).Node("t", kTtl5, 0, 0).Node("zookeeper", 0, 0, 0).Load().ok());
}

TEST(TreeHostileSnapshotTest, TtlExpiryAtTheEndOfTimeDoesNotWrap) {
  // Before: mtime + ttl overflowed (undefined), wrapped to the distant past,
  // and the node was reaped by the first reap whatever its time.
  auto r = SnapBuilder(3).Node("", 0, 0, 2).Node("t", kTtl5, INT64_MAX, 0).Node("zookeeper", 0, 0, 0).Load();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  testing::Harness h(std::move(*r));
  h.Reap(5000);
  EXPECT_NE(h.sm.tree().Lookup("/t"), kNoNode);

  testing::Harness fresh;
  ASSERT_EQ(fresh.OpenSession(1).response.error(), proto::OK);
  proto::LogEntry e;
  e.set_session_id(1);
  e.set_time_ms(INT64_MAX - 2);
  *e.mutable_request() = testing::Harness::CreateReq("/late", "", proto::PERSISTENT_WITH_TTL, 5);
  ASSERT_EQ(fresh.Apply(e).response.error(), proto::OK);
  fresh.Reap(5000);
  EXPECT_NE(fresh.sm.tree().Lookup("/late"), kNoNode);
}

// A sequential create checked the path's length before its 10-digit suffix
// was added, so a node could be made one suffix longer than any request may
// name: it could never be deleted or changed, nor could its parent be
// deleted (found reviewing the fuzz targets' path limits; the state_machine
// target now checks that every node's path fits the limit).
TEST(TreeHostileRequestTest, SequentialSuffixMustFitThePathLimit) {
  TreeOptions options;
  options.max_path_bytes = 16;
  testing::Harness h(options);
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  ASSERT_EQ(h.Write(1, testing::Harness::CreateReq("/quota")).response.error(), proto::OK);
  auto seq = testing::Harness::CreateReq("/quota/", "", proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(h.Write(1, seq).response.error(), proto::BADARGUMENTS);  // "/quota/0000000001" is 17 bytes
  EXPECT_EQ(h.sm.tree().node_count(), 5u);
  auto fits = testing::Harness::CreateReq("/q/", "", proto::PERSISTENT_SEQUENTIAL);
  ASSERT_EQ(h.Write(1, testing::Harness::CreateReq("/q")).response.error(), proto::OK);
  ApplyResult r = h.Write(1, fits);  // "/q/0000000000" is 13 bytes
  ASSERT_EQ(r.response.error(), proto::OK);
  proto::Request del;
  del.mutable_delete_()->set_path(r.response.create().path());
  del.mutable_delete_()->set_version(-1);
  EXPECT_EQ(h.Write(1, del).response.error(), proto::OK);
}

}  // namespace
}  // namespace arbor::tree
