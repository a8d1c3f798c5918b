// Whole-replica scenarios, one per safety promise of issue #11, each with
// its fault schedule written out (label `sim`). The generic checks of
// ClientChecker run in every scenario; each test adds what it proves.
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "test/sim/replica/replica_cluster.h"

namespace arbor::sim {
namespace {

class Quiet : public ::testing::Environment {
 public:
  void SetUp() override {
    FLAGS_minloglevel = 2;
    FLAGS_logtostderr = true;
  }
};
const auto* const kQuiet = ::testing::AddGlobalTestEnvironment(new Quiet);

ReplicaSimOptions Scripted(uint64_t seed) {
  ReplicaSimOptions o;
  o.seed = seed;
  o.faults = false;  // only the script's faults
  o.register_clients = 0;
  o.lock_clients = 0;
  const char* trace = std::getenv("ARBOR_REPLICA_SIM_TRACE");
  o.trace = trace != nullptr && *trace == '1';
  return o;
}

// Item 2: a server cut off from the majority stops serving its clients
// before the majority can expire their sessions; the lock recipe never has
// two live holders; the cut-off client's later resume is refused.
void IsolatedServerScenario(bool by_pausing_the_others) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.lock_clients = 2;
    o.session_timeout_ms = 4000;
    o.client_servers = {{3}, {1, 2}};  // A only knows server 3; B the majority
    o.fault_ms = 45000;
    o.heal_ms = 10000;
    o.script = [by_pausing_the_others](ReplicaCluster* c) {
      c->mutable_world()->At(4000, [c, by_pausing_the_others] {
        if (by_pausing_the_others) {
          c->Pause(1, 25000);
          c->Pause(2, 25000);
        } else {
          c->Isolate(3, 25000);
        }
      });
    };
    auto disconnected = std::make_shared<int64_t>(-1);
    auto expired = std::make_shared<int64_t>(-1);
    auto resumed_refused = std::make_shared<bool>(false);
    ReplicaCluster cluster(o);
    // A (client 0) must notice within its session timeout that server 3
    // stopped serving: the window during which the majority could expire it.
    cluster.mutable_world()->At(4000 + 4000, [&cluster, disconnected] {
      *disconnected = cluster.client(0)->disconnected_at();
    });
    cluster.mutable_world()->At(44000, [&cluster, expired] { *expired = cluster.client(0)->expired_at(); });
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GT(*disconnected, 4000) << "seed " << seed << ": A stayed connected to the cut-off server";
    EXPECT_GT(cluster.stats().lock_acquisitions, 2u) << "seed " << seed;
    if (!by_pausing_the_others) {
      // The majority went on: it expired A's session (B then took the lock),
      // and A's resume after the partition healed was refused.
      EXPECT_GT(*expired, 4000 + 4000) << "seed " << seed << ": A's session did not expire";
    }
    (void)resumed_refused;
  }
}

TEST(ReplicaScenario, ServerCutOffByPausedPeersStopsServingBeforeSessionsExpire) { IsolatedServerScenario(true); }
TEST(ReplicaScenario, ServerCutOffByAPartitionStopsServingBeforeSessionsExpire) { IsolatedServerScenario(false); }

// Item 4: writes forwarded on a connection that resets are ended (the
// client's connection closes: CONNECTIONLOSS, outcome unknown) rather than
// left waiting; every acknowledged write is kept (ClientChecker).
TEST(ReplicaScenario, ForwardedWritesEndWhenTheLinkToTheLeaderResets) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.register_clients = 4;
    o.session_timeout_ms = 6000;  // the client's own timeout would take 4 s
    o.fault_ms = 15000;
    o.heal_ms = 5000;
    o.script = [](ReplicaCluster* c) {
      for (int64_t t = 3000; t < 13000; t += 300) {
        c->mutable_world()->At(t, [c] {
          uint64_t leader = c->Leader();
          if (leader == 0) return;
          // The next write a follower forwards is lost with its connection.
          for (uint64_t f = 1; f <= 3; ++f) {
            if (f != leader) c->ResetAfterNextForward(f, leader);
          }
        });
      }
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GT(cluster.stats().acked_writes, 100u) << "seed " << seed;
  }
}

// Item 3: a sync issued right after a leader change, with no write since,
// is answered once the new leader's no-op applies (not at the next write).
TEST(ReplicaScenario, SyncRightAfterALeaderChangeIsAnsweredPromptly) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.probe_clients = 1;
    o.session_timeout_ms = 6000;
    o.fault_ms = 8000;
    o.heal_ms = 3000;
    auto answered_after = std::make_shared<int64_t>(-1);
    o.script = [answered_after](ReplicaCluster* c) {
      c->mutable_world()->At(3000, [c, answered_after] {
        uint64_t old_leader = c->Leader();
        ASSERT_NE(old_leader, 0u);
        c->Crash(old_leader);
        // Poll for the new leader; sync through a client connected to it.
        auto poll = std::make_shared<std::function<void()>>();
        *poll = [c, old_leader, poll, answered_after] {
          uint64_t leader = c->Leader();
          SimClient* probe = c->client(0);
          if (leader == 0 || leader == old_leader || !probe->connected()) {
            c->mutable_world()->At(5, *poll);
            return;
          }
          int64_t asked = c->mutable_world()->now();
          proto::Request sync;
          sync.mutable_sync()->set_path("/");
          probe->Call(sync, [c, asked, answered_after](const proto::Response& r) {
            if (r.error() == proto::OK) *answered_after = c->mutable_world()->now() - asked;
          });
        };
        c->mutable_world()->At(5, *poll);
      });
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GE(*answered_after, 0) << "seed " << seed << ": the sync was never answered OK";
    EXPECT_LT(*answered_after, 500) << "seed " << seed;
  }
}

