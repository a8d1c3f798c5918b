// The client's operations against one FakeServer: typed results, in-order
// pipelining, chroot mapping, bounds, close.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "test/unit/client/client_test_support.h"

namespace arbor::client::testing {
namespace {

class ClientOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ens_ = std::make_shared<FakeEnsemble>();
    server_ = std::make_unique<FakeServer>(ens_);
  }
  void TearDown() override {
    client_.reset();
    server_->Stop();
  }
  Client* Connect(ClientOptions o) {
    client_ = StartClient(std::move(o));
    EXPECT_TRUE(client_->WaitConnected(3000));
    return client_.get();
  }

  std::shared_ptr<FakeEnsemble> ens_;
  std::unique_ptr<FakeServer> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientOpsTest, BlockingOperationsReturnTypedResults) {
  Client* c = Connect(FastOptions(server_->address()));
  EXPECT_EQ(c->state(), SessionState::kConnected);
  EXPECT_EQ(c->session_id(), 0x1000);
  EXPECT_EQ(c->session_password(), "pw-4096");

  OpResult<proto::CreateResponse> cr = c->Create("/a", "hello");
  ASSERT_TRUE(cr.ok()) << cr.message();
  EXPECT_EQ(cr->path(), "/a");
  EXPECT_EQ(c->Create("/a", "again").code(), proto::NODEEXISTS);
  EXPECT_EQ(c->Create("/missing/b", "").code(), proto::NONODE);

  OpResult<proto::CreateResponse> seq = c->Create("/a/job-", "", proto::PERSISTENT_SEQUENTIAL);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->path(), "/a/job-0000000000");

  OpResult<proto::GetDataResponse> gd = c->GetData("/a");
  ASSERT_TRUE(gd.ok());
  EXPECT_EQ(gd->data(), "hello");
  EXPECT_EQ(gd->stat().num_children(), 1);

  OpResult<proto::Stat> sd = c->SetData("/a", "v2", 0);
  ASSERT_TRUE(sd.ok());
  EXPECT_EQ(sd->version(), 1);
  EXPECT_EQ(c->SetData("/a", "v3", 0).code(), proto::BADVERSION);

  EXPECT_TRUE(c->Exists("/a").ok());
  EXPECT_EQ(c->Exists("/nope").code(), proto::NONODE);
  OpResult<proto::GetChildrenResponse> kids = c->GetChildren("/a");
  ASSERT_TRUE(kids.ok());
  ASSERT_EQ(kids->children_size(), 1);
  EXPECT_EQ(kids->children(0), "job-0000000000");

  EXPECT_EQ(c->Delete("/a").code(), proto::NOTEMPTY);
  EXPECT_TRUE(c->Delete("/a/job-0000000000").ok());
  EXPECT_TRUE(c->Delete("/a", 1).ok());
  EXPECT_EQ(c->Delete("/a").code(), proto::NONODE);

  OpResult<std::vector<proto::Id>> who = c->WhoAmI();
  ASSERT_TRUE(who.ok());
  ASSERT_EQ(who->size(), 1u);
  EXPECT_EQ(who.value()[0].scheme(), "ip");
  EXPECT_TRUE(c->AddAuth("digest", "u:p").ok());
  EXPECT_EQ(c->GetAllChildrenNumber("/").code(), proto::UNIMPLEMENTED);  // the fake lacks it
  EXPECT_GT(c->last_zxid_seen(), 0);
}

TEST_F(ClientOpsTest, ClientRefusesBadArgumentsWithoutSending) {
  Client* c = Connect(FastOptions(server_->address()));
  size_t before = server_->requests().size();
  EXPECT_EQ(c->Create("relative", "").code(), proto::BADARGUMENTS);
  EXPECT_EQ(c->Create("/t", "", proto::PERSISTENT_WITH_TTL, OpenAclUnsafe(), 0).code(), proto::BADARGUMENTS);
  EXPECT_EQ(c->Create("/t", "", proto::PERSISTENT, OpenAclUnsafe(), 5).code(), proto::BADARGUMENTS);
  Transaction mixed;
  mixed.Create("/x", "").GetData("/x");
  EXPECT_EQ(c->Multi(mixed).code(), proto::BADARGUMENTS);
  EXPECT_EQ(c->MultiRead(mixed).code(), proto::BADARGUMENTS);
  EXPECT_EQ(server_->requests().size(), before);
  // A TTL create is sent with its ttl.
  EXPECT_TRUE(c->Create("/t", "", proto::PERSISTENT_WITH_TTL, OpenAclUnsafe(), 5000).ok());
  EXPECT_EQ(server_->requests().back().create().ttl_ms(), 5000);
}

