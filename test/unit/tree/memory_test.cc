// Prints the per-znode memory overhead (the target is a third of ZooKeeper's
// ~600 bytes). Measured with glibc's mallinfo2 around building the tree, so it
// counts everything the tree allocates: node chunks, the child index, name and
// data blocks, ACL handles. Asserts only a generous ceiling (ZooKeeper's own
// figure), so a layout regression fails loudly without tying CI to a number.
#include <gtest/gtest.h>
#include <malloc.h>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

TEST(TreeMemoryFootprint, BytesPerZnodeOverhead) {
  constexpr int kNodes = 200000;
  size_t before = mallinfo2().uordblks;
  auto sm = std::make_unique<StateMachine>();
  proto::LogEntry session;
  session.set_format_version(proto::LOG_FORMAT_V1);
  session.mutable_create_session()->set_session_id(1);
  session.mutable_create_session()->set_timeout_ms(1000);
  ASSERT_TRUE(sm->Apply(session, 1).ok());
  proto::LogEntry e = [] {
    proto::LogEntry x;
    x.set_format_version(proto::LOG_FORMAT_V1);
    x.set_session_id(1);
    *x.mutable_request() = testing::Harness::CreateReq("/");
    return x;
  }();
  ASSERT_EQ(sm->Apply([&] { auto x = e; x.mutable_request()->mutable_create()->set_path("/d"); return x; }(), 2)
                ->response.error(),
            proto::OK);
  size_t name_bytes = 0;
  for (int i = 0; i < kNodes; ++i) {
    // "/d/n<i>" names of 2-7 bytes and empty data: pure overhead.
    std::string path = "/d/n" + std::to_string(i);
    name_bytes += path.size() - 3;
    e.mutable_request()->mutable_create()->set_path(path);
    ASSERT_EQ(sm->Apply(e, 3 + i)->response.error(), proto::OK);
  }
  size_t after = mallinfo2().uordblks;
  double per_node = static_cast<double>(after - before) / kNodes;
  double overhead = per_node - static_cast<double>(name_bytes) / kNodes;
  std::printf("[ memory ] %d znodes: %.1f bytes/znode allocated (%.1f overhead beyond the name), "
              "tree estimate %.1f bytes/znode, sizeof(Node) = %zu\n",
              kNodes, per_node, overhead, static_cast<double>(sm->tree().ApproximateBytes()) / kNodes,
              sizeof(Node));
  EXPECT_LT(overhead, 600.0);
}

}  // namespace
}  // namespace arbor::tree
