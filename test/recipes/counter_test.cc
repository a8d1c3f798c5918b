// CounterTest: the CAS counter against a real arbord.
#include <atomic>
#include <thread>
#include <vector>

#include "client/recipes/counter.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using CounterTest = RecipeTest;

TEST_F(CounterTest, ConcurrentAddsLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kAdds = 150;
  std::vector<TestClient> clients;
  for (int i = 0; i < kThreads; ++i) clients.push_back(Connect());
  std::atomic<int> failures{0};
  std::atomic<int64_t> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      DistributedCounter c(clients[static_cast<size_t>(t)].get(), "/stats/hits");
      for (int i = 0; i < kAdds; ++i) {
        if (!c.Add(1).ok()) ++failures;
      }
      conflicts += c.conflicts();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  DistributedCounter reader(clients[0].get(), "/stats/hits");
  EXPECT_EQ(reader.Get().value(), kThreads * kAdds);
  RecordProperty("cas_conflicts", static_cast<int>(conflicts.load()));
  EXPECT_GT(conflicts.load(), 0) << "four writers never raced: the CAS path was not exercised";
}

// Control: blind read-modify-write (no version) under the same load loses
// updates; this is what the CAS prevents.
TEST_F(CounterTest, BlindReadModifyWriteLosesUpdates) {
  constexpr int kThreads = 4;
  constexpr int kAdds = 150;
  std::vector<TestClient> clients;
  for (int i = 0; i < kThreads; ++i) clients.push_back(Connect());
  ASSERT_TRUE(clients[0]->Create("/blind", "0").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client* c = clients[static_cast<size_t>(t)].get();
      for (int i = 0; i < kAdds; ++i) {
        auto d = c->GetData("/blind");
        if (d.ok()) (void)c->SetData("/blind", std::to_string(std::stoll(d->data()) + 1), -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LT(std::stoll(clients[0]->GetData("/blind").value().data()), kThreads * kAdds);
}

TEST_F(CounterTest, CompareAndSetAndBadData) {
  TestClient c = Connect();
  DistributedCounter n(c.get(), "/n");
  EXPECT_EQ(n.Get().value(), 0) << "missing node counts as 0";
  EXPECT_TRUE(n.CompareAndSet(0, 10).value());
  EXPECT_FALSE(n.CompareAndSet(0, 20).value());
  EXPECT_EQ(n.Add(-3).value(), 7);
  ASSERT_TRUE(c->SetData("/n", "not a number").ok());
  EXPECT_EQ(n.Get().code(), proto::DATAINCONSISTENCY);
  EXPECT_EQ(n.Add(1).code(), proto::DATAINCONSISTENCY);
}

}  // namespace
}  // namespace arbor::client::recipes
