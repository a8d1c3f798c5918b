// The operation table agrees with the protocol and with itself.
#include "common/ops.h"

#include <gtest/gtest.h>

namespace arbor::ops {
namespace {

TEST(OpsTest, EveryOperationHasARowAndReadsAreLocal) {
  const auto* oneof = proto::Request::descriptor()->FindOneofByName("op");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    auto op = static_cast<proto::Request::OpCase>(oneof->field(i)->number());
    const Traits& t = TraitsOf(op);
    EXPECT_STRNE(t.name, "unknown") << oneof->field(i)->name() << " has no row";
    // A read can always be sent again, except removeWatches: a second one
    // answers NOWATCHER.
    if (t.path == Path::kRead && op != proto::Request::kRemoveWatches) {
      EXPECT_TRUE(t.idempotent) << t.name << ": a read can always be sent again";
    }
  }
  EXPECT_EQ(TraitsOf(proto::Request::OP_NOT_SET).path, Path::kWrite);
}

TEST(OpsTest, TheServerSplitAndTheClientRetryRuleFollowTheTable) {
  proto::Request r;
  r.mutable_create()->set_path("/a");
  EXPECT_FALSE(IsLocal(r));
  EXPECT_FALSE(TraitsOf(r).idempotent) << "a create retried after CONNECTIONLOSS may run twice";
  r.mutable_get_data()->set_path("/a");
  EXPECT_TRUE(IsLocal(r));
  r.mutable_sync();
  EXPECT_FALSE(IsLocal(r));
  EXPECT_TRUE(TraitsOf(r).idempotent);
  r.mutable_multi()->set_read_only(true);
  EXPECT_TRUE(IsLocal(r)) << "multiRead is a read";
  EXPECT_STREQ(TraitsOf(r).name, "multiRead");
  r.mutable_multi()->set_read_only(false);
  EXPECT_FALSE(IsLocal(r));
  r.mutable_ping();
  EXPECT_TRUE(IsLocal(r));
}

}  // namespace
}  // namespace arbor::ops
