// A single arbord process on 127.0.0.1, driven over the native protocol.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

class SingleNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("arbor-single");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.data_dir = dir_ + "/data";
    spec.extra_flags = {"--min_session_timeout_ms=500", "--tick_ms=50"};
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  int port() const { return server_->spec().client_port; }
  void Connect(NativeTestClient* c, int32_t timeout_ms = 10000) {
    ASSERT_EQ(c->Connect(port(), timeout_ms).error(), proto::OK);
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

// --max_data_bytes is checked by the leader before proposing.
TEST(SingleNodeLimits, DataOverTheFlagIsRefusedBeforeItIsProposed) {
  std::string dir = MakeTempDir("arbor-limits");
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir + "/data";
  spec.extra_flags = {"--max_data_bytes=100"};
  {
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start()) << server.log_path();
    NativeTestClient c;
    ASSERT_EQ(c.Connect(spec.client_port).error(), proto::OK);
    EXPECT_EQ(c.Create("/ok", std::string(100, 'x')).error(), proto::OK);
    EXPECT_EQ(c.Create("/no", std::string(101, 'x')).error(), proto::BADARGUMENTS);
    EXPECT_EQ(c.SetData("/ok", std::string(101, 'x')).error(), proto::BADARGUMENTS);
    EXPECT_EQ(c.GetData("/ok").get_data().data(), std::string(100, 'x'));
  }
  RemoveTree(dir);
}

// The cluster's bounds on what it holds: past them creates and growing
// writes are refused with QUOTAEXCEEDED while reads and deletes work, and
// space returns after deletes (issue #15: no client can fill every disk).
TEST(SingleNodeLimits, ClusterBoundsRefuseGrowthAndFreeSpaceAfterDeletes) {
  std::string dir = MakeTempDir("arbor-bounds");
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir + "/data";
  spec.extra_flags = {"--max_znodes=20", "--max_total_data_bytes=4000"};
  {
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start()) << server.log_path();
    NativeTestClient c;
    ASSERT_EQ(c.Connect(spec.client_port).error(), proto::OK);
    int created = 0;
    proto::ErrorCode last = proto::OK;
    for (int i = 0; i < 40 && last == proto::OK; ++i) {
      last = c.Create("/n" + std::to_string(i), std::string(100, 'x')).error();
      if (last == proto::OK) ++created;
    }
    EXPECT_EQ(last, proto::QUOTAEXCEEDED);
    EXPECT_GT(created, 5);
    EXPECT_EQ(c.GetData("/n0").error(), proto::OK) << "reads go on";
    EXPECT_EQ(c.SetData("/n0", std::string(3000, 'y')).error(), proto::QUOTAEXCEEDED) << "growth is refused";
    EXPECT_EQ(c.SetData("/n0", "small").error(), proto::OK) << "shrinking is not";
    for (int i = 0; i < created; ++i) ASSERT_EQ(c.Delete("/n" + std::to_string(i)).error(), proto::OK);
    EXPECT_EQ(c.Create("/again", std::string(100, 'x')).error(), proto::OK) << "space returns after deletes";
  }
  RemoveTree(dir);
}

// Large writes are snapshotted by their bytes, long before the entry count
// is reached, so the log is compacted (issue #15: the log must not grow
// without bound between snapshots).
TEST(SingleNodeLimits, SnapshotIsTakenByLogBytesAsWellAsByEntries) {
  std::string dir = MakeTempDir("arbor-snapbytes");
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir + "/data";
  spec.extra_flags = {"--snapshot_every_entries=1000000", "--snapshot_every_log_bytes=2000000"};
  auto snapshots = [&] {
    int n = 0;
    if (DIR* d = opendir((spec.data_dir + "/snap").c_str())) {
      while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".snap") == 0) ++n;
      }
      closedir(d);
    }
    return n;
  };
  {
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start()) << server.log_path();
    NativeTestClient c;
    ASSERT_EQ(c.Connect(spec.client_port).error(), proto::OK);
    ASSERT_EQ(c.Create("/big", "").error(), proto::OK);
    EXPECT_EQ(snapshots(), 0);
    for (int i = 0; i < 6; ++i) ASSERT_EQ(c.SetData("/big", std::string(500000, 'a' + i)).error(), proto::OK);
    for (int i = 0; i < 50 && snapshots() == 0; ++i) usleep(100000);
    EXPECT_GE(snapshots(), 1) << "3 MB of entries, over --snapshot_every_log_bytes, and no snapshot";
  }
  RemoveTree(dir);
}

