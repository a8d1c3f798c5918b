// Seeded simulations of whole replicas with clients (label `sim`).
//
//   ctest -L sim                                      # CI: the seeds below
//   ARBOR_REPLICA_SIM_SEEDS=20000 ctest -R ReplicaSim  # soak: that many per suite
//   ARBOR_REPLICA_SIM_SEED=1234 ARBOR_REPLICA_SIM_SERVERS=5 ctest -R ReplicaSimReplay --output-on-failure
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test/sim/replica/replica_cluster.h"

namespace arbor::sim {
namespace {

constexpr int kShards = 8;

uint64_t EnvU64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? dflt : std::strtoull(v, nullptr, 10);
}

class Quiet : public ::testing::Environment {
 public:
  void SetUp() override {
    // Thousands of runs: only errors reach the log.
    FLAGS_minloglevel = 2;
    FLAGS_logtostderr = true;
  }
};
const auto* const kQuiet = ::testing::AddGlobalTestEnvironment(new Quiet);

struct Totals {
  uint64_t runs = 0, events = 0, faults = 0, ops = 0, writes = 0, locks = 0, expirations = 0, watch_events = 0,
           leader_changes = 0;
  void Add(const ReplicaSimStats& s) {
    ++runs;
    events += s.events;
    faults += s.faults;
    ops += s.completed_ops;
    writes += s.acked_writes;
    locks += s.lock_acquisitions;
    expirations += s.expirations;
    watch_events += s.watch_events;
    leader_changes += s.leader_changes;
  }
};

void RunShard(int servers, int shard, uint64_t per_suite, uint64_t seed_base) {
  const uint64_t per = (per_suite + kShards - 1) / kShards;
  Totals t;
  for (uint64_t s = shard * per; s < std::min(per_suite, (shard + 1) * per); ++s) {
    ReplicaSimOptions o;
    o.seed = seed_base + s;
    o.servers = servers;
    ReplicaCluster c(o);
    std::string failure = c.Run();
    ASSERT_EQ(failure, "") << failure;
    t.Add(c.stats());
  }
  // The simulator must keep exercising what it claims to.
  ASSERT_GT(t.runs, 0u);
  EXPECT_GT(t.faults, t.runs * 5);
  EXPECT_GT(t.leader_changes, t.runs);
  EXPECT_GT(t.writes, t.runs * 20);
  EXPECT_GT(t.locks, t.runs * 5);
  EXPECT_GT(t.expirations, 0u);
  EXPECT_GT(t.watch_events, t.runs);
  std::printf("servers=%d shard=%d runs=%llu events=%llu faults=%llu ops=%llu acked_writes=%llu locks=%llu "
              "expirations=%llu watch_events=%llu leader_changes=%llu\n",
              servers, shard, (unsigned long long)t.runs, (unsigned long long)t.events,
              (unsigned long long)t.faults, (unsigned long long)t.ops, (unsigned long long)t.writes,
              (unsigned long long)t.locks, (unsigned long long)t.expirations, (unsigned long long)t.watch_events,
              (unsigned long long)t.leader_changes);
}

class ReplicaSim3 : public ::testing::TestWithParam<int> {};
class ReplicaSim5 : public ::testing::TestWithParam<int> {};

// CI: 1,200 + 800 seeds (about 80 s on two cores).
TEST_P(ReplicaSim3, Seeds) { RunShard(3, GetParam(), EnvU64("ARBOR_REPLICA_SIM_SEEDS", 1200), 1000); }
TEST_P(ReplicaSim5, Seeds) { RunShard(5, GetParam(), EnvU64("ARBOR_REPLICA_SIM_SEEDS", 800), 500000); }
INSTANTIATE_TEST_SUITE_P(Shards, ReplicaSim3, ::testing::Range(0, kShards));
INSTANTIATE_TEST_SUITE_P(Shards, ReplicaSim5, ::testing::Range(0, kShards));

// Server log lines of a replay, stamped with simulated time so they
// interleave with the trace (ARBOR_REPLICA_SIM_LOG=1).
class SimTimeSink : public google::LogSink {
 public:
  explicit SimTimeSink(const World* world) : world_(world) {}
  void send(google::LogSeverity, const char*, const char* base, int line, const struct ::tm*, const char* message,
            size_t len) override {
    std::fprintf(stderr, "%8lld   [%s:%d] %.*s\n", static_cast<long long>(world_->now()), base, line,
                 static_cast<int>(len), message);
  }

 private:
  const World* world_;
};

// Replays one seed (ARBOR_REPLICA_SIM_SEED, default 1) and prints its stats.
TEST(ReplicaSimReplay, OneSeed) {
  ReplicaSimOptions o;
  o.seed = EnvU64("ARBOR_REPLICA_SIM_SEED", 1);
  o.servers = static_cast<int>(EnvU64("ARBOR_REPLICA_SIM_SERVERS", 3));
  o.trace = EnvU64("ARBOR_REPLICA_SIM_TRACE", 0) != 0;
  ReplicaCluster c(o);
  SimTimeSink sink(&c.world());
  if (EnvU64("ARBOR_REPLICA_SIM_LOG", 0) != 0) {
    FLAGS_minloglevel = 0;
    FLAGS_logtostderr = false;
    FLAGS_stderrthreshold = 3;
    google::AddLogSink(&sink);
  }
  std::string failure = c.Run();
  google::RemoveLogSink(&sink);
  const ReplicaSimStats& s = c.stats();
  std::printf("seed=%llu events=%llu faults=%llu ops=%llu acked_writes=%llu locks=%llu expirations=%llu "
              "leader_changes=%llu\n",
              (unsigned long long)o.seed, (unsigned long long)s.events, (unsigned long long)s.faults,
              (unsigned long long)s.completed_ops, (unsigned long long)s.acked_writes,
              (unsigned long long)s.lock_acquisitions, (unsigned long long)s.expirations,
              (unsigned long long)s.leader_changes);
  EXPECT_EQ(failure, "") << failure;
}

}  // namespace
}  // namespace arbor::sim
