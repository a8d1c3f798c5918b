// QueueTest: the distributed queue against a real arbord.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "client/recipes/queue.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using QueueTest = RecipeTest;

TEST_F(QueueTest, FifoForOneConsumer) {
  TestClient c = Connect();
  DistributedQueue q(c.get(), "/q/fifo");
  EXPECT_FALSE(q.Poll().value().has_value());
  EXPECT_EQ(q.Size().value(), 0u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.Offer("item-" + std::to_string(i)).ok());
  EXPECT_EQ(q.Size().value(), 5u);
  EXPECT_EQ(q.Peek().value().value(), "item-0");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.Poll().value().value(), "item-" + std::to_string(i));
  EXPECT_FALSE(q.Take(100).value().has_value()) << "times out on an empty queue";
}

TEST_F(QueueTest, TakeWakesWhenAnItemArrives) {
  TestClient c = Connect(), p = Connect();
  DistributedQueue consumer(c.get(), "/q/wake"), producer(p.get(), "/q/wake");
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    (void)producer.Offer("late");
  });
  auto start = std::chrono::steady_clock::now();
  auto r = consumer.Take(5000);
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().value(), "late");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
}

// Every item is delivered exactly once across competing consumers.
TEST_F(QueueTest, CompetingConsumersTakeEachItemOnce) {
  constexpr int kProducers = 2, kConsumers = 3, kItems = 150;  // per producer
  std::vector<TestClient> clients;
  for (int i = 0; i < kProducers + kConsumers; ++i) clients.push_back(Connect());
  std::mutex mu;
  std::multiset<std::string> got;
  std::atomic<int> done_producers{0}, errors{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      DistributedQueue q(clients[static_cast<size_t>(p)].get(), "/q/many");
      for (int i = 0; i < kItems; ++i) {
        if (!q.Offer(std::to_string(p) + ":" + std::to_string(i)).ok()) ++errors;
      }
      ++done_producers;
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      DistributedQueue q(clients[static_cast<size_t>(kProducers + c)].get(), "/q/many");
      while (true) {
        auto r = q.Take(300);
        if (!r.ok()) {
          ++errors;
          return;
        }
        if (!r.value().has_value()) {
          if (done_producers.load() == kProducers) return;
          continue;
        }
        std::lock_guard<std::mutex> l(mu);
        got.insert(*r.value());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(got.size(), static_cast<size_t>(kProducers * kItems));
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "an item was delivered twice";
}

}  // namespace
}  // namespace arbor::client::recipes
