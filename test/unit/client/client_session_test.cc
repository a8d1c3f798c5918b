// Session behaviour against FakeServers: heartbeats, loss detection,
// connection loss (writes fail, reads retry), reconnect to another server
// with the same session and watches, expiry, and watch delivery.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "client/connect_string.h"
#include "test/unit/client/client_test_support.h"

namespace arbor::client::testing {
namespace {

using S = SessionState;

int Count(const std::vector<proto::Request>& reqs, proto::Request::OpCase op) {
  int n = 0;
  for (const proto::Request& r : reqs) n += r.op_case() == op;
  return n;
}

// The watcher fired exactly once (used where a one-shot watch must not repeat).
void ExpectFiredOnce(const EventLog& log) { EXPECT_EQ(log.size(), 1u) << "a one-shot watch fired more than once"; }

class ClientSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ens_ = std::make_shared<FakeEnsemble>();
    a_ = std::make_unique<FakeServer>(ens_);
    b_ = std::make_unique<FakeServer>(ens_);
  }
  void TearDown() override {
    client_.reset();
    a_->Stop();
    b_->Stop();
  }
  Client* Connect(ClientOptions o) {
    o.session_listener = log_.Listener();
    client_ = StartClient(std::move(o));
    EXPECT_TRUE(client_->WaitConnected(3000));
    return client_.get();
  }
  // The server the client is attached to, and the other one.
  FakeServer* Current() { return client_->current_server() == a_->address() ? a_.get() : b_.get(); }
  FakeServer* Other() { return Current() == a_.get() ? b_.get() : a_.get(); }

  std::shared_ptr<FakeEnsemble> ens_;
  std::unique_ptr<FakeServer> a_, b_;
  std::unique_ptr<Client> client_;
  TransitionLog log_;
};

TEST_F(ClientSessionTest, IdleSessionSendsHeartbeatsAtAThirdOfTheTimeout) {
  Client* c = Connect(FastOptions(a_->address(), 600));
  EXPECT_EQ(c->negotiated_timeout_ms(), 600);
  std::this_thread::sleep_for(std::chrono::milliseconds(750));
  // 750 ms idle at one ping per 200 ms: 3 expected; allow scheduling slack.
  EXPECT_GE(a_->pings(), 2);
  EXPECT_LE(a_->pings(), 5);
  EXPECT_EQ(c->state(), S::kConnected);
}

TEST_F(ClientSessionTest, NegotiatedTimeoutDrivesTheHeartbeat) {
  a_->set_negotiated_timeout_ms(300);
  Client* c = Connect(FastOptions(a_->address(), 5000));
  EXPECT_EQ(c->negotiated_timeout_ms(), 300);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  EXPECT_GE(a_->pings(), 3);  // every 100 ms, not every 1667 ms
}

TEST_F(ClientSessionTest, SilentServerIsAbandonedForAnotherWithTheSameSession) {
  Client* c = Connect(FastOptions(a_->address() + "," + b_->address(), 900));
  int64_t id = c->session_id();
  FakeServer* first = Current();
  first->SetHook([](const proto::Request&) { return FakeServer::Action{FakeServer::Reply::kSilent, 0}; });
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return log_.Saw(S::kSuspended); }));
  auto lost_after = std::chrono::steady_clock::now() - t0;
  // Silence is noticed after 2/3 of the timeout (600 ms), not before.
  EXPECT_GE(lost_after, std::chrono::milliseconds(500));
  ASSERT_TRUE(Eventually([&] { return c->state() == S::kReconnected; }));
  EXPECT_EQ(c->session_id(), id);
  EXPECT_NE(Current(), first);
}

