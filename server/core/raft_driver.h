// RaftDriver: runs the pure Raft core on the libuv loop.
//
// It is the one place that executes the Ready contract (docs/RAFT.md):
//   1. hand hard state + entries to the storage thread (group commit, fsync),
//   2. send the messages that may go before the local write,
//   3. apply committed entries through the Applier,
//   4. Advance(),
//   5. when the storage thread reports the write durable: send the held
//      messages (votes, append acks) and call OnPersisted, in Ready order.
// The loop never waits on the disk: completions come back through uv_async.
//
// Ticks come from a uv_timer; Readies are drained from a uv_idle handle that
// runs only while there is work, so a burst of proposals in one loop
// iteration becomes one Ready, one LMDB transaction and one fsync.
//
// Threading: loop thread only (except the storage thread's completion push).
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/raft/raw_node.h"
#include "server/storage/log_store.h"
#include "server/storage/storage_thread.h"

namespace arbor::core {

// The server side of the driver: what happens to committed entries.
class Applier {
 public:
  virtual ~Applier() = default;
  // A committed ENTRY_NORMAL entry, in log order (data empty: leader no-op).
  virtual void ApplyEntry(const raft::Entry& entry) = 0;
  // Leader or role changed.
  virtual void OnSoftState(const raft::SoftState& soft) = 0;
  // A ReadIndex answer: once applied >= rs.index, reads are linearizable.
  virtual void OnReadState(const raft::ReadState& rs) = 0;
  // Replace the state with the snapshot received from the leader (its file
  // is durable: it was committed before the core saw the MSG_SNAP).
  virtual void InstallSnapshot(const raft::SnapshotMetadata& meta) = 0;
  // The core wants a snapshot streamed to a follower (MSG_SNAP). The
  // application sends the data and then the message, and reports the end
  // with RaftDriver::ReportSnapshot.
  virtual void SendSnapshot(const raft::Message& msg_snap) = 0;
};

struct RaftDriverOptions {
  raft::Config raft;  // id, ticks, bounds; storage is filled in by the driver
  int tick_ms = 100;
};

class RaftDriver {
 public:
  // Sends a frame to a peer; false if dropped.
  using SendFn = std::function<bool(uint64_t to, const proto::PeerFrame& frame)>;

  // `log` and `snapshots` must outlive the driver. The driver owns the
  // storage thread.
  RaftDriver(uv_loop_t* loop, RaftDriverOptions options, storage::LogStore* log,
             storage::SnapshotStore* snapshots, SendFn send, Applier* applier);
  ~RaftDriver();

  Status Start();
  // Stops ticking, drains the storage thread (everything queued becomes
  // durable) and closes handles. Run the loop afterwards so they close.
  void Stop();

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

  storage::StorageThread* storage_thread() { return storage_thread_.get(); }
  uint64_t fsync_groups() const { return storage_thread_ ? storage_thread_->groups_committed() : 0; }

 private:
  struct PendingPersist {
    uint64_t storage_seq;  // 0: no write of its own (waits for earlier ones)
    uint64_t persist_id;
    std::vector<raft::Message> messages;
  };

  static void OnTick(uv_timer_t* t);
  static void OnIdle(uv_idle_t* h);
  static void OnStorageDone(uv_async_t* a);

  void Kick();  // there may be a Ready: process it soon
  void HandleReady();
  void SendAll(std::vector<raft::Message>* messages);
  void ResolvePersisted();

  uv_loop_t* loop_;
  RaftDriverOptions options_;
  storage::LogStore* log_;
  storage::SnapshotStore* snapshots_;
  SendFn send_;
  Applier* applier_;
  std::unique_ptr<raft::RawNode> node_;
  std::unique_ptr<storage::CompletionQueue> completions_;
  std::unique_ptr<storage::StorageThread> storage_thread_;

  uv_timer_t tick_timer_;
  uv_idle_t idle_;
  uv_async_t storage_async_;
  bool idle_active_ = false;
  bool started_ = false;
  bool stopped_ = false;

  std::deque<PendingPersist> pending_;
  uint64_t durable_seq_ = 0;  // highest storage seq reported complete
  uint64_t applied_ = 0;
};

}  // namespace arbor::core
