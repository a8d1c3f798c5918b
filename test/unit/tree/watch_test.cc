// Watch rules: one-shot data / exist / child watches, persistent and
// persistent-recursive watches, one event per session per trigger, removal.
#include <gtest/gtest.h>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;
constexpr int64_t kWriter = 1;
constexpr int64_t kA = 10;
constexpr int64_t kB = 11;

class TreeWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int64_t s : {kWriter, kA, kB}) ASSERT_EQ(h.OpenSession(s).response.error(), proto::OK);
  }
  // Applies a result's triggers and returns the events as "session type path".
  std::vector<std::string> Fire(const ApplyResult& r) {
    std::vector<SessionEvent> events;
    w.Fire(r.triggers, &events);
    std::vector<std::string> out;
    for (const SessionEvent& e : events) {
      EXPECT_EQ(e.event.state(), proto::SYNC_CONNECTED);
      EXPECT_EQ(e.event.zxid(), h.zxid);
      out.push_back(std::to_string(e.session_id) + " " + proto::EventType_Name(e.event.type()) + " " +
                    e.event.path());
    }
    return out;
  }
  proto::Response GetData(const std::string& path, int64_t session) {
    proto::Request r;
    r.mutable_get_data()->set_path(path);
    r.mutable_get_data()->set_watch(true);
    return h.sm.Read(r, session, &w);
  }
  proto::Response GetChildren(const std::string& path, int64_t session) {
    proto::Request r;
    r.mutable_get_children()->set_path(path);
    r.mutable_get_children()->set_watch(true);
    return h.sm.Read(r, session, &w);
  }
  proto::Response AddWatch(const std::string& path, int64_t session, bool recursive) {
    proto::Request r;
    r.mutable_add_watch()->set_path(path);
    r.mutable_add_watch()->set_mode(recursive ? proto::ADD_WATCH_PERSISTENT_RECURSIVE
                                              : proto::ADD_WATCH_PERSISTENT);
    return h.sm.Read(r, session, &w);
  }
  using V = std::vector<std::string>;
  Harness h;
  WatchManager w;
};

TEST_F(TreeWatchTest, DataWatchFiresOnceOnSetData) {
  ASSERT_EQ(h.Create(kWriter, "/a").response.error(), proto::OK);
  ASSERT_EQ(GetData("/a", kA).error(), proto::OK);
  EXPECT_EQ(Fire(h.SetData(kWriter, "/a", "1")), V{"10 NODE_DATA_CHANGED /a"});
  EXPECT_EQ(Fire(h.SetData(kWriter, "/a", "2")), V{}) << "one-shot";
}

TEST_F(TreeWatchTest, ExistWatchOnMissingNodeFiresNodeCreated) {
  EXPECT_EQ(h.Exists("/new", &w, kA).error(), proto::NONODE);
  EXPECT_EQ(Fire(h.Create(kWriter, "/new")), V{"10 NODE_CREATED /new"});
  EXPECT_EQ(Fire(h.Delete(kWriter, "/new")), V{});
}

TEST_F(TreeWatchTest, ExistsOnExistingNodeIsADataWatch) {
  ASSERT_EQ(h.Create(kWriter, "/a").response.error(), proto::OK);
  EXPECT_EQ(h.Exists("/a", &w, kA).error(), proto::OK);
  EXPECT_EQ(Fire(h.Delete(kWriter, "/a")), V{"10 NODE_DELETED /a"});
}

TEST_F(TreeWatchTest, GetDataOnMissingNodeSetsNoWatch) {
  EXPECT_EQ(GetData("/nope", kA).error(), proto::NONODE);
  EXPECT_EQ(GetChildren("/nope", kA).error(), proto::NONODE);
  EXPECT_EQ(Fire(h.Create(kWriter, "/nope")), V{});
}

TEST_F(TreeWatchTest, ChildWatchFiresOnceOnChildCreateOrDelete) {
  ASSERT_EQ(h.Create(kWriter, "/p").response.error(), proto::OK);
  ASSERT_EQ(GetChildren("/p", kA).error(), proto::OK);
  EXPECT_EQ(Fire(h.SetData(kWriter, "/p", "x")), V{}) << "data changes do not fire child watches";
  EXPECT_EQ(Fire(h.Create(kWriter, "/p/c")), V{"10 NODE_CHILDREN_CHANGED /p"});
  EXPECT_EQ(Fire(h.Create(kWriter, "/p/d")), V{});
  ASSERT_EQ(GetChildren("/p", kA).error(), proto::OK);
  EXPECT_EQ(Fire(h.Delete(kWriter, "/p/c")), V{"10 NODE_CHILDREN_CHANGED /p"});
}