TEST_F(ClientOpsTest, PipelinedRequestsAnswerInOrderEvenWhenTheFirstIsSlow) {
  Client* c = Connect(FastOptions(server_->address()));
  ASSERT_TRUE(c->Create("/p", "0").ok());
  std::atomic<bool> first{true};
  server_->SetHook([&](const proto::Request&) {
    FakeServer::Action a;
    if (first.exchange(false)) {
      a.reply = FakeServer::Reply::kDelay;
      a.delay_ms = 150;
    }
    return a;
  });
  constexpr int kN = 60;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> done;
  CloseOnExit close_first(&client_);
  for (int i = 0; i < kN; ++i) {
    auto record = [&, i](auto r) {
      EXPECT_TRUE(r.ok()) << i << ": " << r.message();
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      if (order.size() == kN) done.set_value();
    };
    if (i % 2 == 0) {
      c->SetDataAsync("/p", std::to_string(i), -1, record);
    } else {
      c->GetDataAsync("/p", nullptr, record);
    }
  }
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(3)), std::future_status::ready);
  for (int i = 0; i < kN; ++i) EXPECT_EQ(order[i], i);
  // All were in flight together (pipelined), with increasing positive xids.
  std::vector<proto::Request> reqs = server_->requests();
  ASSERT_GE(reqs.size(), static_cast<size_t>(kN));
  for (size_t i = reqs.size() - kN + 1; i < reqs.size(); ++i) {
    EXPECT_GT(reqs[i].xid(), reqs[i - 1].xid());
    EXPECT_GT(reqs[i].xid(), 0);
  }
}

TEST_F(ClientOpsTest, ChrootPrefixesRequestsAndStripsAnswersAndEvents) {
  {
    std::lock_guard<std::mutex> lock(ens_->mu);
    ens_->nodes["/app"] = FakeEnsemble::Node{};
  }
  Client* c = Connect(FastOptions(server_->address() + "/app"));
  OpResult<proto::CreateResponse> cr = c->Create("/x", "1", proto::EPHEMERAL);
  ASSERT_TRUE(cr.ok()) << cr.message();
  EXPECT_EQ(cr->path(), "/x");
  EXPECT_EQ(server_->requests().back().create().path(), "/app/x");
  OpResult<std::vector<std::string>> eph = c->GetEphemerals("/");
  ASSERT_TRUE(eph.ok());
  EXPECT_EQ(eph.value(), std::vector<std::string>{"/x"});
  EXPECT_EQ(server_->requests().back().get_ephemerals().prefix_path(), "/app");
  OpResult<std::string> sync = c->Sync("/x");
  EXPECT_EQ(sync.value(), "/x");
  Transaction txn;
  txn.Create("/m-", "", proto::PERSISTENT_SEQUENTIAL).SetData("/x", "2");
  OpResult<proto::MultiResponse> m = c->Multi(txn);
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->results(0).create().path(), "/m-0000000001");
  EXPECT_EQ(server_->requests().back().multi().ops(0).create().path(), "/app/m-");

  EventLog events;
  CloseOnExit close_first(&client_);
  ASSERT_TRUE(c->GetData("/x", events.Watch()).ok());
  EXPECT_EQ(server_->requests().back().get_data().path(), "/app/x");
  server_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/app/x"));
  ASSERT_TRUE(Eventually([&] { return events.size() == 1; }));
  EXPECT_EQ(events.Get()[0].path(), "/x");
}

