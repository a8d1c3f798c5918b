// The state machine as golden interaction scripts (testdata/*.txt): log
// entries in, responses, watch events and ended sessions out. Each script
// reads as a specification of one part of ZooKeeper's semantics.
//
//   session id=1 [timeout=10000]         CreateSessionOp
//   close id=1 | expire ids=1,2          session ends
//   create s=1 path=/a [data=x] [mode=ephemeral_sequential] [ttl=500]
//   set s=1 path=/a data=y [version=-1]
//   delete s=1 path=/a [version=-1]
//   get s=1 path=/a [watch]              a read (and a data watch) on this server
//   exists s=1 path=/a [watch] | children s=1 path=/a [watch]
//   reap at=<ms>                         ReapOp judged at that replicated time
//   time ms=<ms>                         the time stamped on later entries
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "server/tree/watch_manager.h"
#include "test/unit/testing/datadriven.h"
#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree::testing {
namespace {

using arbor::testing::Command;

proto::CreateMode ModeOf(const std::string& m) {
  proto::CreateMode mode = proto::PERSISTENT;
  std::string upper;
  for (char c : m) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!m.empty()) {
    EXPECT_TRUE(proto::CreateMode_Parse(upper, &mode)) << "unknown mode " << m;
  }
  return mode;
}

std::vector<int64_t> Ids(const std::string& csv) {
  std::vector<int64_t> out;
  std::stringstream ss(csv);
  for (std::string id; std::getline(ss, id, ',');) out.push_back(std::stoll(id));
  return out;
}

class Script {
 public:
  std::string Run(const Command& c) {
    if (c.name == "time") {
      h_.time_ms = c.Int("ms");
      return "ok";
    }
    if (c.name == "session") return Show(h_.OpenSession(c.Int("id"), static_cast<int32_t>(c.Int("timeout", 10000))));
    if (c.name == "close") return Show(h_.CloseSession(c.Int("id")));
    if (c.name == "expire") return Show(h_.Expire(Ids(c.Str("ids"))));
    if (c.name == "reap") return Show(h_.Reap(c.Int("at")));
    if (c.name == "create") {
      return Show(h_.Write(c.Int("s"), Harness::CreateReq(c.Str("path"), c.Str("data"), ModeOf(c.Str("mode")),
                                                           c.Int("ttl"))));
    }
    if (c.name == "set") {
      proto::Request r;
      r.mutable_set_data()->set_path(c.Str("path"));
      r.mutable_set_data()->set_data(c.Str("data"));
      r.mutable_set_data()->set_version(static_cast<int32_t>(c.Int("version", -1)));
      return Show(h_.Write(c.Int("s"), r));
    }
    if (c.name == "delete") {
      proto::Request r;
      r.mutable_delete_()->set_path(c.Str("path"));
      r.mutable_delete_()->set_version(static_cast<int32_t>(c.Int("version", -1)));
      return Show(h_.Write(c.Int("s"), r));
    }
    if (c.name == "get" || c.name == "exists" || c.name == "children") return Read(c);
    ADD_FAILURE() << "unknown command " << c.name;
    return "";
  }

 private:
  std::string Read(const Command& c) {
    proto::Request r;
    bool watch = c.Has("watch");
    if (c.name == "get") {
      r.mutable_get_data()->set_path(c.Str("path"));
      r.mutable_get_data()->set_watch(watch);
    } else if (c.name == "exists") {
      r.mutable_exists()->set_path(c.Str("path"));
      r.mutable_exists()->set_watch(watch);
    } else {
      r.mutable_get_children()->set_path(c.Str("path"));
      r.mutable_get_children()->set_watch(watch);
    }
    proto::Response resp = h_.sm.Read(r, c.Int("s"), &watches_);
    std::string out = proto::ErrorCode_Name(resp.error());
    if (resp.error() != proto::OK) return out;
    if (resp.has_get_data()) out += " data=" + resp.get_data().data() + Stat(resp.get_data().stat());
    if (resp.has_exists()) out += Stat(resp.exists().stat());
    if (resp.has_get_children()) {
      out += " children=";
      std::vector<std::string> kids(resp.get_children().children().begin(), resp.get_children().children().end());
      std::sort(kids.begin(), kids.end());
      for (size_t i = 0; i < kids.size(); ++i) out += (i ? "," : "") + kids[i];
    }
    return out;
  }

  static std::string Stat(const proto::Stat& st) {
    return " version=" + std::to_string(st.version()) + " cversion=" + std::to_string(st.cversion()) +
           " czxid=" + std::to_string(st.czxid()) + " mzxid=" + std::to_string(st.mzxid()) +
           (st.ephemeral_owner() > 0 ? " owner=" + std::to_string(st.ephemeral_owner()) : "");
  }

  std::string Show(const ApplyResult& r) {
    std::string out = "zxid " + std::to_string(h_.zxid) + ": " + proto::ErrorCode_Name(r.response.error());
    if (r.response.has_create()) out += " path=" + r.response.create().path();
    if (r.response.has_set_data()) out += Stat(r.response.set_data().stat());
    std::vector<SessionEvent> events;
    watches_.Fire(r.triggers, &events);
    for (const WatchTrigger& t : r.triggers) {
      out += "\ntrigger " + proto::EventType_Name(t.type) + " " + t.path;
    }
    for (const SessionEvent& e : events) {
      out += "\nevent to session " + std::to_string(e.session_id) + ": " + proto::EventType_Name(e.event.type()) +
             " " + e.event.path();
    }
    for (int64_t s : r.ended_sessions) {
      watches_.RemoveSession(s);
      out += "\nended session " + std::to_string(s);
    }
    return out;
  }

  Harness h_;
  WatchManager watches_;
};

class TreeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TreeGolden, Script) {
  Script script;
  arbor::testing::RunScript(std::string(TREE_TESTDATA) + "/" + GetParam() + ".txt",
                            [&](const Command& c) { return script.Run(c); });
}

INSTANTIATE_TEST_SUITE_P(Scripts, TreeGolden,
                         ::testing::Values("crud_and_versions", "sequential_numbering", "ephemerals_and_expiry",
                                           "watches", "containers_and_ttl"));

}  // namespace
}  // namespace arbor::tree::testing