TEST_F(SingleNodeTest, CreateReadUpdateDelete) {
  NativeTestClient c;
  Connect(&c);
  auto r = c.Create("/app", "v1");
  ASSERT_EQ(r.error(), proto::OK);
  EXPECT_EQ(r.create().path(), "/app");
  EXPECT_EQ(c.Create("/app", "again").error(), proto::NODEEXISTS);
  r = c.GetData("/app");
  ASSERT_EQ(r.error(), proto::OK);
  EXPECT_EQ(r.get_data().data(), "v1");
  EXPECT_EQ(r.get_data().stat().version(), 0);
  EXPECT_EQ(c.SetData("/app", "v2", 0).error(), proto::OK);
  EXPECT_EQ(c.SetData("/app", "v3", 0).error(), proto::BADVERSION);
  EXPECT_EQ(c.GetData("/app").get_data().data(), "v2");
  EXPECT_EQ(c.Create("/app/child", "").error(), proto::OK);
  EXPECT_EQ(c.Delete("/app").error(), proto::NOTEMPTY);
  auto kids = c.GetChildren("/app");
  ASSERT_EQ(kids.get_children().children_size(), 1);
  EXPECT_EQ(kids.get_children().children(0), "child");
  EXPECT_EQ(c.Delete("/app/child").error(), proto::OK);
  EXPECT_EQ(c.Delete("/app", 5).error(), proto::BADVERSION);
  EXPECT_EQ(c.Delete("/app").error(), proto::OK);
  EXPECT_EQ(c.Exists("/app").error(), proto::NONODE);
  EXPECT_EQ(c.GetData("bad-path").error(), proto::BADARGUMENTS);
}