TEST_F(ClientSessionTest, ConnectionLossFailsSentWritesAndRetriesSentReads) {
  Client* c = Connect(FastOptions(a_->address(), 2000));
  ASSERT_TRUE(c->Create("/k", "v1").ok());
  a_->SetHook([](const proto::Request& r) {
    bool hold = r.has_set_data() || r.has_get_data();
    return FakeServer::Action{hold ? FakeServer::Reply::kSilent : FakeServer::Reply::kAnswer, 0};
  });
  std::promise<proto::ErrorCode> write;
  std::promise<OpResult<proto::GetDataResponse>> read;
  CloseOnExit close_first(&client_);
  c->SetDataAsync("/k", "v2", -1, [&](OpResult<proto::Stat> r) { write.set_value(r.code()); });
  c->GetDataAsync("/k", nullptr, [&](OpResult<proto::GetDataResponse> r) { read.set_value(std::move(r)); });
  ASSERT_TRUE(a_->WaitUntil([&] { return Count(a_->requests(), proto::Request::kGetData) == 1; }, 2000));
  a_->SetHook(nullptr);
  a_->DropConnections();
  // The write's outcome is unknown: CONNECTIONLOSS, and it is never re-sent.
  EXPECT_EQ(write.get_future().get(), proto::CONNECTIONLOSS);
  OpResult<proto::GetDataResponse> r = read.get_future().get();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->data(), "v1");  // the held write was never applied by the fake
  std::vector<proto::Request> reqs = a_->requests();
  EXPECT_EQ(Count(reqs, proto::Request::kSetData), 1);
  EXPECT_EQ(Count(reqs, proto::Request::kGetData), 2);
  EXPECT_TRUE(log_.Saw(S::kSuspended));
  EXPECT_EQ(c->state(), S::kReconnected);
}

TEST_F(ClientSessionTest, ReadRetriesAreBounded) {
  ClientOptions o = FastOptions(a_->address(), 2000);
  o.max_read_retries = 2;
  Client* c = Connect(o);
  a_->SetHook([](const proto::Request& r) {
    return FakeServer::Action{r.has_get_data() ? FakeServer::Reply::kDrop : FakeServer::Reply::kAnswer, 0};
  });
  EXPECT_EQ(c->GetData("/").code(), proto::CONNECTIONLOSS);
  EXPECT_EQ(Count(a_->requests(), proto::Request::kGetData), 3);  // first try + 2 retries
}

TEST_F(ClientSessionTest, ReconnectCarriesSessionZxidAndReRegistersWatches) {
  Client* c = Connect(FastOptions(a_->address() + "," + b_->address(), 1500));
  ASSERT_TRUE(c->Create("/w", "").ok());
  ASSERT_TRUE(c->Create("/c", "").ok());
  EventLog data_events, persistent_events;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->GetData("/w", data_events.Watch()).ok());
  ASSERT_TRUE(c->GetChildren("/c", [](const proto::WatchEvent&) {}).ok());
  ASSERT_EQ(c->Exists("/nx", [](const proto::WatchEvent&) {}).code(), proto::NONODE);
  ASSERT_TRUE(c->AddWatch("/p", proto::ADD_WATCH_PERSISTENT, persistent_events.Watch()).ok());
  ASSERT_TRUE(c->AddWatch("/r", proto::ADD_WATCH_PERSISTENT_RECURSIVE, [](const proto::WatchEvent&) {}).ok());
  ASSERT_TRUE(c->AddAuth("digest", "user:secret").ok());
  int64_t id = c->session_id();
  std::string password = c->session_password();
  int64_t zxid = c->last_zxid_seen();
  ASSERT_GT(zxid, 0);
  FakeServer* first = Current();
  FakeServer* second = Other();
  first->Stop();  // the server dies

  ASSERT_TRUE(Eventually([&] { return c->state() == S::kReconnected; }));
  std::vector<proto::ConnectRequest> hs = second->handshakes();
  ASSERT_FALSE(hs.empty());
  EXPECT_EQ(hs.back().session_id(), id);
  EXPECT_EQ(hs.back().password(), password);
  EXPECT_EQ(hs.back().last_zxid_seen(), zxid);
  ASSERT_TRUE(second->WaitUntil([&] { return !second->requests().empty(); }, 2000));
  proto::Request first_req = second->requests().front();
  ASSERT_TRUE(first_req.has_set_watches()) << first_req.DebugString();
  const proto::SetWatchesRequest& sw = first_req.set_watches();
  EXPECT_EQ(sw.relative_zxid(), zxid);
  EXPECT_EQ(std::vector<std::string>(sw.data_watches().begin(), sw.data_watches().end()),
            std::vector<std::string>{"/w"});
  EXPECT_EQ(std::vector<std::string>(sw.child_watches().begin(), sw.child_watches().end()),
            std::vector<std::string>{"/c"});
  EXPECT_EQ(std::vector<std::string>(sw.exist_watches().begin(), sw.exist_watches().end()),
            std::vector<std::string>{"/nx"});
  EXPECT_EQ(std::vector<std::string>(sw.persistent_watches().begin(), sw.persistent_watches().end()),
            std::vector<std::string>{"/p"});
  EXPECT_EQ(std::vector<std::string>(sw.persistent_recursive_watches().begin(),
                                     sw.persistent_recursive_watches().end()),
            std::vector<std::string>{"/r"});
  // Then the credentials, as ZooKeeper's client re-sends its auth info.
  ASSERT_TRUE(second->WaitUntil([&] { return second->requests().size() >= 2; }, 2000));
  proto::Request second_req = second->requests()[1];
  ASSERT_TRUE(second_req.has_auth()) << second_req.DebugString();
  EXPECT_EQ(second_req.auth().scheme(), "digest");
  EXPECT_EQ(second_req.auth().auth(), "user:secret");
  // The watches still fire through the new server.
  second->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/w"));
  second->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/p"));
  ASSERT_TRUE(Eventually([&] { return data_events.size() == 1 && persistent_events.size() == 1; }));
  std::vector<std::pair<S, S>> want = {
      {S::kConnecting, S::kConnected}, {S::kConnected, S::kSuspended}, {S::kSuspended, S::kReconnected}};
  EXPECT_EQ(log_.Get(), want);
}

