// RaftDriver: runs the pure Raft core for one replica.
//
// It is the one place that executes the Ready contract (docs/RAFT.md):
//   1. hand hard state + entries to the disk (group commit, fsync),
//   2. send the messages that may go before the local write,
//   3. apply committed entries through the Applier,
//   4. Advance(),
//   5. when the disk reports the write durable: send the held messages
//      (votes, append acks) and call OnPersisted, in Ready order.
// The caller never waits on the disk: completions come back through
// OnDiskDone on the loop thread. When the disk's queue is full (a slow
// fsync), writes are held back here, merged into one batch in order, and
// handed over as completions free room: heartbeats and votes keep flowing,
// acknowledgements wait for durability as always, and the leader's own
// uncommitted bound stops new proposals meanwhile.
//
// The driver knows no event loop: the host calls Tick() every tick and
// Poll() whenever the Waker it was given asked for it, so a burst of
// proposals handled in one loop iteration becomes one Ready, one write and
// one fsync. Under test/sim the same code runs on simulated time.
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/core/env.h"
#include "server/raft/raw_node.h"

namespace arbor::core {

// The server side of the driver: what happens to committed entries.
class Applier {
 public:
  virtual ~Applier() = default;
  // A committed ENTRY_NORMAL entry, in log order (data empty: leader no-op).
  virtual void ApplyEntry(const raft::Entry& entry) = 0;
  // Every committed entry (no-ops and membership changes included) up to
  // `index` has been applied.
  virtual void AfterApply(uint64_t index) = 0;
  // Leader, role or term changed.
  virtual void OnSoftState(const raft::SoftState& soft, uint64_t term) = 0;
  // A ReadIndex answer: once applied >= rs.index, reads are linearizable.
  virtual void OnReadState(const raft::ReadState& rs) = 0;
  // Replace the state with the snapshot received from the leader (its body
  // is durable: it was committed before the core saw the MSG_SNAP).
  virtual void InstallSnapshot(const raft::SnapshotMetadata& meta) = 0;
  // The core wants a snapshot streamed to a follower (MSG_SNAP). The
  // application sends the data and then the message, and reports the end
  // with RaftDriver::ReportSnapshot.
  virtual void SendSnapshot(const raft::Message& msg_snap) = 0;
};

struct RaftDriverOptions {
  raft::Config raft;  // id, ticks, bounds; storage is filled in by the driver
};

class RaftDriver {
 public:
  // Sends a frame to a peer; false if dropped.
  using SendFn = std::function<bool(uint64_t to, const proto::PeerFrame& frame)>;

  // `disk`, `applier` and `waker` must outlive the driver.
  RaftDriver(RaftDriverOptions options, ReplicaDisk* disk, SendFn send, Applier* applier, Waker* waker);
  ~RaftDriver();

  Status Start();
  // Stops the disk writer (everything queued becomes durable); afterwards
  // the driver ignores input.
  void Stop();

  // Called by the host.
  void Tick();
  // Handles a bounded number of Readies; wakes again if more remain.
  void Poll();
  // The disk's completions, on the loop thread, in submission order.
  void OnDiskDone(const std::vector<storage::Completion>& done);

  // Leader only: see RawNode::Propose.
  Status Propose(std::string data);
  Status ReadIndex(std::string context);
  Status TransferLeadership(uint64_t to);
  void Step(const raft::Message& m);
  // Starts an election now (a single-voter cluster need not wait).
  void Campaign();
  // The snapshot transfer to `to` ended (ok: the data and MSG_SNAP were sent).
  void ReportSnapshot(uint64_t to, bool ok);

  uint64_t id() const { return node_->id(); }
  uint64_t leader() const { return node_->lead(); }
  bool is_leader() const { return node_->role() == raft::Role::kLeader; }
  uint64_t term() const { return node_->term(); }
  uint64_t commit_index() const { return node_->hard_state().commit(); }
  uint64_t applied_index() const { return applied_; }
  const raft::RawNode& node() const { return *node_; }

 private:
  struct PendingPersist {
    uint64_t storage_seq;  // 0: no write of its own (waits for earlier ones)
    uint64_t persist_id;
    std::vector<raft::Message> messages;
    uint64_t deferred_id = 0;  // its write is held back (not yet submitted)
  };
  // A write the disk could not take yet: a batch, or a snapshot install.
  struct DeferredWrite {
    uint64_t id;
    std::optional<storage::WriteBatch> batch;
    std::optional<raft::SnapshotMetadata> snapshot;
  };

  void Kick();  // there may be a Ready: ask the host for a Poll
  // Hands the write to the disk, or holds it back behind earlier held ones.
  // Returns the disk's seq, or 0 with *deferred_id set when held back.
  uint64_t SubmitWrite(storage::WriteBatch batch, uint64_t* deferred_id);
  uint64_t SubmitSnapshot(const raft::SnapshotMetadata& meta, uint64_t* deferred_id);
  // Submits held-back writes while the disk takes them.
  void FlushDeferred();
  void HandleReady();
  void SendAll(std::vector<raft::Message>* messages);
  void ResolvePersisted();

  RaftDriverOptions options_;
  ReplicaDisk* disk_;
  SendFn send_;
  Applier* applier_;
  Waker* waker_;
  std::unique_ptr<raft::RawNode> node_;
  bool started_ = false;
  bool stopped_ = false;

  std::deque<PendingPersist> pending_;
  std::deque<DeferredWrite> deferred_;
  uint64_t next_deferred_id_ = 1;
  uint64_t deferred_writes_ = 0;  // how often the disk's queue was full (diagnostics)
  uint64_t durable_seq_ = 0;  // highest disk seq reported complete
  uint64_t applied_ = 0;
  uint64_t last_term_ = 0;  // term reported with the last soft state
};

}  // namespace arbor::core
