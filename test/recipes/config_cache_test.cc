// ConfigCacheTest: NodeCache and TreeCache follow a real arbord.
#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "client/recipes/node_cache.h"
#include "client/recipes/recipe_util.h"
#include "test/integration/tcp_proxy.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using ConfigCacheTest = RecipeTest;

struct Recorder {
  std::mutex mu;
  std::vector<std::string> seen;  // data, or "<gone>"
  void Add(const std::string& s) {
    std::lock_guard<std::mutex> l(mu);
    seen.push_back(s);
  }
  std::string Last() {
    std::lock_guard<std::mutex> l(mu);
    return seen.empty() ? "" : seen.back();
  }
  size_t Size() {
    std::lock_guard<std::mutex> l(mu);
    return seen.size();
  }
};

TEST_F(ConfigCacheTest, NodeCacheFollowsCreateUpdateDelete) {
  TestClient c = Connect(), w = Connect();
  ASSERT_EQ(EnsurePath(w.get(), "/cfg"), proto::OK);
  Recorder rec;
  NodeCache cache(c.get(), c.events.get(), "/cfg/app", [&](const CachedNode* n) { rec.Add(n ? n->data : "<gone>"); });
  ASSERT_EQ(cache.Start(), proto::OK);
  EXPECT_FALSE(cache.Current().has_value());
  EXPECT_EQ(rec.Size(), 0u) << "absent at start is not a change";
  ASSERT_TRUE(w->Create("/cfg/app", "v1").ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Last() == "v1"; }, 3000));
  ASSERT_TRUE(w->SetData("/cfg/app", "v2").ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Last() == "v2"; }, 3000));
  EXPECT_EQ(cache.Current()->data, "v2");
  EXPECT_EQ(cache.Current()->stat.version(), 1);
  ASSERT_TRUE(w->Delete("/cfg/app").ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Last() == "<gone>"; }, 3000));
  EXPECT_FALSE(cache.Current().has_value());
  ASSERT_TRUE(w->Create("/cfg/app", "v3").ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Last() == "v3"; }, 3000));
  std::lock_guard<std::mutex> l(rec.mu);
  EXPECT_EQ(rec.seen, (std::vector<std::string>{"v1", "v2", "<gone>", "v3"}));
}

// Many quick writes: the cache ends on the last value, never reports more
// changes than writes, and keeps exactly one watch armed.
TEST_F(ConfigCacheTest, NodeCacheConvergesUnderManyWrites) {
  TestClient c = Connect(), w = Connect();
  ASSERT_TRUE(w->Create("/hot", "0").ok());
  Recorder rec;
  NodeCache cache(c.get(), c.events.get(), "/hot", [&](const CachedNode* n) { rec.Add(n ? n->data : "<gone>"); });
  ASSERT_EQ(cache.Start(), proto::OK);
  EXPECT_EQ(cache.Current()->data, "0");
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE(w->SetData("/hot", std::to_string(i)).ok());
  ASSERT_TRUE(WaitFor([&] { return cache.Current() && cache.Current()->data == "200"; }, 5000));
  EXPECT_LE(rec.Size(), 201u);
  EXPECT_EQ(rec.Last(), "200");
  EXPECT_EQ(c->CheckWatches("/hot", proto::WATCHER_DATA).code(), proto::OK);
}

std::map<std::string, std::string> ReadTree(Client* c, const std::string& root) {
  std::map<std::string, std::string> out;
  std::vector<std::string> todo{root};
  while (!todo.empty()) {
    std::string p = todo.back();
    todo.pop_back();
    auto d = c->GetData(p);
    if (!d.ok()) continue;
    out[p] = d->data();
    auto kids = c->GetChildren(p);
    for (const auto& k : kids->children()) todo.push_back(p + "/" + k);
  }
  return out;
}

std::map<std::string, std::string> CacheView(const TreeCache& t) {
  std::map<std::string, std::string> out;
  for (auto& [p, n] : t.Snapshot()) out[p] = n.data;
  return out;
}

TEST_F(ConfigCacheTest, TreeCacheMirrorsASubtree) {
  TestClient c = Connect(), w = Connect();
  ASSERT_TRUE(w->Create("/svc", "root").ok());
  ASSERT_TRUE(w->Create("/svc/db", "pg").ok());
  std::mutex mu;
  std::map<std::string, int> adds, updates, removes;
  TreeCache tree(c.get(), c.events.get(), "/svc", [&](TreeCache::Change ch, const std::string& path, const CachedNode*) {
    std::lock_guard<std::mutex> l(mu);
    (ch == TreeCache::Change::kAdded ? adds : ch == TreeCache::Change::kUpdated ? updates : removes)[path]++;
  });
  ASSERT_EQ(tree.Start(), proto::OK);
  EXPECT_EQ(CacheView(tree), ReadTree(w.get(), "/svc"));
  ASSERT_TRUE(w->Create("/svc/db/host", "10.0.0.1").ok());
  ASSERT_TRUE(w->Create("/svc/db/port", "5432").ok());
  ASSERT_TRUE(w->SetData("/svc/db", "postgres").ok());
  ASSERT_TRUE(w->Create("/svc/cache", "redis").ok());
  ASSERT_TRUE(w->Delete("/svc/db/port").ok());
  auto truth = ReadTree(w.get(), "/svc");
  ASSERT_TRUE(WaitFor([&] { return CacheView(tree) == truth; }, 3000));
  EXPECT_EQ(tree.Get("/svc/db")->data, "postgres");
  EXPECT_FALSE(tree.Get("/svc/db/port").has_value());
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(adds["/svc/db/host"], 1);
  EXPECT_EQ(adds["/svc/cache"], 1);
  EXPECT_EQ(updates["/svc/db"], 1);
  EXPECT_EQ(removes["/svc/db/port"], 1);
  EXPECT_EQ(adds["/svc"], 1);  // the initial load reports what it found
}

// Changes made while the cache's connection is cut show up once it is back.
TEST_F(ConfigCacheTest, TreeCacheCatchesUpAfterReconnect) {
  arbor::testing::TcpProxy proxy(port());
  TestClient c = Connect(4000, proxy.listen_port()), w = Connect();
  ASSERT_TRUE(w->Create("/conf", "").ok());
  ASSERT_TRUE(w->Create("/conf/mode", "a").ok());
  TreeCache tree(c.get(), c.events.get(), "/conf", nullptr);
  NodeCache node(c.get(), c.events.get(), "/conf/mode", nullptr);
  ASSERT_EQ(tree.Start(), proto::OK);
  ASSERT_EQ(node.Start(), proto::OK);
  proxy.SetBlocked(true);
  ASSERT_TRUE(WaitFor([&] { return c->state() == SessionState::kSuspended; }, 4000));
  ASSERT_TRUE(w->SetData("/conf/mode", "b").ok());
  ASSERT_TRUE(w->Create("/conf/new", "x").ok());
  EXPECT_EQ(tree.Get("/conf/mode")->data, "a");
  proxy.SetBlocked(false);
  ASSERT_TRUE(WaitFor([&] { return CacheView(tree) == ReadTree(w.get(), "/conf"); }, 5000));
  ASSERT_TRUE(WaitFor([&] { return node.Current() && node.Current()->data == "b"; }, 5000));
  EXPECT_EQ(c->state(), SessionState::kReconnected);
}

}  // namespace
}  // namespace arbor::client::recipes
