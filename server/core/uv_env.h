// The production Env (server/core/env.h): libuv for time and wake-ups,
// getrandom(2) for randomness, PeerTransport (TCP) for peers, and the data
// directory (LMDB log on the storage thread, snapshot files) for the disk.
//
// Threading: loop thread, except the storage and snapshot threads inside
// LmdbDisk, whose results come back through a uv_async.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>

#include "server/core/env.h"
#include "server/metrics/server_metrics.h"
#include "server/net/peer_transport.h"
#include "server/storage/data_dir.h"
#include "server/storage/snapshot_saver.h"
#include "server/storage/storage_thread.h"

namespace arbor::core {

class UvClock : public Clock {
 public:
  explicit UvClock(uv_loop_t* loop) : loop_(loop) {}
  int64_t NowMs() const override { return static_cast<int64_t>(uv_now(loop_)); }
  int64_t WallMs() const override;

 private:
  uv_loop_t* loop_;
};

// The operating system's CSPRNG: session passwords must not be guessable.
class SystemEntropy : public Entropy {
 public:
  void Fill(size_t n, std::string* out) override;
  uint64_t Next64() override;
};

// Calls `poll` once per loop iteration while woken (a uv_idle handle), and
// `tick` every tick_ms (a uv_timer).
class UvPump : public Waker {
 public:
  UvPump(uv_loop_t* loop, int tick_ms, std::function<void()> tick, std::function<void()> poll);
  ~UvPump() override;
  void Start();
  void Close();  // before the loop's last run
  void Wake() override;

 private:
  static void OnIdle(uv_idle_t* h);
  static void OnTimer(uv_timer_t* t);

  uv_loop_t* loop_;
  int tick_ms_;
  std::function<void()> tick_, poll_;
  uv_idle_t idle_;
  uv_timer_t timer_;
  bool woken_ = false;
  bool started_ = false;
  bool closed_ = false;
};

class UvPeerNetwork : public PeerNetwork {
 public:
  explicit UvPeerNetwork(net::PeerTransport* transport) : t_(transport) {}
  bool Send(uint64_t to, const proto::PeerFrame& frame) override { return t_->Send(to, frame); }
  bool Connected(uint64_t to) const override { return t_->Connected(to); }
  size_t QueuedBytes(uint64_t to) const override { return t_->QueuedBytes(to); }
  uint64_t RefusedConnections() const override { return t_->refused_connections(); }

 private:
  net::PeerTransport* t_;
};

// The data directory: LMDB log with group commit on the storage thread,
// snapshot files written on the saver thread.
class LmdbDisk : public ReplicaDisk {
 public:
  // `metrics` (may be null) gets group commit and snapshot figures from the
  // storage and saver threads.
  LmdbDisk(uv_loop_t* loop, std::unique_ptr<storage::DataDir> dir, metrics::ServerMetrics* metrics = nullptr);
  ~LmdbDisk() override;

  raft::Storage* log() override { return dir_->log(); }
  Status WriteNow(storage::WriteBatch batch) override;
  void Start(CompletionFn on_done) override;
  void Stop() override;
  Result<uint64_t> Submit(storage::WriteBatch batch) override;
  bool QueueFull() const override { return thread_->QueueFull(); }
  Result<uint64_t> SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) override;
  std::optional<raft::SnapshotMetadata> RecoveredSnapshot() const override;
  Result<std::unique_ptr<storage::SnapshotBodyReader>> OpenSnapshot(const raft::SnapshotMetadata& meta) override;
  Result<std::unique_ptr<storage::SnapshotBodyWriter>> CreateSnapshot(const raft::SnapshotMetadata& meta) override;
  Status SaveSnapshot(const raft::SnapshotMetadata& meta, std::shared_ptr<const std::string> image) override;
  bool saving_snapshot() const override { return saver_ && saver_->running(); }

  const storage::DataDir& dir() const { return *dir_; }
  uint64_t fsync_groups() const { return thread_ ? thread_->groups_committed() : 0; }

 private:
  static void OnAsync(uv_async_t* a);

  uv_loop_t* loop_;
  std::unique_ptr<storage::DataDir> dir_;
  metrics::ServerMetrics* metrics_;
  CompletionFn on_done_;
  uv_async_t async_;
  std::unique_ptr<storage::CompletionQueue> completions_;
  std::unique_ptr<storage::StorageThread> thread_;
  std::unique_ptr<storage::SnapshotSaver> saver_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace arbor::core
