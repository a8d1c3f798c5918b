#include "test/sim/replica/replica_cluster.h"

#include <glog/logging.h>

#include "common/byte_stream.h"

namespace arbor::sim {

namespace {
constexpr int64_t kElectionTimeoutMs = 1000;  // tick_ms 100 x election_ticks 10
}  // namespace

ReplicaCluster::ReplicaCluster(const ReplicaSimOptions& options)
    : opts_(options), world_(options.seed), checker_(&world_) {
  world_.set_tracing(opts_.trace);
  for (int i = 1; i <= opts_.servers; ++i) ids_.push_back(static_cast<uint64_t>(i));
  network_ = std::make_unique<Network>(
      &world_, ids_,
      [this](uint64_t from, uint64_t to, proto::PeerFrame&& f) {
        SimNode* n = Live(to);
        if (n == nullptr) return;
        auto frame = std::make_shared<proto::PeerFrame>(std::move(f));
        n->Run(n->incarnation(), [n, from, frame] { n->replica()->OnPeerFrame(from, std::move(*frame)); });
      },
      [this](uint64_t at, uint64_t peer) {
        SimNode* n = Live(at);
        if (n != nullptr) n->Run(n->incarnation(), [n, peer] { n->replica()->OnPeerLinkDown(peer); });
      });
  core::ServerOptions so;
  for (uint64_t id : ids_) so.peers[id] = "10.0.0." + std::to_string(id) + ":7182";
  so.tick_ms = 100;
  so.election_ticks = 10;
  so.min_session_timeout_ms = 2000;
  so.snapshot_every_entries = opts_.snapshot_every_entries;
  so.reap_interval_ms = 1000;
  for (uint64_t id : ids_) {
    so.id = id;
    so.data_dir = "sim/node" + std::to_string(id);
    so.seed = world_.rng().Next() | 1;
    nodes_.push_back(std::make_unique<SimNode>(&world_, network_.get(), id, so));
    // A small storage queue in half the runs: with slow disks it fills, and
    // the Raft driver must hold writes back rather than fail.
    if (world_.Chance(1, 2)) nodes_.back()->disk().set_queue_limit(world_.Between(1, 4));
  }
  checker_.set_healthy([this](SimClient* c, uint64_t server, int64_t window) { return Healthy(c, server, window); });
}

ReplicaCluster::~ReplicaCluster() {
  // Clients and workloads hold pointers into nodes: they go first.
  workloads_.clear();
  clients_.clear();
  nodes_.clear();
}

SimNode* ReplicaCluster::Live(uint64_t id) {
  if (id == 0 || id > nodes_.size()) return nullptr;
  SimNode* n = nodes_[id - 1].get();
  return n->up() ? n : nullptr;
}

void ReplicaCluster::Boot(uint64_t id) {
  SimNode* n = node(id);
  Status s = n->Boot();
  CHECK(s.ok()) << "server " << id << " did not start: " << s.ToString();
  n->replica()->set_apply_observer([this, id](const proto::LogEntry& e, int64_t zxid, const tree::ApplyResult& r) {
    checker_.OnApplied(id, e, zxid, r);
  });
  network_->ServerUp(id);
}

bool ReplicaCluster::Healthy(SimClient* c, uint64_t server, int64_t window) {
  SimNode* n = Live(server);
  int64_t since = world_.now() - window;
  return n != nullptr && !n->paused() && n->available_since() <= since && !c->is_cut(server) &&
         c->cut_changed_at(server) <= since;
}

void ReplicaCluster::Note(const std::string& fault) {
  world_.Trace("FAULT ", fault);
  ++stats_.faults;
  faults_.push_back("t=" + std::to_string(world_.now()) + "ms " + fault);
  if (faults_.size() > 40) faults_.erase(faults_.begin());
}

uint64_t ReplicaCluster::Leader() {
  for (uint64_t id : ids_) {
    SimNode* n = Live(id);
    if (n != nullptr && !n->paused() && n->replica()->raft().is_leader()) return id;
  }
  return 0;
}

void ReplicaCluster::Crash(uint64_t id) {
  if (!node(id)->up()) return;
  Note("crash " + std::to_string(id));
  node(id)->Crash();
  network_->ServerDown(id);
}

void ReplicaCluster::Restart(uint64_t id) {
  if (node(id)->up()) return;
  Note("restart " + std::to_string(id));
  Boot(id);
}

void ReplicaCluster::Isolate(uint64_t id, int64_t ms) {
  Note("isolate " + std::to_string(id) + " for " + std::to_string(ms) + "ms");
  for (uint64_t o : ids_) {
    if (o == id) continue;
    network_->Block(id, o);
    network_->Block(o, id);
  }
  world_.At(ms, [this] {
    Note("heal partitions");
    network_->HealAll();
  });
}

void ReplicaCluster::Pause(uint64_t id, int64_t ms) {
  SimNode* n = node(id);
  if (!n->up() || n->paused()) return;
  Note("pause " + std::to_string(id) + " for " + std::to_string(ms) + "ms");
  n->Pause(ms);
}

void ReplicaCluster::ResetLink(uint64_t a, uint64_t b) {
  Note("reset connection " + std::to_string(a) + "<->" + std::to_string(b));
  network_->ResetLink(a, b);
}

void ReplicaCluster::GracefulRestart(uint64_t id, int64_t down_ms) {
  SimNode* n = node(id);
  if (!n->up() || n->paused()) return;
  Note("SIGTERM " + std::to_string(id));
  uint64_t inc = n->incarnation();
  n->replica()->Shutdown([this, id, inc, down_ms] {
    // Runs inside the replica: the process exits right after.
    world_.At(0, [this, id, inc, down_ms] {
      if (node(id)->incarnation() != inc) return;
      Crash(id);
      world_.At(down_ms, [this, id] { Restart(id); });
    });
  });
}

void ReplicaCluster::InjectFault() {
  if (world_.now() >= opts_.fault_ms) return;
  world_.At(world_.Between(400, 2500), [this] { InjectFault(); });
  uint64_t id = ids_[world_.Uniform(ids_.size())];
  SimNode* n = node(id);
  switch (world_.Uniform(9)) {
    case 0:
      if (!opts_.crashes || !n->up()) break;
      Crash(id);
      world_.At(world_.Between(300, 5000), [this, id] { Restart(id); });
      break;
    case 1:
      // Longer than an election timeout, sometimes longer than sessions'.
      if (opts_.pauses) Pause(id, world_.Between(500, 8000));
      break;
    case 2: {
      if (!opts_.partitions) break;
      int64_t ms = world_.Between(1000, 8000);
      uint64_t kind = world_.Uniform(3);
      if (kind == 0) {
        Isolate(id, ms);
        break;
      }
      if (kind == 1) {
        Note("split halves for " + std::to_string(ms) + "ms");
        size_t half = ids_.size() / 2;
        for (size_t a = 0; a < ids_.size(); ++a) {
          for (size_t b = 0; b < ids_.size(); ++b) {
            if ((a < half) != (b < half)) network_->Block(ids_[a], ids_[b]);
          }
        }
      } else {
        uint64_t to = ids_[world_.Uniform(ids_.size())];
        if (to == id) break;
        Note("one-way " + std::to_string(id) + "->" + std::to_string(to) + " for " + std::to_string(ms) + "ms");
        network_->Block(id, to);
      }
      world_.At(ms, [this] {
        Note("heal partitions");
        network_->HealAll();
      });
      break;
    }
    case 3: {
      uint64_t other = ids_[world_.Uniform(ids_.size())];
      if (opts_.link_resets && other != id) ResetLink(id, other);
      break;
    }
    case 4: {
      if (!opts_.client_cuts || clients_.empty()) break;
      SimClient* c = clients_[world_.Uniform(clients_.size())].get();
      if (world_.Chance(1, 2)) {
        uint64_t s = c->server();
        if (s == 0) break;
        int64_t ms = world_.Between(500, 4000);
        Note("cut client " + std::to_string(c->index()) + " from " + std::to_string(s) + " for " +
             std::to_string(ms) + "ms");
        c->SetCut(s, true);
        world_.At(ms, [c, s] { c->SetCut(s, false); });
      } else {
        // From every server, often past its session timeout: the cluster
        // must expire the session, and the client learn it on return.
        int64_t ms = world_.Between(1000, 9000);
        Note("cut client " + std::to_string(c->index()) + " from every server for " + std::to_string(ms) + "ms");
        for (uint64_t s : ids_) c->SetCut(s, true);
        world_.At(ms, [this, c] {
          for (uint64_t s : ids_) c->SetCut(s, false);
        });
      }
      break;
    }
    case 5: {
      if (!opts_.slow_disks) break;
      int64_t ms = world_.Between(1000, 5000);
      Note("slow disk on " + std::to_string(id) + " for " + std::to_string(ms) + "ms");
      n->disk().set_slow(true);
      world_.At(ms, [n] { n->disk().set_slow(false); });
      break;
    }
    case 6: {
      if (!opts_.clock_skew) break;
      int64_t skew = world_.Between(-20000, 20000);
      Note("wall clock of " + std::to_string(id) + " skewed by " + std::to_string(skew) + "ms");
      n->set_skew_ms(skew);
      break;
    }
    case 7:
      if (opts_.crashes) GracefulRestart(id, world_.Between(200, 3000));
      break;
    default:
      break;  // a quiet interval
  }
}

void ReplicaCluster::HealAll() {
  Note("heal everything");
  network_->HealAll();
  for (uint64_t id : ids_) {
    if (!node(id)->up()) Boot(id);
    node(id)->disk().set_slow(false);
  }
  for (auto& c : clients_) {
    for (uint64_t id : ids_) c->SetCut(id, false);
  }
}

std::string ReplicaCluster::Run() {
  for (uint64_t id : ids_) Boot(id);
  std::vector<std::string> keys = {"/r0", "/r1", "/r2"};
  int total = opts_.register_clients + opts_.lock_clients + opts_.probe_clients;
  for (int i = 0; i < total; ++i) {
    int32_t timeout = opts_.session_timeout_ms != 0 ? opts_.session_timeout_ms
                                                    : static_cast<int32_t>(world_.Between(2000, 6000));
    std::vector<uint64_t> servers =
        static_cast<size_t>(i) < opts_.client_servers.size() && !opts_.client_servers[i].empty()
            ? opts_.client_servers[i]
            : ids_;
    clients_.push_back(std::make_unique<SimClient>(
        &world_, i, servers, [this](uint64_t id) { return Live(id); }, timeout, &checker_));
    SimClient* c = clients_.back().get();
    Workload* w = nullptr;
    if (i < opts_.register_clients) {
      workloads_.push_back(std::make_unique<RegisterWorkload>(&world_, c, &checker_, keys));
      w = workloads_.back().get();
    } else if (i < opts_.register_clients + opts_.lock_clients) {
      workloads_.push_back(std::make_unique<LockWorkload>(&world_, c, &checker_));
      w = workloads_.back().get();
    }
    // After the first election (about a second in), so clients spread over
    // the servers instead of all landing on the first one that serves.
    world_.At(world_.Between(1500, 3000), [c, w] {
      c->Start();
      if (w != nullptr) w->Start();
    });
  }
  if (opts_.script) opts_.script(this);
  if (opts_.faults) world_.At(world_.Between(1000, 2000), [this] { InjectFault(); });
  std::vector<uint64_t> done_at_heal;
  world_.At(opts_.fault_ms, [this, &done_at_heal] {
    HealAll();
    for (auto& w : workloads_) done_at_heal.push_back(w->completed());
  });
  const int64_t end = opts_.fault_ms + opts_.heal_ms;
  for (int64_t t = 0; t < end && !checker_.failed(); t += 100) {
    world_.RunUntil(std::min(end, t + 100));
    for (auto& c : clients_) checker_.CheckWaiting(c.get(), 2 * kElectionTimeoutMs + 500);
    for (uint64_t id : ids_) {
      SimNode* s = Live(id);
      if (s != nullptr && s->replica()->raft().is_leader() && id != last_leader_) {
        world_.Trace("server ", id, " is leader in term ", s->replica()->raft().term());
        last_leader_ = id;
        ++stats_.leader_changes;
      }
    }
  }
  if (!checker_.failed()) {
    for (size_t i = 0; i < workloads_.size(); ++i) {
      if (workloads_[i]->completed() <= done_at_heal[i]) {
        checker_.Fail("client " + std::to_string(i) + " completed nothing in the " + std::to_string(opts_.heal_ms) +
                      "ms after every fault healed");
        break;
      }
    }
  }
  for (auto& w : workloads_) {
    w->Stop();
    stats_.completed_ops += w->completed();
  }
  std::string final_failure = checker_.failed() ? "" : FinalChecks();
  stats_.events = world_.events();
  stats_.acked_writes = checker_.acked_writes();
  stats_.lock_acquisitions = checker_.lock_acquisitions();
  stats_.expirations = checker_.expirations();
  stats_.watch_events = checker_.events();
  if (checker_.failed()) return Report(checker_.violation());
  if (!final_failure.empty()) return Report(final_failure);
  return "";
}

std::string ReplicaCluster::FinalChecks() {
  // Quiet period: the last writes commit and every replica applies them.
  for (int i = 0; i < 50; ++i) {
    world_.RunUntil(world_.now() + 100);
    int64_t first = -1;
    bool same = true;
    for (uint64_t id : ids_) {
      int64_t applied = node(id)->replica()->state().last_applied_zxid();
      if (first < 0) first = applied;
      same = same && applied == first;
    }
    if (same && i >= 10) break;
  }
  std::string reference;
  uint64_t reference_id = 0;
  int64_t reference_zxid = -1;
  for (uint64_t id : ids_) {
    const tree::StateMachine& sm = node(id)->replica()->state();
    for (const char* key : {"/r0", "/r1", "/r2"}) {
      proto::Request get;
      get.mutable_get_data()->set_path(key);
      proto::Response r = sm.Read(get, 0, nullptr);
      if (r.error() == proto::OK) {
        checker_.FinalRead(id, key, r.get_data().stat().version(), r.get_data().data());
      }
    }
    std::string image;
    StringSink sink(&image);
    CHECK(sm.Save(&sink).ok());
    if (reference_zxid < 0) {
      reference = std::move(image);
      reference_id = id;
      reference_zxid = sm.last_applied_zxid();
    } else if (sm.last_applied_zxid() == reference_zxid && image != reference) {
      return "servers " + std::to_string(reference_id) + " and " + std::to_string(id) + " applied up to zxid " +
             std::to_string(reference_zxid) + " but hold different states";
    } else if (sm.last_applied_zxid() != reference_zxid) {
      return "server " + std::to_string(id) + " applied up to zxid " + std::to_string(sm.last_applied_zxid()) +
             " but server " + std::to_string(reference_id) + " up to " + std::to_string(reference_zxid) +
             " after 5 s of quiet";
    }
  }
  return checker_.failed() ? checker_.violation() : "";
}

std::string ReplicaCluster::Report(const std::string& what) const {
  std::string out = "seed " + std::to_string(opts_.seed) + " (" + std::to_string(opts_.servers) +
                    " servers): " + what + "\nreplay: ARBOR_REPLICA_SIM_SEED=" + std::to_string(opts_.seed) +
                    " ARBOR_REPLICA_SIM_SERVERS=" + std::to_string(opts_.servers) +
                    " ctest -R ReplicaSimReplay --output-on-failure\nfaults before it:\n";
  for (const std::string& f : faults_) out += "  " + f + "\n";
  return out;
}

}  // namespace arbor::sim
