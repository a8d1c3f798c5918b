// A seeded, fully deterministic simulation of an Arbor Raft cluster:
// simulated time, a lossy reordering network with partitions, disks that
// persist asynchronously (and slowly) and lose unpersisted writes on crash,
// client proposals, ReadIndex, membership changes and snapshots.
//
// Every random choice comes from one SplitMix64 seeded by Options::seed, so
// a failing seed replays exactly (ARBOR_SIM_SEED=<n>).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "server/raft/memory_storage.h"
#include "server/raft/rand.h"
#include "server/raft/raw_node.h"
#include "test/sim/checker.h"

namespace arbor::sim {

struct Options {
  uint64_t seed = 1;
  int num_nodes = 3;       // initial voters (ids 1..n); two spares join via conf changes
  int fault_ms = 3000;     // simulated time with faults; then faults stop
  int liveness_ms = 10000;  // after faults stop: a leader and fresh commits within this
  bool membership = true;
  bool snapshots = true;
  bool reads = true;
  // TEST ONLY: breaks the 5.4.2 commit rule in every node.
  bool unsafe_commit_by_counting = false;
  // Overrides (0: random per node) for targeted scenarios.
  uint64_t max_entries_per_msg = 0;
  int fault_interval_ms = 0;  // mean time between faults; 0: default
  int conf_interval_ms = 0;   // mean time between membership changes; 0: default
};

struct Stats {
  uint64_t events = 0;
  uint64_t proposals_accepted = 0;
  uint64_t max_committed = 0;
  uint64_t leaders = 0;
  uint64_t crashes = 0;
  uint64_t snapshots_sent = 0;
  uint64_t conf_changes = 0;
  uint64_t reads_answered = 0;
};

class Cluster {
 public:
  explicit Cluster(const Options& opts);

  // Runs the whole scenario. Returns an empty string on success, otherwise
  // the violation with the seed and the last events.
  std::string Run();
  const Stats& stats() const { return stats_; }

 private:
  enum Kind { kTick, kDeliver, kDisk, kClient, kFault, kRead, kConf, kSnap, kRestart, kSnapFail };

  // A Ready's write, queued on the node's disk (FIFO, completes later).
  struct Write {
    uint64_t persist_id = 0;
    std::optional<raft::HardState> hard_state;
    std::vector<raft::Entry> entries;
    std::optional<raft::SnapshotMetadata> snapshot;
    std::vector<raft::Message> after_persist;
  };
  struct Node {
    uint64_t id = 0;
    raft::MemoryStorage disk;                  // survives crashes
    std::map<uint64_t, uint64_t> snap_files;   // snapshot data: index -> state hash (on disk)
    std::unique_ptr<raft::RawNode> raw;        // null while down
    uint64_t incarnation = 0;
    std::deque<Write> writes;                  // in flight to disk; lost on crash
    uint64_t disk_free_at = 0;
    bool slow_disk = false;
    // The state machine (volatile; rebuilt from the snapshot on restart).
    uint64_t applied = 0;
    uint64_t state = 0;
    raft::ConfState conf;  // membership as of `applied`
    uint64_t last_leader_term = 0;
    uint64_t last_commit_checked = 0;
    uint64_t commit_check_term = 0;
  };
  struct NetMsg {
    raft::Message msg;
    uint64_t snap_state = 0;  // the out-of-band snapshot data for MSG_SNAP
  };
  struct Event {
    uint64_t at;
    uint64_t seq;
    int kind;
    uint64_t node;
    uint64_t incarnation;
    std::shared_ptr<NetMsg> msg;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct TraceEv {
    uint64_t at = 0;
    char kind = 0;
    uint64_t node = 0;
    int type = 0;
    uint64_t from = 0, to = 0, term = 0, index = 0, extra = 0;
  };

  // --- driver ---
  void Schedule(uint64_t at, int kind, uint64_t node, std::shared_ptr<NetMsg> msg = nullptr);
  void RunUntil(uint64_t end, bool faults);
  void Dispatch(const Event& ev, bool faults);
  void DrainReadies();
  void HandleReady(Node& n);
  void CompleteWrite(Node& n);
  void Send(uint64_t from, const raft::Message& m);
  void Deliver(const NetMsg& nm);
  void RunChecks();
  void CheckCommitDurability(Node& n);

  // --- actors ---
  void StartNode(Node& n);
  void Crash(Node& n);
  void InjectFault();
  void Heal();
  void ClientPropose();
  void ClientRead();
  void ChangeMembership();
  void TakeSnapshot();
  bool LivenessPhase();

  Node* Leader();
  Node& node(uint64_t id) { return *nodes_.at(id - 1); }
  bool Alive(uint64_t id) const;
  void Trace(char kind, uint64_t node, const raft::Message* m, uint64_t extra);
  std::string Report(const std::string& what) const;

  Options opts_;
  raft::SplitMix64 rng_;
  Checker checker_;
  Stats stats_;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::set<std::pair<uint64_t, uint64_t>> blocked_;  // (from, to) links cut
  uint32_t drop_per_mille_ = 0;
  uint32_t dup_per_mille_ = 0;
  uint64_t next_proposal_ = 0;
  uint64_t next_read_ = 0;
  std::map<std::string, uint64_t> read_required_;
  std::vector<TraceEv> trace_;
  size_t trace_pos_ = 0;
};

}  // namespace arbor::sim