TEST_F(ClientSessionTest, RefusingServerIsSkipped) {
  // Make the first host in the (seeded) shuffled order the stale one.
  std::vector<HostPort> order = {{"127.0.0.1", a_->port()}, {"127.0.0.1", b_->port()}};
  ShuffleHosts(&order, 1);
  FakeServer* stale = order[0].port == a_->port() ? a_.get() : b_.get();
  FakeServer* good = stale == a_.get() ? b_.get() : a_.get();
  stale->set_refuse_handshakes(true);
  Client* c = Connect(FastOptions(a_->address() + "," + b_->address()));
  EXPECT_EQ(c->current_server(), good->address());
  EXPECT_EQ(stale->handshakes().size(), 1u);
  EXPECT_EQ(c->state(), S::kConnected);
}

TEST_F(ClientSessionTest, ServerThatNeverAnswersTheHandshakeIsAbandoned) {
  std::vector<HostPort> order = {{"127.0.0.1", a_->port()}, {"127.0.0.1", b_->port()}};
  ShuffleHosts(&order, 1);
  FakeServer* mute = order[0].port == a_->port() ? a_.get() : b_.get();
  FakeServer* good = mute == a_.get() ? b_.get() : a_.get();
  mute->set_ignore_handshakes(true);
  ClientOptions o = FastOptions(a_->address() + "," + b_->address(), 3000);
  o.attempt_timeout_ms = 100;
  auto t0 = std::chrono::steady_clock::now();
  Client* c = Connect(o);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(90));
  EXPECT_EQ(c->current_server(), good->address());
  EXPECT_EQ(mute->handshakes().size(), 1u);
}

TEST_F(ClientSessionTest, ExpiredSessionIsReportedAndNeverReplaced) {
  Client* c = Connect(FastOptions(a_->address()));
  int64_t id = c->session_id();
  EventLog events;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->GetData("/", events.Watch()).ok());
  ens_->Expire(id);
  a_->DropConnections();
  ASSERT_TRUE(Eventually([&] { return log_.Saw(S::kExpired); }));
  EXPECT_EQ(c->state(), S::kExpired);
  EXPECT_EQ(c->Exists("/").code(), proto::SESSIONEXPIRED);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Exactly one new-session handshake ever; the reconnect asked for the old id.
  std::vector<proto::ConnectRequest> hs = a_->handshakes();
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].session_id(), 0);
  EXPECT_EQ(hs[1].session_id(), id);
  EXPECT_EQ(a_->attached_connections(), 0);
  // Watches die with the session.
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/"));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(events.size(), 0u);
}

