// Three arbord processes on 127.0.0.1: replication, failover, sessions moving.
#include <gtest/gtest.h>

#include <cstdlib>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kFastFlags = {"--tick_ms=50", "--election_ticks=10", "--min_session_timeout_ms=500"};

// The role a server last wrote to its status file ("" if unknown).
std::string RoleOf(const ServerProcess& s) {
  std::ifstream f(s.spec().data_dir + "/status");
  std::string line;
  std::getline(f, line);
  auto p = line.find("role=");
  if (p == std::string::npos) return "";
  return line.substr(p + 5, line.find(' ', p) - p - 5);
}

int FindLeader(LocalCluster& c, int timeout_ms = 10000) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    for (int i = 0; i < c.size(); ++i) {
      if (c.server(i).running() && RoleOf(c.server(i)) == "leader") return i;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

TEST(ClusterTest, WritesThroughAnyServerAreVisibleOnAll) {
  LocalCluster c(3, kFastFlags);
  ASSERT_TRUE(c.StartAll());
  std::vector<std::unique_ptr<NativeTestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<NativeTestClient>());
    ASSERT_EQ(clients.back()->Connect(c.client_port(i)).error(), proto::OK);
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(clients[static_cast<size_t>(i)]->Create("/from" + std::to_string(i), "v").error(), proto::OK);
  }
  for (auto& cl : clients) {
    ASSERT_EQ(cl->Sync("/").error(), proto::OK);  // brings this server up to the leader's commit
    for (int i = 0; i < 3; ++i) EXPECT_EQ(cl->GetData("/from" + std::to_string(i)).error(), proto::OK);
  }
}

// Servers may name each other by hostname; each dial resolves the name
// again, so a peer that moved is found once the name points at it.
TEST(ClusterTest, PeersNamedByHostnameFormACluster) {
  LocalCluster c(3, kFastFlags, /*proxied=*/false, /*zk=*/false, "localhost");
  ASSERT_TRUE(c.StartAll());
  NativeTestClient w;
  ASSERT_EQ(w.Connect(c.client_port(0)).error(), proto::OK);
  ASSERT_EQ(w.Create("/named", "x").error(), proto::OK);
  c.server(1).Kill();  // the dial to it fails and is retried with a fresh lookup
  ASSERT_TRUE(c.server(1).Start());
  NativeTestClient r;
  ASSERT_EQ(r.ConnectPatiently(c.client_port(1), 10000, 0, "", w.last_zxid()).error(), proto::OK);
  ASSERT_EQ(r.Sync("/").error(), proto::OK);
  EXPECT_EQ(r.GetData("/named").get_data().data(), "x");
}

// A write's fate never depends on a flag that may differ between servers:
// limits such as --max_data_bytes are checked once, by the leader, before
// the entry is proposed, so every replica applies the same thing.
TEST(ClusterTest, ServersWithDifferentDataLimitsNeverDiverge) {
  LocalCluster c(3, kFastFlags);
  // Server 1 alone allows only 100-byte values.
  ServerSpec small = c.server(0).spec();
  small.extra_flags.push_back("--max_data_bytes=100");
  ASSERT_TRUE(c.StartAll());
  c.server(0).Kill();
  ServerProcess restricted(small);
  ASSERT_TRUE(restricted.Start()) << restricted.log_path();
  NativeTestClient w;
  ASSERT_EQ(w.Connect(c.client_port(1)).error(), proto::OK);
  for (int i = 0; i < 6; ++i) {  // through whichever leader each election picks
    (void)w.Create("/big" + std::to_string(i), std::string(500, 'b'));
  }
  int64_t seen = w.last_zxid();
  std::vector<int> ports = {small.client_port, c.client_port(1), c.client_port(2)};
  std::vector<std::string> views;
  for (int port : ports) {
    NativeTestClient r;
    ASSERT_EQ(r.ConnectPatiently(port, 10000, 0, "", seen, 10000).error(), proto::OK);
    ASSERT_EQ(r.Sync("/").error(), proto::OK);
    std::string view;
    for (int i = 0; i < 6; ++i) view += r.Exists("/big" + std::to_string(i)).error() == proto::OK ? "1" : "0";
    views.push_back(view);
  }
  EXPECT_EQ(views[0], views[1]) << "server 1 applied the writes differently";
  EXPECT_EQ(views[1], views[2]);
}

