// The SessionManager as golden interaction scripts (testdata/*.txt):
// connections, which connection carries a session, liveness on the leader
// and on followers, and the leader-contact rules that decide whether a
// server may serve its clients at all.
//
//   attach conn=1 | detach conn=1 | bind session=5 conn=1 | end session=5
//   created session=5 timeout=3000 now=0     (a committed session create)
//   touch session=5 now=100 [leader]          (a frame from its client)
//   reported sessions=5,6 now=100            (a follower's report, at the leader)
//   heartbeat-report                          (follower: what goes in the next report)
//   take-expired now=5000 | retry sessions=5 now=.. | revive session=5 now=..
//   mark-ending session=5 | became-leader now=..
//   report-sent now=.. | ack seq=1 now=.. | lose-contact
//   covers timeout=3000 now=.. [margin=100]
//   report-from id=2 now=.. | in-contact now=.. window=1000 [leader] voters=1,2,3
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "server/session/session_manager.h"
#include "test/unit/testing/datadriven.h"

namespace arbor::session {
namespace {

using arbor::testing::Command;

// Records what the manager does to a connection.
class FakeClient : public ClientHandle {
 public:
  FakeClient(uint64_t id, std::string* log) : id_(id), log_(log) {}
  uint64_t connection_id() const override { return id_; }
  int64_t session_id() const override { return session_; }
  const std::string& peer() const override { return peer_; }
  const char* protocol() const override { return "fake"; }
  size_t outstanding() const override { return 0; }
  void CompleteConnect(const proto::ConnectResponse&) override {}
  void Complete(uint64_t, proto::Response) override {}
  void SendEvent(const proto::WatchEvent&) override {}
  void Terminate(proto::ErrorCode error, const Status&) override {
    *log_ += "conn " + std::to_string(id_) + " terminated: " + proto::ErrorCode_Name(error) + "\n";
  }
  void CloseAfterNextResponse() override {}
  int64_t session_ = 0;

 private:
  uint64_t id_;
  std::string* log_;
  std::string peer_ = "10.0.0.1:4000";
};

std::vector<int64_t> Ids(const std::string& csv) {
  std::vector<int64_t> out;
  std::stringstream ss(csv);
  for (std::string id; std::getline(ss, id, ',');) out.push_back(std::stoll(id));
  return out;
}

std::string List(const std::vector<int64_t>& ids) {
  if (ids.empty()) return "none";
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

class Script {
 public:
  Script() : m_(100) {}

  std::string Run(const Command& c) {
    log_.clear();
    std::string out = Do(c);
    return log_ + out;
  }

 private:
  std::string Do(const Command& c) {
    const int64_t now = c.Int("now");
    if (c.name == "attach") {
      auto client = std::make_unique<FakeClient>(c.Int("conn"), &log_);
      m_.Attach(client.get(), {});
      clients_[c.Int("conn")] = std::move(client);
      return "ok";
    }
    if (c.name == "detach") {
      m_.Detach(clients_.at(c.Int("conn")).get());
      return "ok";
    }
    if (c.name == "bind") {
      FakeClient* client = clients_.at(c.Int("conn")).get();
      client->session_ = c.Int("session");
      m_.Bind(c.Int("session"), client);
      return "ok";
    }
    if (c.name == "end") {
      m_.End(c.Int("session"), proto::SESSIONEXPIRED);
      table_.Remove(c.Int("session"));
      return "ok";
    }
    if (c.name == "created") {
      table_.Create(c.Int("session"), static_cast<int32_t>(c.Int("timeout")), "pw");
      m_.Created(c.Int("session"), static_cast<int32_t>(c.Int("timeout")), now);
      return "deadline " + std::to_string(m_.expiry().DeadlineOf(c.Int("session")));
    }
    if (c.name == "touch") {
      m_.Touch(c.Int("session"), now, c.Has("leader"));
      return "deadline " + std::to_string(m_.expiry().DeadlineOf(c.Int("session")));
    }
    if (c.name == "reported") {
      m_.TouchReported(Ids(c.Str("sessions")), now);
      return "ok";
    }
    if (c.name == "heartbeat-report") return "report " + List(m_.TakeHeartbeatReport());
    if (c.name == "take-expired") return "expired " + List(m_.TakeExpired(now));
    if (c.name == "retry") {
      m_.RetryExpiry(Ids(c.Str("sessions")), now);
      return "ok";
    }
    if (c.name == "revive") return m_.Revive(c.Int("session"), now) ? "live" : "refused";
    if (c.name == "mark-ending") {
      m_.MarkEnding(c.Int("session"));
      return "ok";
    }
    if (c.name == "became-leader") {
      m_.BecameLeader(table_, now);
      return "ok";
    }
    if (c.name == "report-sent") return "seq " + std::to_string(m_.ReportSent(now));
    if (c.name == "ack") {
      m_.AckReceived(static_cast<uint64_t>(c.Int("seq")), now);
      return "ok";
    }
    if (c.name == "lose-contact") {
      m_.ContactLost();
      return "ok";
    }
    if (c.name == "covers") {
      return m_.Covers(static_cast<int32_t>(c.Int("timeout")), now, c.Int("margin", 100)) ? "covered" : "not covered";
    }
    if (c.name == "report-from") {
      m_.ReportReceived(static_cast<uint64_t>(c.Int("id")), now);
      return "ok";
    }
    if (c.name == "in-contact") {
      std::vector<uint64_t> voters;
      for (int64_t v : Ids(c.Str("voters", "1"))) voters.push_back(static_cast<uint64_t>(v));
      return m_.InContact(now, c.Int("window"), c.Has("leader"), 1, voters) ? "in contact" : "no contact";
    }
    ADD_FAILURE() << "unknown command " << c.name;
    return "";
  }

  SessionManager m_;
  SessionTable table_;
  std::map<int64_t, std::unique_ptr<FakeClient>> clients_;
  std::string log_;
};

class SessionGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionGolden, Script) {
  Script script;
  arbor::testing::RunScript(std::string(SESSION_TESTDATA) + "/" + GetParam() + ".txt",
                            [&](const Command& c) { return script.Run(c); });
}

INSTANTIATE_TEST_SUITE_P(Scripts, SessionGolden,
                         ::testing::Values("connections", "expiry", "leader_contact"));

}  // namespace
}  // namespace arbor::session