TEST_F(ClientSessionTest, SuspendedSessionExpiresAfterTheTimeoutWithoutServers) {
  Client* c = Connect(FastOptions(a_->address(), 600));
  a_->set_refuse_handshakes(true);
  auto t0 = std::chrono::steady_clock::now();
  a_->DropConnections();
  ASSERT_TRUE(Eventually([&] { return log_.Saw(S::kSuspended); }));
  std::promise<proto::ErrorCode> queued;
  CloseOnExit close_first(&client_);
  c->SetDataAsync("/", "x", -1, [&](OpResult<proto::Stat> r) { queued.set_value(r.code()); });
  ASSERT_TRUE(Eventually([&] { return c->state() == S::kExpired; }, 3000));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(550));
  // Never sent, and the session is gone.
  EXPECT_EQ(queued.get_future().get(), proto::SESSIONEXPIRED);
  std::vector<std::pair<S, S>> want = {
      {S::kConnecting, S::kConnected}, {S::kConnected, S::kSuspended}, {S::kSuspended, S::kExpired}};
  EXPECT_EQ(log_.Get(), want);
}

TEST_F(ClientSessionTest, RequestsWithNoServerFailAfterTheUnsentTimeout) {
  uint16_t dead_port = b_->port();
  b_->Stop();
  ClientOptions o = FastOptions("127.0.0.1:" + std::to_string(dead_port));
  o.unsent_timeout_ms = 150;
  client_ = StartClient(o);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(client_->Exists("/").code(), proto::CONNECTIONLOSS);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(140));
  EXPECT_EQ(client_->state(), S::kConnecting);
}

TEST_F(ClientSessionTest, OneShotWatchFiresOnceAndBeforeLaterAnswers) {
  Client* c = Connect(FastOptions(a_->address()));
  ASSERT_TRUE(c->Create("/n", "").ok());
  std::mutex mu;
  std::vector<std::string> order;
  ASSERT_TRUE(c->GetData("/n", [&](const proto::WatchEvent& e) {
                 std::lock_guard<std::mutex> lock(mu);
                 order.push_back("watch:" + proto::EventType_Name(e.type()));
               }).ok());
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/n"));
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/n"));  // no watch left for this one
  std::promise<void> done;
  CloseOnExit close_first(&client_);
  c->ExistsAsync("/n", nullptr, [&](OpResult<proto::Stat>) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("answer");
    done.set_value();
  });
  done.get_future().wait();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"watch:NODE_DATA_CHANGED", "answer"}));
}

TEST_F(ClientSessionTest, ExpectFiredOnceCatchesADoubleFire) {
  // The helper used above really fails when a watch fires twice.
  EventLog log;
  Watcher w = log.Watch();
  w(MakeEvent(proto::NODE_DATA_CHANGED, "/n"));
  ExpectFiredOnce(log);
  w(MakeEvent(proto::NODE_DATA_CHANGED, "/n"));
  EXPECT_NONFATAL_FAILURE(ExpectFiredOnce(log), "fired more than once");
}

