// Seeded whole-cluster simulations (label `sim`).
//
//   ctest -L sim                        # CI: 2,000+ seeds, sharded over test cases
//   ARBOR_SIM_SEEDS=100000 ctest -L sim # soak: that many seeds in total
//   ARBOR_SOAK=1 ctest -L sim           # same as ARBOR_SIM_SEEDS=100000
//   ARBOR_SIM_SEED=1234 ARBOR_SIM_NODES=5 ctest -R SimReplay --output-on-failure
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "test/sim/cluster.h"

namespace arbor::sim {
namespace {

constexpr int kShards = 8;
constexpr uint64_t kCiSeeds3 = 1200;  // per the issue: >= 2,000 seeds in CI
constexpr uint64_t kCiSeeds5 = 800;

uint64_t EnvU64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? dflt : std::strtoull(v, nullptr, 10);
}

uint64_t TotalSeeds(uint64_t ci_default) {
  uint64_t total = EnvU64("ARBOR_SIM_SEEDS", 0);
  if (total == 0 && EnvU64("ARBOR_SOAK", 0) != 0) total = 100000;
  // The soak total is split between the 3- and 5-node suites.
  return total == 0 ? ci_default : total / 2;
}

// Scenario knobs for exploring (not used by CI): ARBOR_SIM_CONF_MS,
// ARBOR_SIM_FAULT_MS override the mean intervals of membership changes and
// faults in the sharded suites and in SimReplay.
void ApplyEnvKnobs(Options* o) {
  o->conf_interval_ms = static_cast<int>(EnvU64("ARBOR_SIM_CONF_MS", 0));
  o->fault_interval_ms = static_cast<int>(EnvU64("ARBOR_SIM_FAULT_MS", 0));
}

std::string RunSeed(uint64_t seed, int nodes, Stats* stats = nullptr) {
  Options o;
  o.seed = seed;
  o.num_nodes = nodes;
  ApplyEnvKnobs(&o);
  Cluster c(o);
  std::string failure = c.Run();
  if (stats != nullptr) *stats = c.stats();
  return failure;
}

void RunShard(int nodes, int shard, uint64_t total, uint64_t seed_base) {
  const uint64_t per = (total + kShards - 1) / kShards;
  Stats sum;
  uint64_t runs = 0;
  for (uint64_t s = shard * per; s < std::min(total, (shard + 1) * per); ++s) {
    Stats st;
    const std::string failure = RunSeed(seed_base + s, nodes, &st);
    ASSERT_EQ(failure, "") << failure;
    ++runs;
    sum.events += st.events;
    sum.leaders += st.leaders;
    sum.crashes += st.crashes;
    sum.snapshots_sent += st.snapshots_sent;
    sum.conf_changes += st.conf_changes;
    sum.reads_answered += st.reads_answered;
    sum.proposals_accepted += st.proposals_accepted;
  }
  // Guard against a simulator that silently stopped exercising things.
  EXPECT_GT(runs, 0u);
  EXPECT_GT(sum.leaders, runs) << "leader changes must happen";
  EXPECT_GT(sum.crashes, runs) << "crashes must happen";
  EXPECT_GT(sum.snapshots_sent, 0u) << "snapshots must be sent";
  EXPECT_GT(sum.conf_changes, 0u) << "membership must change";
  EXPECT_GT(sum.reads_answered, runs) << "ReadIndex must be answered";
  std::printf("nodes=%d shard=%d runs=%llu events=%llu leaders=%llu crashes=%llu snaps=%llu "
              "confchanges=%llu reads=%llu proposals=%llu\n",
              nodes, shard, (unsigned long long)runs, (unsigned long long)sum.events,
              (unsigned long long)sum.leaders, (unsigned long long)sum.crashes,
              (unsigned long long)sum.snapshots_sent, (unsigned long long)sum.conf_changes,
              (unsigned long long)sum.reads_answered, (unsigned long long)sum.proposals_accepted);
}

class Sim3 : public ::testing::TestWithParam<int> {};
class Sim5 : public ::testing::TestWithParam<int> {};

TEST_P(Sim3, Seeds) {
  if (EnvU64("ARBOR_SIM_SEED", 0) != 0) GTEST_SKIP() << "replaying one seed (SimReplay)";
  RunShard(3, GetParam(), TotalSeeds(kCiSeeds3), 1);
}
TEST_P(Sim5, Seeds) {
  if (EnvU64("ARBOR_SIM_SEED", 0) != 0) GTEST_SKIP() << "replaying one seed (SimReplay)";
  RunShard(5, GetParam(), TotalSeeds(kCiSeeds5), 1000001);
}
INSTANTIATE_TEST_SUITE_P(Shard, Sim3, ::testing::Range(0, kShards));
INSTANTIATE_TEST_SUITE_P(Shard, Sim5, ::testing::Range(0, kShards));

// Replays ARBOR_SIM_SEED (with ARBOR_SIM_NODES); without it, seed 1, so the
// replay path itself always runs.
TEST(SimReplay, OneSeedFromEnvironment) {
  const uint64_t seed = EnvU64("ARBOR_SIM_SEED", 1);
  const int nodes = static_cast<int>(EnvU64("ARBOR_SIM_NODES", 3));
  Stats st;
  const std::string failure = RunSeed(seed, nodes, &st);
  EXPECT_EQ(failure, "") << failure;
  std::printf("seed=%llu events=%llu max_committed=%llu leaders=%llu\n", (unsigned long long)seed,
              (unsigned long long)st.events, (unsigned long long)st.max_committed,
              (unsigned long long)st.leaders);
}

TEST(SimDeterminism, SameSeedSameRun) {
  for (uint64_t seed : {7ULL, 4242ULL}) {
    Options o;
    o.seed = seed;
    Cluster a(o), b(o);
    ASSERT_EQ(a.Run(), "");
    ASSERT_EQ(b.Run(), "");
    EXPECT_EQ(a.stats().events, b.stats().events);
    EXPECT_EQ(a.stats().max_committed, b.stats().max_committed);
    EXPECT_EQ(a.stats().leaders, b.stats().leaders);
  }
}

// The checks can fail: with Raft 5.4.2 broken (a leader commits an earlier
// term's entry by counting replicas), the simulator finds a violation
// (Figure 8). The scenario favours it: one entry per MsgApp, frequent faults.
// The same seeds with the rule intact pass, so the rule is what is caught.
Options BrokenRuleScenario(uint64_t seed, bool unsafe) {
  Options o;
  o.seed = seed;
  o.num_nodes = 3;
  o.unsafe_commit_by_counting = unsafe;
  o.max_entries_per_msg = 1;
  o.fault_interval_ms = 40;
  o.membership = false;
  return o;
}

TEST(SimBrokenRule, CommitByCountingIsCaught) {
  std::string example;
  uint64_t seed = 1;
  for (; seed <= 3000 && example.empty(); ++seed) {
    Cluster c(BrokenRuleScenario(seed, true));
    example = c.Run();
  }
  const uint64_t caught_at = seed - 1;
  ASSERT_FALSE(example.empty()) << "the simulator did not detect the broken commit rule";
  std::printf("broken rule caught at seed %llu:\n%s\n", (unsigned long long)caught_at, example.c_str());
  EXPECT_TRUE(example.find("SAFETY") != std::string::npos ||
              example.find("COMPLETENESS") != std::string::npos ||
              example.find("MATCHING") != std::string::npos)
      << example;
  for (uint64_t s = 1; s <= caught_at; ++s) {
    Cluster c(BrokenRuleScenario(s, false));
    const std::string failure = c.Run();
    ASSERT_EQ(failure, "") << "with the correct rule: " << failure;
  }
}

}  // namespace
}  // namespace arbor::sim