TEST_F(SingleNodeTest, SequentialAndEphemeralNodes) {
  NativeTestClient a, b;
  Connect(&a);
  Connect(&b);
  ASSERT_EQ(a.Create("/q", "").error(), proto::OK);
  auto s1 = a.Create("/q/item-", "", proto::PERSISTENT_SEQUENTIAL);
  auto s2 = a.Create("/q/item-", "", proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(s1.create().path(), "/q/item-0000000000");
  EXPECT_EQ(s2.create().path(), "/q/item-0000000001");
  auto e = a.Create("/q/eph", "", proto::EPHEMERAL);
  ASSERT_EQ(e.error(), proto::OK);
  EXPECT_EQ(b.Exists("/q/eph").exists().stat().ephemeral_owner(), a.session_id());
  EXPECT_EQ(a.Create("/q/eph/child", "").error(), proto::NOCHILDRENFOREPHEMERALS);
  EXPECT_EQ(a.CloseSession().error(), proto::OK);
  EXPECT_EQ(b.Exists("/q/eph").error(), proto::NONODE);
}

TEST_F(SingleNodeTest, MultiIsAllOrNothing) {
  NativeTestClient c;
  Connect(&c);
  proto::Request ok;
  auto* m = ok.mutable_multi();
  m->add_ops()->mutable_create()->set_path("/m1");
  m->mutable_ops(0)->mutable_create()->add_acl()->set_perms(proto::PERM_ALL);
  m->mutable_ops(0)->mutable_create()->mutable_acl(0)->mutable_id()->set_scheme("world");
  m->mutable_ops(0)->mutable_create()->mutable_acl(0)->mutable_id()->set_id("anyone");
  *m->add_ops() = m->ops(0);
  m->mutable_ops(1)->mutable_create()->set_path("/m2");
  auto r = c.Call(ok);
  ASSERT_EQ(r.error(), proto::OK);
  ASSERT_EQ(r.multi().results_size(), 2);

  proto::Request bad = ok;
  bad.mutable_multi()->mutable_ops(0)->mutable_create()->set_path("/m3");  // would succeed
  // ops(1) creates /m2 again: NODEEXISTS, so /m3 must not appear.
  r = c.Call(bad);
  EXPECT_EQ(r.error(), proto::NODEEXISTS);
  ASSERT_EQ(r.multi().results_size(), 2);
  EXPECT_EQ(r.multi().results(1).error(), proto::NODEEXISTS);
  EXPECT_EQ(c.Exists("/m3").error(), proto::NONODE);
}

TEST_F(SingleNodeTest, WatchesFireOnceForOtherClientsChanges) {
  NativeTestClient w, x;
  Connect(&w);
  Connect(&x);
  ASSERT_EQ(x.Create("/cfg", "a").error(), proto::OK);
  ASSERT_EQ(w.GetData("/cfg", /*watch=*/true).error(), proto::OK);
  ASSERT_EQ(w.GetChildren("/cfg", /*watch=*/true).error(), proto::OK);
  ASSERT_EQ(x.SetData("/cfg", "b").error(), proto::OK);
  proto::WatchEvent ev;
  ASSERT_TRUE(w.NextEvent(&ev));
  EXPECT_EQ(ev.type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(ev.path(), "/cfg");
  ASSERT_EQ(x.SetData("/cfg", "c").error(), proto::OK);  // one-shot: no second event
  ASSERT_EQ(x.Create("/cfg/k", "").error(), proto::OK);
  ASSERT_TRUE(w.NextEvent(&ev));
  EXPECT_EQ(ev.type(), proto::NODE_CHILDREN_CHANGED);
  EXPECT_FALSE(w.NextEvent(&ev, 300));
}

TEST_F(SingleNodeTest, WatchEventArrivesBeforeAResponseThatObservesTheChange) {
  NativeTestClient w, x;
  Connect(&w);
  Connect(&x);
  ASSERT_EQ(x.Create("/order", "old").error(), proto::OK);
  ASSERT_EQ(w.GetData("/order", /*watch=*/true).error(), proto::OK);
  ASSERT_EQ(x.SetData("/order", "new").error(), proto::OK);
  auto r = w.GetData("/order");
  ASSERT_EQ(r.get_data().data(), "new");
  // NativeTestClient queues events read while waiting for a response: the
  // event must already be there, i.e. it came first on the wire.
  EXPECT_EQ(w.queued_events(), 1u);
}

proto::Request Auth(const std::string& scheme, const std::string& auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(auth);
  return r;
}

// ACLs are enforced end to end: identities come from auth packets on the
// connection, travel in the log entry of each write, and reads are checked.
TEST_F(SingleNodeTest, AclsAreEnforcedWithDigestAuth) {
  NativeTestClient owner, other;
  Connect(&owner);
  Connect(&other);
  ASSERT_EQ(owner.Call(Auth("digest", "alice:secret")).error(), proto::OK);
  proto::Request create;
  create.mutable_create()->set_path("/private");
  create.mutable_create()->set_data("data");
  auto* acl = create.mutable_create()->add_acl();
  acl->set_perms(proto::PERM_ALL);
  acl->mutable_id()->set_scheme("auth");  // expands to digest:alice:<hash>
  ASSERT_EQ(owner.Call(create).error(), proto::OK);
  EXPECT_EQ(owner.GetData("/private").get_data().data(), "data");
  EXPECT_EQ(other.GetData("/private").error(), proto::NOAUTH);
  EXPECT_EQ(other.SetData("/private", "x").error(), proto::NOAUTH);
  ASSERT_EQ(other.Call(Auth("digest", "alice:wrong")).error(), proto::OK);  // a valid, useless identity
  EXPECT_EQ(other.GetData("/private").error(), proto::NOAUTH);
  ASSERT_EQ(other.Call(Auth("digest", "alice:secret")).error(), proto::OK);
  EXPECT_EQ(other.GetData("/private").error(), proto::OK);

  proto::Request who;
  who.mutable_who_am_i();
  auto w = owner.Call(who);
  ASSERT_EQ(w.error(), proto::OK);
  bool has_digest = false;
  for (const auto& id : w.who_am_i().client_info()) has_digest |= id.scheme() == "digest" && id.id() == "alice";
  EXPECT_TRUE(has_digest) << w.ShortDebugString();

  NativeTestClient bad;
  Connect(&bad);
  EXPECT_EQ(bad.Call(Auth("kerberos", "x")).error(), proto::AUTHFAILED);
  EXPECT_EQ(bad.GetData("/").error(), proto::CONNECTIONLOSS) << "the connection should close after AUTHFAILED";
}

TEST_F(SingleNodeTest, SessionExpiryRemovesEphemeralsAndNotifiesWatchers) {
  NativeTestClient owner, watcher;
  Connect(&owner, 1000);
  Connect(&watcher);
  ASSERT_EQ(owner.Create("/lock", "", proto::EPHEMERAL).error(), proto::OK);
  ASSERT_EQ(watcher.Exists("/lock", /*watch=*/true).error(), proto::OK);
  int64_t sid = owner.session_id();
  std::string pw = owner.password();
  owner.Close();  // vanish without closing the session: it must expire
  proto::WatchEvent ev;
  ASSERT_TRUE(watcher.NextEvent(&ev, 8000)) << "no NodeDeleted after the owner's session timeout";
  EXPECT_EQ(ev.type(), proto::NODE_DELETED);
  EXPECT_EQ(ev.path(), "/lock");
  NativeTestClient again;
  EXPECT_EQ(again.Connect(port(), 1000, sid, pw).error(), proto::SESSIONEXPIRED);
}

TEST_F(SingleNodeTest, SessionResumesWithIdAndPassword) {
  NativeTestClient a;
  Connect(&a, 5000);
  ASSERT_EQ(a.Create("/mine", "", proto::EPHEMERAL).error(), proto::OK);
  int64_t sid = a.session_id();
  std::string pw = a.password();
  a.Close();
  NativeTestClient b;
  EXPECT_EQ(b.Connect(port(), 5000, sid, "wrong-password-0").error(), proto::SESSIONEXPIRED);
  ASSERT_EQ(b.Connect(port(), 5000, sid, pw).error(), proto::OK);
  EXPECT_EQ(b.Exists("/mine").exists().stat().ephemeral_owner(), sid);
}

TEST_F(SingleNodeTest, RefusesClientThatSawANewerState) {
  NativeTestClient c;
  EXPECT_NE(c.Connect(port(), 5000, 0, "", /*last_zxid_seen=*/1 << 30).error(), proto::OK);
}

TEST_F(SingleNodeTest, SyncAndPipelinedRequestsAnswerInOrder) {
  NativeTestClient c;
  Connect(&c);
  std::vector<proto::Request> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(CreateRequest("/p" + std::to_string(i), ""));
    proto::Request g;
    g.mutable_get_data()->set_path("/p" + std::to_string(i));
    batch.push_back(g);  // must see the create just before it
  }
  auto out = c.CallMany(batch);
  ASSERT_EQ(out.size(), batch.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].error(), proto::OK) << "request " << i;
    if (i > 0) {
      EXPECT_GT(out[i].xid(), out[i - 1].xid());
    }
  }
  EXPECT_EQ(c.Sync("/").error(), proto::OK);
}