TEST_F(ClientSessionTest, ExistWatchOnAMissingNodeFiresOnCreation) {
  Client* c = Connect(FastOptions(a_->address()));
  EventLog events;
  CloseOnExit close_first(&client_);
  ASSERT_EQ(c->Exists("/later", events.Watch()).code(), proto::NONODE);
  a_->SendEvent(MakeEvent(proto::NODE_CREATED, "/later"));
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/later"));
  ASSERT_TRUE(c->Sync("/").ok());
  ASSERT_TRUE(Eventually([&] { return events.size() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ExpectFiredOnce(events);
  EXPECT_EQ(events.Get()[0].type(), proto::NODE_CREATED);
}

TEST_F(ClientSessionTest, PersistentWatchesFireRepeatedlyUntilRemoved) {
  Client* c = Connect(FastOptions(a_->address()));
  EventLog p, r;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->AddWatch("/p", proto::ADD_WATCH_PERSISTENT, p.Watch()).ok());
  ASSERT_TRUE(c->AddWatch("/r", proto::ADD_WATCH_PERSISTENT_RECURSIVE, r.Watch()).ok());
  for (int i = 0; i < 3; ++i) a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/p"));
  a_->SendEvent(MakeEvent(proto::NODE_CREATED, "/r/a/b"));
  a_->SendEvent(MakeEvent(proto::NODE_DELETED, "/r"));
  ASSERT_TRUE(Eventually([&] { return p.size() == 3 && r.size() == 2; }));
  EXPECT_EQ(r.Get()[0].path(), "/r/a/b");
  EXPECT_TRUE(c->CheckWatches("/p", proto::WATCHER_PERSISTENT).ok());
  ASSERT_TRUE(c->RemoveWatches("/p", proto::WATCHER_PERSISTENT).ok());
  ASSERT_TRUE(Eventually([&] { return p.size() == 4; }));
  EXPECT_EQ(p.Get()[3].type(), proto::PERSISTENT_WATCH_REMOVED);
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/p"));
  ASSERT_TRUE(c->Sync("/").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(p.size(), 4u);
}

TEST_F(ClientSessionTest, LocalWatchRemovalWorksWithoutAServer) {
  Client* c = Connect(FastOptions(a_->address(), 3000));
  EventLog p;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->AddWatch("/p", proto::ADD_WATCH_PERSISTENT, p.Watch()).ok());
  a_->set_refuse_handshakes(true);
  a_->DropConnections();
  ASSERT_TRUE(Eventually([&] { return c->state() == S::kSuspended; }));
  // With local=true the removal does not wait for a server.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->RemoveWatches("/p", proto::WATCHER_PERSISTENT, /*local=*/true).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  ASSERT_TRUE(Eventually([&] { return p.size() == 1; }));
  EXPECT_EQ(p.Get()[0].type(), proto::PERSISTENT_WATCH_REMOVED);
}

TEST_F(ClientSessionTest, CloseTimesOutWhenTheServerNeverAnswers) {
  Client* c = Connect(FastOptions(a_->address(), 3000));
  a_->SetHook([](const proto::Request& r) {
    return FakeServer::Action{r.has_close_session() ? FakeServer::Reply::kSilent : FakeServer::Reply::kAnswer, 0};
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c->Close(100), proto::CONNECTIONLOSS);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(90));
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  EXPECT_EQ(c->state(), S::kClosed);
}

TEST_F(ClientSessionTest, SessionCanBeResumedByIdAndAGoneOneExpires) {
  Client* c = Connect(FastOptions(a_->address(), 3000));
  ClientOptions o = FastOptions(b_->address(), 3000);
  o.session_id = c->session_id();
  o.session_password = c->session_password();
  std::unique_ptr<Client> resumed = StartClient(o);
  ASSERT_TRUE(resumed->WaitConnected(2000));
  EXPECT_EQ(resumed->session_id(), c->session_id());
  EXPECT_EQ(resumed->state(), S::kConnected);
  resumed.reset();  // closes the session
  TransitionLog log;
  o.session_listener = log.Listener();
  std::unique_ptr<Client> late = StartClient(o);
  EXPECT_FALSE(late->WaitConnected(2000));
  EXPECT_EQ(late->state(), S::kExpired);
  late.reset();
  std::vector<std::pair<S, S>> want = {{S::kConnecting, S::kExpired}, {S::kExpired, S::kClosed}};
  EXPECT_EQ(log.Get(), want);
}

TEST_F(ClientSessionTest, BlockingCallsWorkFromInsideAWatcher) {
  Client* c = Connect(FastOptions(a_->address()));
  ASSERT_TRUE(c->Create("/n", "inside").ok());
  std::promise<std::string> seen;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->GetData("/n", [&](const proto::WatchEvent&) {
                 OpResult<proto::GetDataResponse> r = c->GetData("/n");  // on the event thread
                 seen.set_value(r.ok() ? r->data() : r.message());
               }).ok());
  a_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/n"));
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(f.get(), "inside");
}

}  // namespace
}  // namespace arbor::client::testing
