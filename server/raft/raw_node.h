// The application's handle on the Raft core (etcd's RawNode): feed it
// ticks, messages and proposals; drain Readies; acknowledge persistence.
//
// Threading: not thread-safe; call everything from one thread (the server's
// event loop). Persistence may run on another thread: the application calls
// OnPersisted from the loop thread when a write completes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/raft/raft.h"
#include "server/raft/ready.h"

namespace arbor::raft {

class RawNode {
 public:
  static Result<std::unique_ptr<RawNode>> Create(const Config& config);

  // One logical clock tick (the server ticks every ~100 ms).
  void Tick() { raft_->Tick(); }
  // A message from a peer (or a local MSG_SNAP_STATUS / MSG_UNREACHABLE).
  // Response messages from peers that are not members are ignored.
  Status Step(const Message& m);
  // Leader only. NotLeader on a follower (the caller forwards to lead());
  // Busy if the uncommitted-bytes bound is hit or a transfer is under way.
  // Acceptance is not commitment: an accepted entry may still be lost if
  // leadership changes before it commits; clients retry.
  Status Propose(std::string data) { return raft_->Propose(std::move(data)); }
  // Leader only. Busy while another change is unapplied or before the
  // leader committed an entry of its term; InvalidArgument for a no-op.
  Status ProposeConfChange(const ConfChange& cc) { return raft_->ProposeConfChange(cc); }
  // Linearizable read barrier. The answer arrives as a ReadState with the
  // same context in a later Ready; it may never arrive (leader change,
  // message loss), so the caller times out and retries. Contexts must be
  // unique among pending requests. NotLeader if no leader is known.
  Status ReadIndex(std::string context) { return raft_->ReadIndex(std::move(context)); }
  // Asks the leader (directly or via forwarding) to hand leadership to `to`.
  Status TransferLeadership(uint64_t to) { return raft_->TransferLeadership(to); }
  // Must be called when a committed ENTRY_CONF_CHANGE is applied.
  ConfState ApplyConfChange(const ConfChange& cc) { return raft_->ApplyConfChange(cc); }
  void Campaign() { raft_->Campaign(); }

  bool HasReady() const;
  // Precondition: the previous Ready was Advance()d.
  Ready GetReady();
  // The application finished steps 1-3 of the Ready contract (write
  // started, messages sent, committed entries applied).
  void Advance();
  // The write of the Ready with this persist_id is durable (and so are all
  // earlier ones). Must be called in increasing persist_id order, after that
  // Ready's Advance().
  void OnPersisted(uint64_t persist_id);

  uint64_t id() const { return raft_->id(); }
  uint64_t lead() const { return raft_->lead(); }
  Role role() const { return raft_->role(); }
  uint64_t term() const { return raft_->term(); }
  HardState hard_state() const { return raft_->hard_state(); }
  // Read-only access for tests, the simulator and diagnostics.
  const Raft& raft() const { return *raft_; }
  Raft& mutable_raft() { return *raft_; }

 private:
  struct PendingWrite {
    uint64_t persist_id;
    bool has_entries;
    uint64_t last_index;
    uint64_t last_term;
    uint64_t snapshot_index;
    std::vector<Message> self_msgs;
  };

  explicit RawNode(std::unique_ptr<Raft> r);

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_;
  HardState prev_hard_;
  bool awaiting_advance_ = false;
  uint64_t applying_to_ = 0;  // last committed index / snapshot in the outstanding Ready
  uint64_t next_persist_id_ = 1;
  std::deque<PendingWrite> pending_writes_;
};

}  // namespace arbor::raft