TEST_F(ClientOpsTest, FailedMultiReportsTheFirstFailingOp) {
  Client* c = Connect(FastOptions(server_->address()));
  Transaction txn;
  txn.Create("/ok", "").Delete("/absent");
  OpResult<proto::MultiResponse> m = c->Multi(txn);
  EXPECT_EQ(m.code(), proto::NONODE);
  ASSERT_EQ(m.value().results_size(), 2);
  EXPECT_EQ(m.value().results(1).error(), proto::NONODE);
  Transaction reads;
  reads.GetData("/ok").GetData("/absent");
  OpResult<proto::MultiResponse> mr = c->MultiRead(reads);
  EXPECT_TRUE(mr.ok());  // independent reads: each carries its own code
  EXPECT_EQ(mr->results(1).error(), proto::NONODE);
  EXPECT_TRUE(server_->requests().back().multi().read_only());
}

TEST_F(ClientOpsTest, RequestsPastTheInFlightBoundAreThrottled) {
  ClientOptions o = FastOptions(server_->address());
  o.max_in_flight = 2;
  o.in_flight_wait_ms = 0;
  Client* c = Connect(o);
  server_->SetHook([](const proto::Request&) { return FakeServer::Action{FakeServer::Reply::kDelay, 200}; });
  std::promise<proto::ErrorCode> a, b, third;
  CloseOnExit close_first(&client_);
  c->ExistsAsync("/", nullptr, [&](OpResult<proto::Stat> r) { a.set_value(r.code()); });
  c->ExistsAsync("/", nullptr, [&](OpResult<proto::Stat> r) { b.set_value(r.code()); });
  c->ExistsAsync("/", nullptr, [&](OpResult<proto::Stat> r) { third.set_value(r.code()); });
  auto f3 = third.get_future();
  ASSERT_EQ(f3.wait_for(std::chrono::milliseconds(100)), std::future_status::ready);  // refused, not queued
  EXPECT_EQ(f3.get(), proto::THROTTLEDOP);
  EXPECT_EQ(a.get_future().get(), proto::OK);
  EXPECT_EQ(b.get_future().get(), proto::OK);
}

TEST_F(ClientOpsTest, SubmitterWaitsForASlotWhenAllowedTo) {
  ClientOptions o = FastOptions(server_->address());
  o.max_in_flight = 1;
  o.in_flight_wait_ms = 2000;
  Client* c = Connect(o);
  server_->SetHook([](const proto::Request&) { return FakeServer::Action{FakeServer::Reply::kDelay, 100}; });
  std::promise<proto::ErrorCode> first;
  CloseOnExit close_first(&client_);
  c->ExistsAsync("/", nullptr, [&](OpResult<proto::Stat> r) { first.set_value(r.code()); });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->Exists("/").ok());  // blocks in Submit until the first is answered
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(80));
  EXPECT_EQ(first.get_future().get(), proto::OK);
}

TEST_F(ClientOpsTest, OversizedRequestIsRefused) {
  ClientOptions o = FastOptions(server_->address());
  o.max_frame_bytes = 4096;
  Client* c = Connect(o);
  EXPECT_EQ(c->Create("/big", std::string(10000, 'x')).code(), proto::BADARGUMENTS);
  EXPECT_TRUE(c->Create("/small", std::string(1000, 'x')).ok());
  EXPECT_EQ(c->state(), SessionState::kConnected);
}

