// ZooKeeper's client-side watch semantics: one-shot watches fire once and
// disappear, persistent ones stay, recursive ones see descendants.
#include "client/watch_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace arbor::client {
namespace {

proto::WatchEvent Event(proto::EventType type, const std::string& path) {
  proto::WatchEvent e;
  e.set_type(type);
  e.set_path(path);
  return e;
}

class WatchRegistryTest : public ::testing::Test {
 protected:
  Watcher Named(const std::string& name) {
    return [this, name](const proto::WatchEvent& e) { fired_.push_back(name + "@" + e.path()); };
  }
  // Triggers and runs the watchers, returning what fired.
  std::vector<std::string> Fire(proto::EventType type, const std::string& path) {
    fired_.clear();
    for (Watcher& w : reg_.Trigger(Event(type, path))) w(Event(type, path));
    return fired_;
  }

  WatchRegistry reg_;
  std::vector<std::string> fired_;
};

using Fired = std::vector<std::string>;

TEST_F(WatchRegistryTest, OneShotDataWatchFiresOnce) {
  reg_.Add(WatchKind::kData, "/a", Named("d"));
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/a"), Fired{"d@/a"});
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/a"), Fired{});
  EXPECT_EQ(reg_.size(), 0u);
}

TEST_F(WatchRegistryTest, EventsFireOnlyTheMatchingKinds) {
  reg_.Add(WatchKind::kData, "/a", Named("d"));
  reg_.Add(WatchKind::kChild, "/a", Named("c"));
  EXPECT_EQ(Fire(proto::NODE_CHILDREN_CHANGED, "/a"), Fired{"c@/a"});
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/b"), Fired{});
  EXPECT_EQ(Fire(proto::NODE_DELETED, "/a"), Fired{"d@/a"});
}

TEST_F(WatchRegistryTest, ExistWatchFiresOnCreation) {
  reg_.Add(WatchKind::kExist, "/x", Named("e"));
  EXPECT_EQ(Fire(proto::NODE_CREATED, "/x"), Fired{"e@/x"});
  EXPECT_FALSE(reg_.Has("/x", proto::WATCHER_DATA));
}

TEST_F(WatchRegistryTest, PersistentWatchFiresRepeatedlyIncludingChildEvents) {
  reg_.Add(WatchKind::kPersistent, "/p", Named("p"));
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/p"), Fired{"p@/p"});
  EXPECT_EQ(Fire(proto::NODE_CHILDREN_CHANGED, "/p"), Fired{"p@/p"});
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/p"), Fired{"p@/p"});
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/p/child"), Fired{});
  EXPECT_TRUE(reg_.Has("/p", proto::WATCHER_PERSISTENT));
}

TEST_F(WatchRegistryTest, RecursiveWatchSeesDescendantsButNotChildEvents) {
  reg_.Add(WatchKind::kPersistentRecursive, "/r", Named("r"));
  reg_.Add(WatchKind::kPersistentRecursive, "/", Named("root"));
  EXPECT_EQ(Fire(proto::NODE_CREATED, "/r/a/b"), (Fired{"r@/r/a/b", "root@/r/a/b"}));
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/r"), (Fired{"r@/r", "root@/r"}));
  EXPECT_EQ(Fire(proto::NODE_DATA_CHANGED, "/rr"), Fired{"root@/rr"});  // not a descendant of /r
  EXPECT_EQ(Fire(proto::NODE_CHILDREN_CHANGED, "/r"), Fired{});
}

TEST_F(WatchRegistryTest, RemoveReturnsWatchersWithRemovedEvents) {
  reg_.Add(WatchKind::kData, "/a", Named("d"));
  reg_.Add(WatchKind::kChild, "/a", Named("c"));
  reg_.Add(WatchKind::kPersistent, "/a", Named("p"));
  auto removed = reg_.Remove("/a", proto::WATCHER_CHILDREN);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].second.type(), proto::CHILD_WATCH_REMOVED);
  EXPECT_FALSE(reg_.Has("/a", proto::WATCHER_CHILDREN));
  EXPECT_TRUE(reg_.Has("/a", proto::WATCHER_DATA));
  removed = reg_.Remove("/a", proto::WATCHER_ANY);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(reg_.size(), 0u);
}

TEST_F(WatchRegistryTest, BoundedByMaxWatches) {
  WatchRegistry small(2);
  EXPECT_TRUE(small.Add(WatchKind::kData, "/a", nullptr));
  EXPECT_TRUE(small.Add(WatchKind::kData, "/b", nullptr));
  EXPECT_FALSE(small.Add(WatchKind::kData, "/c", nullptr));
  EXPECT_EQ(small.size(), 2u);
}

TEST_F(WatchRegistryTest, SetWatchesSplitsLargeSets) {
  for (int i = 0; i < 100; ++i) reg_.Add(WatchKind::kChild, "/node-" + std::to_string(i), nullptr);
  auto reqs = reg_.ToSetWatches(5, Chroot(), 200);
  ASSERT_GT(reqs.size(), 1u);
  int total = 0;
  for (const auto& r : reqs) {
    EXPECT_EQ(r.relative_zxid(), 5);
    total += r.child_watches_size();
  }
  EXPECT_EQ(total, 100);
}

}  // namespace
}  // namespace arbor::client