TEST(ClusterTest, SessionMovesToAnotherServerWithItsEphemerals) {
  LocalCluster c(3, kFastFlags);
  ASSERT_TRUE(c.StartAll());
  NativeTestClient a;
  ASSERT_EQ(a.Connect(c.client_port(0), 4000).error(), proto::OK);
  ASSERT_EQ(a.Create("/owned", "", proto::EPHEMERAL).error(), proto::OK);
  int64_t sid = a.session_id();
  std::string pw = a.password();
  int64_t seen = a.last_zxid();
  a.Close();
  NativeTestClient b;
  ASSERT_EQ(b.ConnectPatiently(c.client_port(2), 4000, sid, pw, seen).error(), proto::OK);
  EXPECT_EQ(b.session_id(), sid);
  ASSERT_EQ(b.Sync("/").error(), proto::OK);
  EXPECT_EQ(b.Exists("/owned").exists().stat().ephemeral_owner(), sid);
  // Kept alive by b's traffic on server 3 for longer than its timeout.
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_EQ(b.Exists("/owned").error(), proto::OK) << "ephemeral vanished at " << i * 500 << " ms";
  }
}

// A client that moves to another server re-sends its watches with the last
// zxid it saw: watches whose node changed meanwhile fire at once, the others
// stay registered on the new server.
TEST(ClusterTest, WatchesFollowASessionToAnotherServer) {
  LocalCluster c(3, kFastFlags);
  ASSERT_TRUE(c.StartAll());
  NativeTestClient a, x;
  ASSERT_EQ(a.Connect(c.client_port(0), 5000).error(), proto::OK);
  ASSERT_EQ(x.Connect(c.client_port(1)).error(), proto::OK);
  ASSERT_EQ(a.Create("/w1", "1").error(), proto::OK);
  ASSERT_EQ(a.Create("/w2", "1").error(), proto::OK);
  ASSERT_EQ(a.GetData("/w1", true).error(), proto::OK);
  ASSERT_EQ(a.GetData("/w2", true).error(), proto::OK);
  int64_t sid = a.session_id(), seen = a.last_zxid();
  std::string pw = a.password();
  a.Close();  // disconnected: /w1 changes while the client is away
  ASSERT_EQ(x.SetData("/w1", "2").error(), proto::OK);

  NativeTestClient b;
  ASSERT_EQ(b.ConnectPatiently(c.client_port(2), 5000, sid, pw, seen).error(), proto::OK);
  proto::Request sw;
  sw.mutable_set_watches()->set_relative_zxid(seen);
  sw.mutable_set_watches()->add_data_watches("/w1");
  sw.mutable_set_watches()->add_data_watches("/w2");
  ASSERT_EQ(b.Call(sw).error(), proto::OK);
  proto::WatchEvent ev;
  ASSERT_TRUE(b.NextEvent(&ev, 3000)) << "the missed change of /w1 did not fire on re-registration";
  EXPECT_EQ(ev.type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(ev.path(), "/w1");
  ASSERT_EQ(x.SetData("/w2", "2").error(), proto::OK);
  ASSERT_TRUE(b.NextEvent(&ev, 3000)) << "the re-registered watch on /w2 did not fire";
  EXPECT_EQ(ev.path(), "/w2");
  EXPECT_FALSE(b.NextEvent(&ev, 300)) << "a one-shot watch fired twice";
}

// Over the leader's uncommitted-bytes bound, writes forwarded by a follower
// are refused with THROTTLEDOP and the follower answers its client at once:
// no request is left waiting for an entry that will never be applied.
// A leader over its uncommitted bound refuses what it cannot take: the
// follower's client gets each answer, never a hang, and never THROTTLEDOP
// (older ZooKeeper clients do not know it): refused writes answer
// CONNECTIONLOSS, which every client retries.
TEST(ClusterTest, OverloadedLeaderRefusesForwardedWritesVisibly) {
  std::vector<std::string> flags = kFastFlags;
  flags.push_back("--raft_max_uncommitted_bytes=65536");
  LocalCluster c(3, flags);
  ASSERT_TRUE(c.StartAll());
  int leader = FindLeader(c);
  ASSERT_GE(leader, 0);
  int f = (leader + 1) % 3;
  NativeTestClient w;
  ASSERT_EQ(w.Connect(c.client_port(f)).error(), proto::OK);
  std::vector<proto::Request> batch;
  for (int i = 0; i < 300; ++i) {
    batch.push_back(CreateRequest("/heavy" + std::to_string(i), std::string(16 << 10, 'h')));
  }
  auto out = w.CallMany(batch);  // each answer must arrive (15 s timeout per read)
  int ok = 0, refused = 0, other = 0;
  for (const auto& r : out) {
    if (r.error() == proto::OK) ++ok;
    else if (r.error() == proto::CONNECTIONLOSS) ++refused;
    else ++other;
  }
  std::printf("forwarded under a 64 KiB bound: %d ok, %d refused (CONNECTIONLOSS), %d other\n", ok, refused, other);
  EXPECT_EQ(out.size(), batch.size());
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0) << "the bound never refused anything: the test did not test it";
  EXPECT_EQ(other, 0) << "an answer other than OK or CONNECTIONLOSS (THROTTLEDOP is never sent)";
}

