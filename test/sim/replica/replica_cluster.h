// A seeded run of whole Arbor replicas (core::Replica with its Raft driver,
// state machine, sessions, watches and write router) with simulated clients,
// under random faults: crashes and restarts, pauses longer than the election
// and session timeouts, partitions (one server, halves, one way), peer
// connection resets, client-server cuts, slow disks and wall-clock skew.
// Then every fault heals and the run checks that the cluster recovers and
// that all replicas agree. ClientChecker judges what the clients saw.
//
// Everything random comes from the seed: ARBOR_REPLICA_SIM_SEED=<n> replays
// one run exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "test/sim/replica/client_checker.h"
#include "test/sim/replica/sim_client.h"
#include "test/sim/replica/sim_network.h"
#include "test/sim/replica/sim_node.h"
#include "test/sim/replica/workloads.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

struct ReplicaSimOptions {
  uint64_t seed = 1;
  int servers = 3;
  int register_clients = 3;
  int lock_clients = 3;
  int64_t fault_ms = 20000;  // faults happen during this time
  int64_t heal_ms = 12000;   // then everything heals and the cluster must recover
  bool faults = true;
  // Fault kinds, each on by default (tests may narrow them to one).
  bool crashes = true;
  bool pauses = true;
  bool partitions = true;
  bool link_resets = true;
  bool client_cuts = true;
  bool slow_disks = true;
  bool clock_skew = true;
  uint64_t snapshot_every_entries = 300;
  bool trace = false;  // print client-visible steps and faults to stderr
  // Scenario tests: a fixed session timeout (0: random 2-6 s per client),
  // the servers each client may use (empty: all), clients without a
  // workload, and a script run at time 0 to schedule its own faults.
  int32_t session_timeout_ms = 0;
  std::vector<std::vector<uint64_t>> client_servers;
  int probe_clients = 0;
  std::function<void(class ReplicaCluster*)> script;
};

struct ReplicaSimStats {
  uint64_t events = 0;
  uint64_t faults = 0;
  uint64_t completed_ops = 0;
  uint64_t acked_writes = 0;
  uint64_t lock_acquisitions = 0;
  uint64_t expirations = 0;
  uint64_t watch_events = 0;
  uint64_t leader_changes = 0;
  uint64_t snapshots_installed = 0;
};

class ReplicaCluster {
 public:
  explicit ReplicaCluster(const ReplicaSimOptions& options);
  ~ReplicaCluster();

  // Runs the whole scenario; "" on success, else the first violation with
  // the seed and the faults that led to it.
  std::string Run();
  const ReplicaSimStats& stats() const { return stats_; }
  const World& world() const { return world_; }

  // ---- for scenario scripts ----
  World* mutable_world() { return &world_; }
  ClientChecker* checker() { return &checker_; }
  SimNode* node(uint64_t id) { return nodes_[id - 1].get(); }
  // Clients in order: register workloads, lock workloads, probes.
  SimClient* client(size_t i) { return clients_[i].get(); }
  size_t client_count() const { return clients_.size(); }
  uint64_t Leader();  // 0 if none
  void Crash(uint64_t id);
  void Restart(uint64_t id);
  // Blocks every link between `id` and the others for `ms`.
  void Isolate(uint64_t id, int64_t ms);
  void Pause(uint64_t id, int64_t ms);
  void ResetLink(uint64_t a, uint64_t b);
  void ResetAfterNextForward(uint64_t from, uint64_t to) { network_->ResetAfterNextForward(from, to); }
  // SIGTERM: graceful shutdown, then a restart after `down_ms`.
  void GracefulRestart(uint64_t id, int64_t down_ms);
  // The server `id` if it is up, else nullptr.
  SimNode* Live(uint64_t id);

 private:
  void Boot(uint64_t id);
  void InjectFault();
  void HealAll();
  void Note(const std::string& fault);
  bool Healthy(SimClient* c, uint64_t server, int64_t window_ms);
  std::string FinalChecks();
  std::string Report(const std::string& what) const;

  ReplicaSimOptions opts_;
  World world_;
  ClientChecker checker_;
  std::unique_ptr<Network> network_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::vector<std::unique_ptr<Workload>> workloads_;
  std::vector<std::string> faults_;  // the last ones, for the report
  std::vector<uint64_t> ids_;
  ReplicaSimStats stats_;
  uint64_t last_leader_ = 0;
};

}  // namespace arbor::sim
