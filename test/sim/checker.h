// Raft's safety properties, checked by the simulator after every step
// (Raft paper Figure 3, plus the persistence contract of docs/RAFT.md).
// The first violation is recorded; the simulator stops and prints it with
// the seed and a trace.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/raft.pb.h"
#include "server/raft/raft_log.h"

namespace arbor::sim {

uint64_t HashBytes(const std::string& s, uint64_t seed = 1469598103934665603ULL);

class Checker {
 public:
  // Election safety: at most one leader per term, elected once (a node
  // that crashed and won the same term again had not persisted its term).
  void OnLeader(uint64_t node, uint64_t incarnation, uint64_t term);
  // Leader completeness: a new leader's log holds every committed entry.
  void CheckLeaderCompleteness(uint64_t node, uint64_t term, const raft::RaftLog& log);
  // Log matching: an (index, term) pair identifies one entry (same data) and
  // one predecessor term, in every log that ever holds it.
  void OnEntries(uint64_t node, const std::vector<raft::Entry>& ents, uint64_t prev_term);
  // State machine safety: every node applies the same entry at an index,
  // in index order, and reaches the same state hash.
  void OnApply(uint64_t node, const raft::Entry& e, uint64_t applied_before, uint64_t state_after);
  void OnSnapshotInstalled(uint64_t node, uint64_t index, uint64_t term, uint64_t state);
  // Commit durability: when a leader commits `index`, a majority of its
  // voters hold that entry (or a snapshot past it) on disk.
  void OnLeaderCommit(uint64_t leader, uint64_t index, uint64_t term, size_t voters, size_t durable);
  // Monotonic commit index within a node's life.
  void OnCommitIndex(uint64_t node, uint64_t incarnation, uint64_t commit);
  // Durable hard state: term never decreases; one vote per term; commit
  // never decreases (so a crash never loses a commit).
  void OnHardStateWrite(uint64_t node, const raft::HardState& before, const raft::HardState& after);
  // Linearizable reads: a ReadIndex answer covers everything committed
  // before the request was issued.
  void OnReadState(uint64_t node, uint64_t index, uint64_t required);
  // Liveness failure (reported by the driver).
  void Fail(const std::string& what);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t max_committed() const { return max_committed_; }
  size_t num_applied_checks() const { return applies_; }

 private:
  struct EntryId {
    uint64_t data_hash;
    uint64_t prev_term;  // 0 if unknown
  };
  static uint64_t Key(uint64_t index, uint64_t term) { return index * 1000003ULL ^ (term << 40) ^ term; }

  std::string error_;
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> leader_of_term_;  // term -> (node, incarnation)
  std::map<std::pair<uint64_t, uint64_t>, EntryId> entries_;  // (index, term)
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> committed_;  // index -> (term, data hash)
  std::map<uint64_t, uint64_t> committed_term_only_;  // index -> term, from leader commits
  std::unordered_map<uint64_t, uint64_t> state_at_;   // index -> state hash after applying it
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> commit_seen_;  // node -> (incarnation, commit)
  uint64_t max_committed_ = 0;
  size_t applies_ = 0;
};

}  // namespace arbor::sim