TEST_F(TreeWatchTest, DeleteFiresNodeDeletedOncePerSessionForDataAndChildWatches) {
  ASSERT_EQ(h.Create(kWriter, "/a").response.error(), proto::OK);
  ASSERT_EQ(GetData("/a", kA).error(), proto::OK);
  ASSERT_EQ(GetChildren("/a", kA).error(), proto::OK);
  ASSERT_EQ(GetChildren("/a", kB).error(), proto::OK);
  ASSERT_EQ(GetChildren("/", kB).error(), proto::OK);
  EXPECT_EQ(Fire(h.Delete(kWriter, "/a")),
            (V{"10 NODE_DELETED /a", "11 NODE_DELETED /a", "11 NODE_CHILDREN_CHANGED /"}));
  EXPECT_EQ(w.KindsOf("/a", kA), 0);
  EXPECT_EQ(w.path_count(), 0u) << "fired one-shot watches are gone";
}

TEST_F(TreeWatchTest, PersistentWatchFiresRepeatedlyIncludingChildEvents) {
  EXPECT_EQ(AddWatch("/p", kA, false).error(), proto::OK);
  EXPECT_EQ(Fire(h.Create(kWriter, "/p")), V{"10 NODE_CREATED /p"});
  EXPECT_EQ(Fire(h.SetData(kWriter, "/p", "1")), V{"10 NODE_DATA_CHANGED /p"});
  EXPECT_EQ(Fire(h.SetData(kWriter, "/p", "2")), V{"10 NODE_DATA_CHANGED /p"});
  EXPECT_EQ(Fire(h.Create(kWriter, "/p/c")), V{"10 NODE_CHILDREN_CHANGED /p"});
  EXPECT_EQ(Fire(h.Create(kWriter, "/p/c/deeper")), V{}) << "not recursive";
  EXPECT_EQ(Fire(h.Delete(kWriter, "/p/c/deeper")), V{});
  EXPECT_EQ(Fire(h.Delete(kWriter, "/p/c")), V{"10 NODE_CHILDREN_CHANGED /p"});
  EXPECT_EQ(Fire(h.Delete(kWriter, "/p")), V{"10 NODE_DELETED /p"});
  EXPECT_EQ(Fire(h.Create(kWriter, "/p")), V{"10 NODE_CREATED /p"}) << "survives deletion";
}

TEST_F(TreeWatchTest, RecursiveWatchCoversDeepPathsWithoutChildEvents) {
  EXPECT_EQ(AddWatch("/r", kA, true).error(), proto::OK);
  EXPECT_EQ(Fire(h.Create(kWriter, "/r")), V{"10 NODE_CREATED /r"});
  std::string path = "/r";
  for (int depth = 1; depth <= 20; ++depth) {
    path += "/d" + std::to_string(depth);
    EXPECT_EQ(Fire(h.Create(kWriter, path)), V{"10 NODE_CREATED " + path}) << "no NodeChildrenChanged";
  }
  EXPECT_EQ(Fire(h.SetData(kWriter, path, "x")), V{"10 NODE_DATA_CHANGED " + path});
  EXPECT_EQ(Fire(h.SetData(kWriter, path, "y")), V{"10 NODE_DATA_CHANGED " + path}) << "persistent";
  EXPECT_EQ(Fire(h.Delete(kWriter, path)), V{"10 NODE_DELETED " + path});
  EXPECT_EQ(Fire(h.Create(kWriter, "/rx")), V{}) << "a sibling sharing the prefix is not below /r";
  ASSERT_EQ(h.Create(kWriter, "/other").response.error(), proto::OK);
}

TEST_F(TreeWatchTest, SessionGetsOneEventPerTriggerWhateverItHolds) {
  ASSERT_EQ(h.Create(kWriter, "/x").response.error(), proto::OK);
  ASSERT_EQ(GetData("/x", kA).error(), proto::OK);
  ASSERT_EQ(AddWatch("/x", kA, false).error(), proto::OK);
  ASSERT_EQ(AddWatch("/x", kA, true).error(), proto::OK);
  ASSERT_EQ(AddWatch("/", kA, true).error(), proto::OK);
  EXPECT_EQ(Fire(h.SetData(kWriter, "/x", "1")), V{"10 NODE_DATA_CHANGED /x"});
  EXPECT_EQ(w.KindsOf("/x", kA), WatchManager::kPersistent | WatchManager::kRecursive)
      << "the one-shot part was consumed, the persistent ones stay";
}