TEST_F(SingleNodeTest, RestartKeepsAcknowledgedData) {
  {
    NativeTestClient c;
    Connect(&c);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(c.Create("/k" + std::to_string(i), "x").error(), proto::OK);
  }
  server_->Kill();  // SIGKILL: only what was durable before each answer survives
  ASSERT_TRUE(server_->Start()) << server_->log_path();
  NativeTestClient c;
  Connect(&c);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c.GetData("/k" + std::to_string(i)).error(), proto::OK) << i;
  ASSERT_TRUE(server_->Terminate());
  ASSERT_TRUE(server_->Start()) << server_->log_path();
  NativeTestClient d;
  Connect(&d);
  EXPECT_EQ(d.GetData("/k99").get_data().data(), "x");
}

// SIGTERM keeps sessions (clients may move to another server) unless the
// server is told to close them; either way the process exits cleanly.
TEST(SingleNodeShutdownTest, SessionsSurviveSigtermUnlessAskedToClose) {
  for (bool close_sessions : {false, true}) {
    SCOPED_TRACE(close_sessions ? "--close_sessions_on_shutdown" : "default");
    std::string dir = MakeTempDir("arbor-shutdown");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.data_dir = dir + "/data";
    spec.extra_flags = {"--tick_ms=50", std::string("--close_sessions_on_shutdown=") + (close_sessions ? "true" : "false")};
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start()) << server.log_path();
    NativeTestClient c;
    ASSERT_EQ(c.Connect(spec.client_port, 30000).error(), proto::OK);
    ASSERT_EQ(c.Create("/eph", "", proto::EPHEMERAL).error(), proto::OK);
    ASSERT_TRUE(server.Terminate()) << "arbord did not exit on SIGTERM";
    ASSERT_TRUE(server.Start()) << server.log_path();
    NativeTestClient d;
    ASSERT_EQ(d.Connect(spec.client_port).error(), proto::OK);
    EXPECT_EQ(d.Exists("/eph").error(), close_sessions ? proto::NONODE : proto::OK);
    server.Kill();
    RemoveTree(dir);
  }
}

TEST_F(SingleNodeTest, MalformedFrameClosesOnlyThatConnection) {
  NativeTestClient good;
  Connect(&good);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const char junk[] = "\x00\x00\x00\x05hello";
  ASSERT_EQ(send(fd, junk, 9, MSG_NOSIGNAL), 9);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  // The server answers MARSHALLINGERROR, then closes this connection only.
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << "the connection was not closed";
  ASSERT_GT(got.size(), 4u);
  proto::ServerFrame f;
  ASSERT_TRUE(f.ParseFromString(got.substr(4)));
  EXPECT_EQ(f.response().error(), proto::MARSHALLINGERROR);
  close(fd);
  EXPECT_EQ(good.Create("/still-serving", "").error(), proto::OK);
}

}  // namespace
}  // namespace arbor::testing
