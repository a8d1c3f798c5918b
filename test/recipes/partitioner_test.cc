// PartitionerTest: consistent hashing (pure) and the live work partitioner.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/recipes/hash_ring.h"
#include "client/recipes/partitioner.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using PartitionerTest = RecipeTest;

std::vector<std::string> Items(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("shard-" + std::to_string(i));
  return v;
}

std::map<std::string, std::string> Assign(const HashRing& r, const std::vector<std::string>& items) {
  std::map<std::string, std::string> m;
  for (const auto& i : items) m[i] = r.Owner(i);
  return m;
}

int Moved(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  int n = 0;
  for (auto& [item, owner] : a) n += b.at(item) != owner ? 1 : 0;
  return n;
}

// Pure ring: a join moves about 1/n of the items, all to the newcomer; a
// leave moves only the leaver's items; the load is spread evenly.
TEST(PartitionerRingTest, JoinAndLeaveMoveFewItems) {
  const auto items = Items(10000);
  HashRing ring(128);
  ring.Set({"m1", "m2", "m3", "m4"});
  auto before = Assign(ring, items);
  std::map<std::string, int> load;
  for (auto& [i, o] : before) load[o]++;
  for (auto& [m, n] : load) {
    EXPECT_GT(n, 2500 * 0.7) << m;
    EXPECT_LT(n, 2500 * 1.3) << m;
  }
  ring.Add("m5");
  auto joined = Assign(ring, items);
  int moved = Moved(before, joined);
  RecordProperty("moved_on_join", moved);
  EXPECT_GT(moved, 10000 / 5 / 2);
  EXPECT_LT(moved, 10000 / 5 * 3 / 2) << "ideal is 2000 (1/5)";
  for (auto& [item, owner] : joined) {
    if (before[item] != owner) {
      EXPECT_EQ(owner, "m5") << "an item moved between old members";
    }
  }
  ring.Remove("m2");
  auto left = Assign(ring, items);
  for (auto& [item, owner] : left) {
    if (joined[item] != owner) {
      EXPECT_EQ(joined[item], "m2") << "only the leaver's items move";
    }
    EXPECT_NE(owner, "m2");
  }
  ring.Remove("m5");
  ring.Add("m2");
  EXPECT_EQ(Assign(ring, items), before) << "the assignment depends only on the member set";
}

// Control: modulo placement (what the ring replaces) moves most items on a
// join, so the bound above is a real one.
TEST(PartitionerRingTest, ModuloPlacementMovesMostItems) {
  const auto items = Items(10000);
  int moved = 0;
  for (const auto& i : items) moved += StableHash64(i) % 4 != StableHash64(i) % 5 ? 1 : 0;
  EXPECT_GT(moved, 10000 / 5 * 3 / 2);
}

TEST(PartitionerRingTest, EmptyRingOwnsNothing) {
  HashRing ring(0);  // clamped to 1 vnode
  EXPECT_EQ(ring.Owner("x"), "");
  ring.Add("only");
  EXPECT_EQ(ring.points(), 1u);
  EXPECT_EQ(ring.Owner("x"), "only");
}

struct Worker {
  TestClient client;
  std::unique_ptr<WorkPartitioner> part;
  bool dead = false;
};

// Every item has exactly one owner among the live members (once they agree
// on the member list).
void ExpectExactlyOneOwner(const std::vector<Worker*>& ws, const std::vector<std::string>& items) {
  for (const auto& item : items) {
    int owners = 0;
    for (Worker* w : ws) owners += w->part->Owns(item) ? 1 : 0;
    ASSERT_EQ(owners, 1) << item;
  }
}

TEST_F(PartitionerTest, LiveMembersShareItemsAndRebalanceMinimally) {
  const auto items = Items(2000);
  std::vector<std::unique_ptr<Worker>> workers;
  auto add = [&](const std::string& id) {
    auto w = std::make_unique<Worker>();
    w->client = Connect(1000);
    w->part = std::make_unique<WorkPartitioner>(w->client.get(), w->client.events.get(), "/svc/workers", id, nullptr);
    EXPECT_EQ(w->part->Start(), proto::OK);
    workers.push_back(std::move(w));
  };
  auto all_see = [&](size_t n) {
    return WaitFor([&] {
      for (auto& w : workers) {
        if (!w->dead && w->part->Members().size() != n) return false;
      }
      return true;
    }, 5000);
  };
  auto live = [&] {
    std::vector<Worker*> v;
    for (auto& w : workers) {
      if (!w->dead) v.push_back(w.get());
    }
    return v;
  };
  auto owners = [&] {
    std::map<std::string, std::string> m;
    WorkPartitioner* any = live()[0]->part.get();
    for (const auto& i : items) m[i] = any->OwnerOf(i);
    return m;
  };
  for (int i = 0; i < 3; ++i) add("w" + std::to_string(i));
  ASSERT_TRUE(all_see(3));
  ExpectExactlyOneOwner(live(), items);
  auto three = owners();

  add("w3");
  ASSERT_TRUE(all_see(4));
  ExpectExactlyOneOwner(live(), items);
  auto four = owners();
  int moved_join = Moved(three, four);
  RecordProperty("moved_on_join", moved_join);
  EXPECT_LT(moved_join, 2000 / 4 * 3 / 2) << "ideal is 500 (1/4)";
  EXPECT_GT(moved_join, 0);

  // w1's session ends without it leaving the group (its ephemeral member
  // node goes with the session): its items move, and only its.
  (void)workers[1]->client->Close();
  workers[1]->dead = true;
  ASSERT_TRUE(all_see(3));
  ExpectExactlyOneOwner(live(), items);
  auto after = owners();
  for (auto& [item, owner] : after) {
    if (four[item] != owner) {
      EXPECT_EQ(four[item], "w1");
    }
  }
  EXPECT_EQ(live()[0]->part->MyItems(items).size() + live()[1]->part->MyItems(items).size() +
                live()[2]->part->MyItems(items).size(),
            items.size());
}

}  // namespace
}  // namespace arbor::client::recipes