// kill -9 the leader while clients on the other servers write: a new leader
// takes over, the clients keep working, and every acknowledged write exists
// afterwards on every server (the killed one included, once it is back).
TEST(ClusterTest, LeaderKilledUnderLoadLosesNoAcknowledgedWrite) {
  LocalCluster c(3, kFastFlags);
  ASSERT_TRUE(c.StartAll());
  int leader = FindLeader(c);
  ASSERT_GE(leader, 0);
  {
    NativeTestClient setup;
    ASSERT_EQ(setup.Connect(c.client_port(leader)).error(), proto::OK);
    ASSERT_EQ(setup.Create("/load", "").error(), proto::OK);
  }
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> kill_at_ns{0}, first_write_after_kill_ns{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 3; ++i) {
    if (i == leader) continue;
    writers.emplace_back([&, i] {
      NativeTestClient w;
      while (!stop) {
        if (!w.connected() && w.Connect(c.client_port(i), 4000).error() != proto::OK) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        int64_t sent = Clock::now().time_since_epoch().count();
        auto r = w.Create("/load/n-", "x", proto::PERSISTENT_SEQUENTIAL);
        if (r.error() == proto::OK) {
          int64_t now = Clock::now().time_since_epoch().count();
          int64_t expect = 0;
          // Only a write sent after the kill shows the new leader at work.
          if (kill_at_ns != 0 && sent > kill_at_ns) first_write_after_kill_ns.compare_exchange_strong(expect, now);
          std::lock_guard<std::mutex> g(mu);
          acked.insert(r.create().path());
        } else if (r.error() == proto::CONNECTIONLOSS) {
          w.Close();  // outcome unknown: not counted as acknowledged
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill_at_ns = Clock::now().time_since_epoch().count();
  c.server(leader).Kill();
  // Run until a few seconds of writes went through the new leader (bounded).
  for (int i = 0; i < 150 && (first_write_after_kill_ns == 0 ||
                              Clock::now().time_since_epoch().count() - first_write_after_kill_ns < 2'000'000'000);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_NE(first_write_after_kill_ns.load(), 0) << "no write succeeded after the leader was killed";
  double failover_ms = static_cast<double>(first_write_after_kill_ns - kill_at_ns) / 1e6;
  std::printf("failover: first acknowledged write %.0f ms after kill -9 of the leader; %zu writes acknowledged\n",
              failover_ms, acked.size());
  RecordProperty("failover_ms", static_cast<int>(failover_ms));

  ASSERT_TRUE(c.server(leader).Start()) << c.server(leader).log_path();
  for (int i = 0; i < 3; ++i) {
    NativeTestClient r;
    ASSERT_EQ(r.Connect(c.client_port(i)).error(), proto::OK);
    ASSERT_EQ(r.Sync("/").error(), proto::OK);
    auto kids = r.GetChildren("/load");
    ASSERT_EQ(kids.error(), proto::OK);
    std::set<std::string> present;
    for (const auto& k : kids.get_children().children()) present.insert("/load/" + k);
    size_t missing = 0;
    for (const auto& p : acked) missing += present.count(p) == 0;
    EXPECT_EQ(missing, 0u) << "server " << i + 1 << " lost acknowledged writes";
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// SIGTERM on the leader hands leadership over before exiting, so writes on
// the other servers resume without waiting for an election timeout.
TEST(ClusterTest, GracefulLeaderShutdownHandsOverLeadership) {
  LocalCluster c(3, kFastFlags);
  ASSERT_TRUE(c.StartAll());
  int leader = FindLeader(c);
  ASSERT_GE(leader, 0);
  int other = (leader + 1) % 3;
  NativeTestClient w;
  ASSERT_EQ(w.Connect(c.client_port(other)).error(), proto::OK);
  ASSERT_EQ(w.Create("/before", "").error(), proto::OK);
  auto t0 = Clock::now();
  ASSERT_TRUE(c.server(leader).Terminate()) << "the leader did not exit on SIGTERM";
  // Writes may see CONNECTIONLOSS once (the leader change); then they work.
  int attempts = 0;
  proto::ErrorCode last = proto::CONNECTIONLOSS;
  while (last != proto::OK && attempts++ < 200) {
    if (!w.connected()) (void)w.Connect(c.client_port(other));
    last = w.Create("/after-" + std::to_string(attempts), "").error();
    if (last != proto::OK) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(last, proto::OK);
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("graceful leader shutdown: first write on the new leader %.0f ms after SIGTERM\n", ms);
  EXPECT_NE(ReadAll(c.server(leader).log_path()).find("leadership handed over"), std::string::npos)
      << "the old leader stopped without handing over leadership";
  EXPECT_EQ(w.Exists("/before").error(), proto::OK);
}

// A follower whose peer traffic is cut (through test-controlled proxies)
// refuses writes and sync, and never serves a state newer than its own;
// once healed it catches up.
// A follower cut off from the others stops serving within about an election
// timeout: its clients' connections close (they try other servers before
// the majority could expire their sessions), it refuses new handshakes, and
// nothing written there while cut off exists anywhere. Healed, it serves the
// majority's writes.
TEST(ClusterTest, IsolatedFollowerRefusesWritesAndSyncAndServesNothingNewer) {
  LocalCluster c(3, kFastFlags, /*proxied=*/true);
  ASSERT_TRUE(c.StartAll());
  int leader = FindLeader(c);
  ASSERT_GE(leader, 0);
  int f = (leader + 1) % 3;
  NativeTestClient on_f, on_leader;
  ASSERT_EQ(on_f.Connect(c.client_port(f), 30000).error(), proto::OK);
  ASSERT_EQ(on_leader.Connect(c.client_port(leader), 30000).error(), proto::OK);
  ASSERT_EQ(on_f.Create("/before", "").error(), proto::OK);

  c.Isolate(f, true);
  // Pings keep the session busy; the server must end the connection itself.
  auto cut_at = std::chrono::steady_clock::now();
  proto::ErrorCode during = proto::OK;
  std::vector<std::string> acked;  // committed before the cut took hold
  for (int i = 0; on_f.connected() && std::chrono::steady_clock::now() - cut_at < std::chrono::seconds(5); ++i) {
    std::string path = "/during-" + std::to_string(i);
    during = on_f.Create(path, "").error();
    if (during != proto::OK) break;
    acked.push_back(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cut_at);
  EXPECT_NE(during, proto::OK) << "the isolated follower kept taking writes for " << took.count() << " ms";
  EXPECT_LT(took.count(), 3000) << "an election timeout here is 500-1000 ms";
  NativeTestClient again;
  EXPECT_NE(again.Connect(c.client_port(f), 30000, on_f.session_id(), on_f.password()).error(), proto::OK)
      << "the isolated follower resumed a session it cannot vouch for";
  auto w = on_leader.Create("/majority", "");
  ASSERT_EQ(w.error(), proto::OK) << "the majority side must keep working";

  c.Isolate(f, false);
  proto::ErrorCode synced = proto::CONNECTIONLOSS;
  for (int i = 0; i < 50 && synced != proto::OK; ++i) {
    if (!on_f.connected()) (void)on_f.Connect(c.client_port(f), 30000, on_f.session_id(), on_f.password());
    synced = on_f.Sync("/").error();
    if (synced != proto::OK) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(synced, proto::OK);
  EXPECT_EQ(on_f.Exists("/majority").error(), proto::OK);
  for (const std::string& p : acked) EXPECT_EQ(on_f.Exists(p).error(), proto::OK) << p << " was acknowledged";
}

// A follower down while the others write far past the compaction margin can
// no longer catch up from the log: it must receive a snapshot, then the log.
TEST(ClusterTest, FarBehindFollowerCatchesUpThroughSnapshot) {
  std::vector<std::string> flags = kFastFlags;
  flags.push_back("--snapshot_every_entries=200");
  flags.push_back("--storage_compact_margin_entries=20");
  flags.push_back("--storage_compact_chunk_entries=100");
  LocalCluster c(3, flags);
  ASSERT_TRUE(c.StartAll());
  int leader = FindLeader(c);
  ASSERT_GE(leader, 0);
  int lagger = (leader + 1) % 3;
  c.server(lagger).Kill();
  NativeTestClient w;
  ASSERT_EQ(w.Connect(c.client_port(leader)).error(), proto::OK);
  ASSERT_EQ(w.Create("/big", "").error(), proto::OK);
  std::vector<proto::Request> batch;
  for (int i = 0; i < 1500; ++i) {
    batch.push_back(CreateRequest("/big/n" + std::to_string(i), std::string(100, 'd')));
  }
  for (const auto& r : w.CallMany(batch)) ASSERT_EQ(r.error(), proto::OK);
  // Give the leader time to snapshot and compact (snapshots run every tick).
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_TRUE(c.server(lagger).Start()) << c.server(lagger).log_path();
  NativeTestClient r;
  ASSERT_EQ(r.Connect(c.client_port(lagger)).error(), proto::OK);
  ASSERT_EQ(r.Sync("/").error(), proto::OK);
  auto kids = r.GetChildren("/big");
  ASSERT_EQ(kids.error(), proto::OK);
  EXPECT_EQ(kids.get_children().children_size(), 1500);
  EXPECT_NE(ReadAll(c.server(lagger).log_path()).find("installed snapshot"), std::string::npos) << "caught up without a snapshot: the test did not test it";
}

}  // namespace
}  // namespace arbor::testing
