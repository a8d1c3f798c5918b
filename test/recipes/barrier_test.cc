// BarrierTest / DoubleBarrierTest against a real arbord.
#include <atomic>
#include <thread>
#include <vector>

#include "client/recipes/barrier.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using BarrierTest = RecipeTest;
using DoubleBarrierTest = RecipeTest;

TEST_F(BarrierTest, WaitersAreReleasedOnlyWhenTheBarrierIsRemoved) {
  TestClient coord = Connect();
  Barrier gate(coord.get(), "/gates/start");
  ASSERT_EQ(gate.Set(), proto::OK);
  ASSERT_EQ(gate.Set(), proto::OK) << "setting twice is fine";
  std::vector<TestClient> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(Connect());
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      Barrier b(clients[static_cast<size_t>(i)].get(), "/gates/start");
      if (b.Wait(10000).value()) ++released;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(released.load(), 0);
  ASSERT_EQ(gate.Remove(), proto::OK);
  for (auto& t : threads) t.join();
  EXPECT_EQ(released.load(), 3);
  EXPECT_TRUE(gate.Wait(0).value()) << "an absent barrier does not block";
  ASSERT_EQ(gate.Set(), proto::OK);
  EXPECT_FALSE(gate.Wait(100).value()) << "times out while set";
}

TEST_F(DoubleBarrierTest, EnterTogetherLeaveTogether) {
  constexpr int kN = 4;
  std::vector<TestClient> clients;
  for (int i = 0; i < kN; ++i) clients.push_back(Connect());
  std::atomic<int> entered{0}, min_entered_seen{kN}, left{0}, min_left_seen_after_leave{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      // Stagger arrivals so early ones really wait.
      std::this_thread::sleep_for(std::chrono::milliseconds(60 * i));
      DoubleBarrier d(clients[static_cast<size_t>(i)].get(), "/rounds/r1", "p" + std::to_string(i), kN);
      ++entered;
      if (!d.Enter(10000).value()) ++failures;
      int e = entered.load();  // everyone must have arrived
      int seen = min_entered_seen.load();
      while (e < seen && !min_entered_seen.compare_exchange_weak(seen, e)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(40 * (kN - i)));  // finish at different times
      ++left;
      if (!d.Leave(10000).value()) ++failures;
      // Nobody gets out before everyone has started leaving.
      int l = left.load();
      int m = min_left_seen_after_leave.load();
      while ((m == 0 || l < m) && !min_left_seen_after_leave.compare_exchange_weak(m, l)) {
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(min_entered_seen.load(), kN) << "someone passed Enter before all arrived";
  EXPECT_EQ(min_left_seen_after_leave.load(), kN) << "someone passed Leave before all left";
  auto kids = clients[0]->GetChildren("/rounds/r1");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->children_size(), 0) << "the last one out cleaned up";
}

TEST_F(DoubleBarrierTest, EnterTimesOutWhenTheGroupIsIncomplete) {
  TestClient a = Connect(), b = Connect();
  DoubleBarrier da(a.get(), "/rounds/r2", "a", 3), db(b.get(), "/rounds/r2", "b", 3);
  EXPECT_FALSE(da.Enter(200).value());
  EXPECT_EQ(a->GetChildren("/rounds/r2").value().children_size(), 0) << "a timed-out entrant is not counted";
}

}  // namespace
}  // namespace arbor::client::recipes
