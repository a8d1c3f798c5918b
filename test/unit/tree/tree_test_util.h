// Helpers for the state machine tests: build log entries and apply them with
// increasing zxids, the way the Raft layer will.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/byte_stream.h"
#include "server/tree/state_machine.h"

namespace arbor::tree::testing {

class Harness {
 public:
  explicit Harness(TreeOptions options = TreeOptions())
      : owned(std::make_unique<StateMachine>(std::move(options))), sm(*owned) {}
  // Continues from a loaded snapshot.
  explicit Harness(std::unique_ptr<StateMachine> loaded)
      : owned(std::move(loaded)), sm(*owned), zxid(owned->last_applied_zxid()) {}

  ApplyResult Apply(proto::LogEntry e) {
    e.set_format_version(proto::LOG_FORMAT_V1);
    if (e.time_ms() == 0) e.set_time_ms(time_ms);
    Result<ApplyResult> r = sm.Apply(e, ++zxid);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return ApplyResult();
    return std::move(r).value();
  }

  ApplyResult OpenSession(int64_t id, int32_t timeout_ms = 10000) {
    proto::LogEntry e;
    e.mutable_create_session()->set_session_id(id);
    e.mutable_create_session()->set_timeout_ms(timeout_ms);
    e.mutable_create_session()->set_password("pw");
    return Apply(e);
  }
  ApplyResult CloseSession(int64_t id) {
    proto::LogEntry e;
    e.mutable_close_session()->set_session_id(id);
    return Apply(e);
  }
  ApplyResult Expire(const std::vector<int64_t>& ids) {
    proto::LogEntry e;
    for (int64_t id : ids) e.mutable_expire_sessions()->add_session_ids(id);
    return Apply(e);
  }
  ApplyResult Reap(int64_t at_ms) {
    proto::LogEntry e;
    e.mutable_reap();
    e.set_time_ms(at_ms);
    return Apply(e);
  }
  ApplyResult Noop() {
    proto::LogEntry e;
    e.mutable_noop();
    return Apply(e);
  }
  ApplyResult Write(int64_t session, const proto::Request& req) {
    proto::LogEntry e;
    e.set_session_id(session);
    e.set_xid(req.xid());
    *e.mutable_request() = req;
    return Apply(e);
  }

  static proto::Request CreateReq(const std::string& path, const std::string& data = "",
                                  proto::CreateMode mode = proto::PERSISTENT, int64_t ttl_ms = 0) {
    proto::Request r;
    proto::CreateRequest* c = r.mutable_create();
    c->set_path(path);
    c->set_data(data);
    c->set_mode(mode);
    c->set_ttl_ms(ttl_ms);
    proto::Acl* acl = c->add_acl();
    acl->set_perms(proto::PERM_ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    return r;
  }
  ApplyResult Create(int64_t session, const std::string& path, const std::string& data = "",
                     proto::CreateMode mode = proto::PERSISTENT, int64_t ttl_ms = 0) {
    return Write(session, CreateReq(path, data, mode, ttl_ms));
  }
  ApplyResult Delete(int64_t session, const std::string& path, int32_t version = -1) {
    proto::Request r;
    r.mutable_delete_()->set_path(path);
    r.mutable_delete_()->set_version(version);
    return Write(session, r);
  }
  ApplyResult SetData(int64_t session, const std::string& path, const std::string& data,
                      int32_t version = -1) {
    proto::Request r;
    r.mutable_set_data()->set_path(path);
    r.mutable_set_data()->set_data(data);
    r.mutable_set_data()->set_version(version);
    return Write(session, r);
  }

  // Reads (no watches unless a manager is given).
  proto::Response Exists(const std::string& path, WatchManager* w = nullptr, int64_t session = 0) {
    proto::Request r;
    r.mutable_exists()->set_path(path);
    r.mutable_exists()->set_watch(w != nullptr);
    return sm.Read(r, session, w);
  }
  proto::Stat StatOf(const std::string& path) { return Exists(path).exists().stat(); }
  bool Has(const std::string& path) { return Exists(path).error() == proto::OK; }
  std::vector<std::string> Children(const std::string& path) {
    proto::Request r;
    r.mutable_get_children()->set_path(path);
    proto::Response resp = sm.Read(r, 0, nullptr);
    return {resp.get_children().children().begin(), resp.get_children().children().end()};
  }
  std::string Snapshot() const {
    std::string out;
    StringSink sink(&out);
    Status s = sm.Save(&sink);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::unique_ptr<StateMachine> owned;
  StateMachine& sm;
  int64_t zxid = 0;
  int64_t time_ms = 1000000;
};

}  // namespace arbor::tree::testing