// Item 5: ReadIndex contexts are unique cluster-wide: two followers issuing
// syncs at the same moment, across a leader change, both get answers.
TEST(ReplicaScenario, SyncsFromTwoServersAtOnceAreBothAnswered) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.probe_clients = 2;
    o.register_clients = 1;  // some writes between the syncs
    o.session_timeout_ms = 6000;
    o.client_servers = {{}, {1}, {2}};
    o.fault_ms = 14000;
    o.heal_ms = 4000;
    auto asked = std::make_shared<int>(0);
    auto answered = std::make_shared<int>(0);
    o.script = [asked, answered](ReplicaCluster* c) {
      for (int64_t t = 2000; t < 12000; t += 200) {
        c->mutable_world()->At(t, [c, asked, answered] {
          if (!c->client(1)->connected() || !c->client(2)->connected()) return;
          for (size_t i : {size_t{1}, size_t{2}}) {
            proto::Request sync;
            sync.mutable_sync()->set_path("/");
            ++*asked;
            c->client(i)->Call(sync, [answered](const proto::Response& r) {
              if (r.error() == proto::OK) ++*answered;
            });
          }
        });
      }
      c->mutable_world()->At(7000, [c] { c->Crash(c->Leader()); });
      c->mutable_world()->At(9000, [c] {
        for (uint64_t id = 1; id <= 3; ++id) c->Restart(id);
      });
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GT(*asked, 40) << "seed " << seed;
    // Syncs asked while the leader was down may fail; all others succeed.
    EXPECT_GE(*answered, *asked - 12) << "seed " << seed;
  }
}

// Item 8: installing a snapshot drops the watches and session-expiry entries
// of the state it replaces.
TEST(ReplicaScenario, InstalledSnapshotDropsWatchesAndExpiryEntriesOfTheOldState) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.register_clients = 4;
    o.snapshot_every_entries = 50;
    o.session_timeout_ms = 2000;
    // Client 0 watches on 3 and expires while 3 is cut off; the others keep
    // the majority writing so the leader's log moves past what 3 has.
    o.client_servers = {{3}, {1, 2}, {1, 2}, {1, 2}};
    o.fault_ms = 24000;
    o.heal_ms = 8000;
    auto checked = std::make_shared<int>(0);
    o.script = [checked](ReplicaCluster* c) {
      c->mutable_world()->At(4000, [c] { c->Isolate(3, 12000); });
      auto seen = std::make_shared<uint64_t>(0);
      for (int64_t t = 4000; t < 24000; t += 1) {
        c->mutable_world()->At(t, [c, seen, checked] {
          SimNode* n = c->node(3);
          if (!n->up() || n->replica()->snapshots_installed() == *seen) return;
          *seen = n->replica()->snapshots_installed();
          const core::Replica& r = *n->replica();
          ++*checked;
          EXPECT_EQ(r.sessions().expiry().size(), r.state().sessions().size())
              << "expiry entries of sessions the snapshot no longer has";
          for (int64_t s : r.watches().Sessions()) {
            EXPECT_TRUE(r.state().sessions().Contains(s)) << "a watch of session " << s << " that no longer exists";
          }
        });
      }
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GT(*checked, 0) << "seed " << seed << ": server 3 never installed a snapshot";
  }
}

// Item 7: a rolling restart (SIGTERM of each server in turn, the leader
// handing over leadership) never answers THROTTLEDOP (ClientChecker fails on
// it) and loses no acknowledged write.
TEST(ReplicaScenario, RollingRestartUnderLoadFailsNoRequestWithAnUnknownCode) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    ReplicaSimOptions o = Scripted(seed);
    o.register_clients = 4;
    o.fault_ms = 16000;
    o.heal_ms = 6000;
    o.script = [](ReplicaCluster* c) {
      for (uint64_t id = 1; id <= 3; ++id) {
        c->mutable_world()->At(static_cast<int64_t>(id) * 4000, [c, id] { c->GracefulRestart(id, 1000); });
      }
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << failure;
    EXPECT_GT(cluster.stats().acked_writes, 200u) << "seed " << seed;
  }
}

// A leader whose own fsync takes longer than an election timeout keeps
// leading a single-server cluster (check-quorum counts the leader itself; it
// used to wait for its own append ack and step down every election timeout).
TEST(ReplicaScenario, LeaderWithADiskSlowerThanAnElectionTimeoutKeepsLeading) {
  ReplicaSimOptions o = Scripted(1);
  o.servers = 1;
  o.register_clients = 1;
  o.fault_ms = 16000;
  o.heal_ms = 4000;
  auto term_at_6s = std::make_shared<uint64_t>(0);
  auto leader_changes = std::make_shared<int>(0);
  o.script = [term_at_6s, leader_changes](ReplicaCluster* c) {
    c->node(1)->disk().set_sync_delay_ms(1500);
    c->mutable_world()->At(6000, [c, term_at_6s] { *term_at_6s = c->node(1)->replica()->raft().term(); });
    for (int64_t t = 6000; t <= 16000; t += 50) {
      c->mutable_world()->At(t, [c, leader_changes] {
        if (!c->node(1)->replica()->raft().is_leader()) ++*leader_changes;
      });
    }
    c->mutable_world()->At(16000, [c] { c->node(1)->disk().set_sync_delay_ms(0); });
  };
  ReplicaCluster cluster(o);
  std::string failure = cluster.Run();
  ASSERT_EQ(failure, "") << failure;
  EXPECT_EQ(*leader_changes, 0) << "the leader stepped down for want of its own ack";
  EXPECT_EQ(cluster.node(1)->replica()->raft().term(), *term_at_6s);
}

}  // namespace
}  // namespace arbor::sim