TEST_F(ClientOpsTest, OversizedAnswerDropsTheConnectionAndTheReadFailsAfterItsRetries) {
  ClientOptions o = FastOptions(server_->address(), 2000);
  o.max_frame_bytes = 4096;
  o.max_read_retries = 1;
  Client* c = Connect(o);
  ASSERT_TRUE(c->Create("/big", "").ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(c->Create("/big/" + std::string(60, 'a' + i % 26) + std::to_string(i), "").ok());
  // Each request is small; the answer (~6 KB of names) exceeds the bound.
  EXPECT_EQ(c->GetChildren("/big").code(), proto::CONNECTIONLOSS);
  int sent = 0;
  for (const proto::Request& r : server_->requests()) sent += r.has_get_children();
  EXPECT_EQ(sent, 2);  // first try + 1 retry, each cut off by the frame bound
  EXPECT_TRUE(c->Exists("/big").ok());  // the session itself is fine
}

TEST_F(ClientOpsTest, CloseEndsTheSessionAndLaterCallsFail) {
  TransitionLog log;
  ClientOptions o = FastOptions(server_->address());
  o.session_listener = log.Listener();
  Client* c = Connect(o);
  int64_t id = c->session_id();
  EXPECT_EQ(c->Close(), proto::OK);
  EXPECT_EQ(c->state(), SessionState::kClosed);
  EXPECT_TRUE(server_->requests().back().has_close_session());
  {
    std::lock_guard<std::mutex> lock(ens_->mu);
    EXPECT_EQ(ens_->sessions.count(id), 0u);
  }
  EXPECT_EQ(c->Exists("/").code(), proto::SESSIONEXPIRED);
  std::promise<proto::ErrorCode> p;
  CloseOnExit close_first(&client_);
  c->GetDataAsync("/", nullptr, [&](OpResult<proto::GetDataResponse> r) { p.set_value(r.code()); });
  EXPECT_EQ(p.get_future().get(), proto::SESSIONEXPIRED);
  EXPECT_EQ(c->Close(), proto::OK);  // idempotent
  client_.reset();
  auto t = log.Get();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1], std::make_pair(SessionState::kConnected, SessionState::kClosed));
}

TEST_F(ClientOpsTest, ManyThreadsShareOneClient) {
  Client* c = Connect(FastOptions(server_->address(), 3000));
  constexpr int kThreads = 8, kOps = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string path = "/t" + std::to_string(t);
      if (!c->Create(path, "0").ok()) ++failures;
      for (int i = 1; i <= kOps; ++i) {
        // Each thread's own writes and reads stay in its order.
        if (!c->SetData(path, std::to_string(i), i - 1).ok()) ++failures;
        OpResult<proto::GetDataResponse> r = c->GetData(path);
        if (!r.ok() || r->data() != std::to_string(i)) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c->state(), SessionState::kConnected);
}

TEST_F(ClientOpsTest, CallbacksWatchersAndListenerRunOnOneEventThread) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  auto note = [&] {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  };
  ClientOptions o = FastOptions(server_->address());
  o.session_listener = [&](SessionState, SessionState) { note(); };
  std::promise<void> answered;
  CloseOnExit close_first(&client_);
  Client* c = Connect(o);
  ASSERT_TRUE(c->Create("/e", "").ok());
  ASSERT_TRUE(c->GetData("/e", [&](const proto::WatchEvent&) { note(); }).ok());
  server_->SendEvent(MakeEvent(proto::NODE_DATA_CHANGED, "/e"));
  c->ExistsAsync("/e", nullptr, [&](OpResult<proto::Stat>) {
    note();
    answered.set_value();
  });
  answered.get_future().wait();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ids.size(), 1u);  // listener, watcher and callback: the same thread
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST_F(ClientOpsTest, AsyncOperationsCanBeFutures) {
  Client* c = Connect(FastOptions(server_->address()));
  std::future<OpResult<proto::CreateResponse>> f = AsFuture<proto::CreateResponse>(
      [&](Callback<proto::CreateResponse> cb) { c->CreateAsync("/f", "x", proto::PERSISTENT, cb); });
  std::future<OpResult<proto::Stat>> missing =
      AsFuture<proto::Stat>([&](Callback<proto::Stat> cb) { c->ExistsAsync("/nothing", nullptr, cb); });
  EXPECT_EQ(f.get().value().path(), "/f");
  EXPECT_EQ(missing.get().code(), proto::NONODE);
}

TEST_F(ClientOpsTest, HostNamesAreResolved) {
  Client* c = Connect(FastOptions("localhost:" + std::to_string(server_->port())));
  EXPECT_EQ(c->state(), SessionState::kConnected);
  EXPECT_TRUE(c->Exists("/").ok());
}

TEST_F(ClientOpsTest, BadOptionsFailAtStart) {
  ClientOptions o = FastOptions("nohost");
  EXPECT_FALSE(Client::Start(o).ok());
  o = FastOptions(server_->address());
  o.session_timeout_ms = 0;
  EXPECT_FALSE(Client::Start(o).ok());
}

}  // namespace
}  // namespace arbor::client::testing
