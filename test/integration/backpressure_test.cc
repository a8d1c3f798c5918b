// A slow disk must not crash or wedge a replica: when the storage queue is
// full, the Raft driver holds further writes back (merged into one batch)
// instead of failing, and everything acknowledged stays (issue #15).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

TEST(BackpressureTest, FullStorageQueueDuringSlowFsyncsHoldsWritesBackInsteadOfCrashing) {
  std::string dir = MakeTempDir("arbor-backpressure");
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir + "/data";
  // Two batches may wait for a disk that takes 150 ms per commit.
  spec.extra_flags = {"--storage_queue_batches_max=2", "--failpoint_sync_delay_ms=150"};
  {
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start(true, 30000)) << server.log_path();
    std::vector<NativeTestClient> clients(4);
    for (auto& c : clients) ASSERT_EQ(c.Connect(spec.client_port, 20000).error(), proto::OK);
    // Many pipelined writes from several connections: Readies keep coming
    // while each fsync takes 150 ms.
    for (int round = 0; round < 3; ++round) {
      for (size_t i = 0; i < clients.size(); ++i) {
        std::vector<proto::Request> batch;
        for (int k = 0; k < 50; ++k) {
          batch.push_back(CreateRequest("/w" + std::to_string(round) + "-" + std::to_string(i) + "-" +
                                            std::to_string(k), "x"));
        }
        auto out = clients[i].CallMany(batch);
        for (const auto& r : out) ASSERT_EQ(r.error(), proto::OK) << "round " << round << " client " << i;
      }
    }
    ASSERT_TRUE(server.running()) << "the server died; see " << server.log_path();
    NativeTestClient check;
    ASSERT_EQ(check.Connect(spec.client_port, 20000).error(), proto::OK);
    EXPECT_EQ(check.GetChildren("/").get_children().children_size(), 3 * 4 * 50 + 1);  // + /zookeeper
  }
  RemoveTree(dir);
}

}  // namespace
}  // namespace arbor::testing