TEST_F(TreeWatchTest, RemoveAndCheckWatchesByType) {
  ASSERT_EQ(h.Create(kWriter, "/a").response.error(), proto::OK);
  ASSERT_EQ(GetData("/a", kA).error(), proto::OK);
  ASSERT_EQ(GetChildren("/a", kA).error(), proto::OK);
  auto call = [&](bool remove, proto::WatcherType type) {
    proto::Request r;
    if (remove) {
      r.mutable_remove_watches()->set_path("/a");
      r.mutable_remove_watches()->set_type(type);
    } else {
      r.mutable_check_watches()->set_path("/a");
      r.mutable_check_watches()->set_type(type);
    }
    return h.sm.Read(r, kA, &w).error();
  };
  EXPECT_EQ(call(false, proto::WATCHER_DATA), proto::OK);
  EXPECT_EQ(call(false, proto::WATCHER_PERSISTENT), proto::NOWATCHER);
  EXPECT_EQ(call(true, proto::WATCHER_DATA), proto::OK);
  EXPECT_EQ(call(false, proto::WATCHER_DATA), proto::NOWATCHER);
  EXPECT_EQ(call(true, proto::WATCHER_DATA), proto::NOWATCHER) << "the server answers NOWATCHER";
  EXPECT_EQ(call(false, proto::WATCHER_CHILDREN), proto::OK);
  EXPECT_EQ(Fire(h.SetData(kWriter, "/a", "x")), V{}) << "the data watch was removed";
  EXPECT_EQ(call(true, proto::WATCHER_ANY), proto::OK);
  EXPECT_EQ(Fire(h.Create(kWriter, "/a/c")), V{}) << "ANY removed the child watch too";
  EXPECT_EQ(call(true, proto::WATCHER_TYPE_UNSPECIFIED), proto::BADARGUMENTS);
}

TEST_F(TreeWatchTest, SessionWatchesVanishWhenTheSessionEnds) {
  ASSERT_EQ(h.Create(kWriter, "/a").response.error(), proto::OK);
  ASSERT_EQ(GetData("/a", kA).error(), proto::OK);
  ASSERT_EQ(AddWatch("/", kA, true).error(), proto::OK);
  ASSERT_EQ(GetData("/a", kB).error(), proto::OK);
  ApplyResult closed = h.CloseSession(kA);
  for (int64_t s : closed.ended_sessions) w.RemoveSession(s);
  EXPECT_EQ(w.session_count(), 1u);
  EXPECT_EQ(Fire(h.SetData(kWriter, "/a", "x")), V{"11 NODE_DATA_CHANGED /a"});
  EXPECT_EQ(w.path_count(), 0u);
}

TEST_F(TreeWatchTest, SetWatchesFiresWhatChangedSinceRelativeZxid) {
  ASSERT_EQ(h.Create(kWriter, "/same").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kWriter, "/changed").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kWriter, "/gone").response.error(), proto::OK);
  const int64_t seen = h.zxid;
  ASSERT_EQ(h.SetData(kWriter, "/changed", "x").response.error(), proto::OK);
  ASSERT_EQ(h.Delete(kWriter, "/gone").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kWriter, "/born").response.error(), proto::OK);
  proto::SetWatchesRequest req;
  req.set_relative_zxid(seen);
  for (const char* p : {"/same", "/changed", "/gone"}) req.add_data_watches(p);
  req.add_exist_watches("/born");
  req.add_exist_watches("/unborn");
  req.add_child_watches("/");
  std::vector<proto::WatchEvent> fired;
  h.sm.SetWatches(req, kA, &w, &fired);
  std::vector<std::string> got;
  for (const auto& e : fired) got.push_back(proto::EventType_Name(e.type()) + " " + e.path());
  EXPECT_EQ(got, (V{"NODE_DATA_CHANGED /changed", "NODE_DELETED /gone", "NODE_CREATED /born",
                    "NODE_CHILDREN_CHANGED /"}));
  EXPECT_EQ(w.KindsOf("/same", kA), WatchManager::kData);
  EXPECT_EQ(w.KindsOf("/unborn", kA), WatchManager::kData);
}

// A session watches at most N paths: a new path past it is refused (Full),
// a path it already watches is not, and a fired one-shot watch frees room.
TEST(WatchManagerBound, PathsPerSessionAreBounded) {
  WatchManager w;
  w.set_max_paths_per_session(2);
  w.AddDataWatch("/a", 1);
  w.AddChildWatch("/b", 1);
  EXPECT_TRUE(w.Full("/c", 1));
  EXPECT_FALSE(w.Full("/a", 1)) << "a watched path adds nothing";
  EXPECT_FALSE(w.Full("/c", 2)) << "another session has its own bound";
  w.AddDataWatch("/c", 1);  // dropped and counted
  EXPECT_EQ(w.KindsOf("/c", 1), 0);
  EXPECT_EQ(w.refused_total(), 1u);
  w.AddChildWatch("/a", 1);
  EXPECT_EQ(w.KindsOf("/a", 1), WatchManager::kData | WatchManager::kChild);
  std::vector<SessionEvent> fired;
  w.Fire({WatchTrigger{"/b", proto::NODE_CHILDREN_CHANGED, 1}}, &fired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_FALSE(w.Full("/c", 1)) << "the fired watch made room";
}

}  // namespace
}  // namespace arbor::tree
