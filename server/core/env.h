// What a replica needs from the world, as small interfaces (LevelDB's Env is
// the model): time, a way to be woken, randomness, the peer network and the
// disk. arbord binds them to libuv, the wall clock, getrandom, TCP and LMDB
// (server/core/uv_env.h); the whole-replica simulator (test/sim) binds them
// to a seeded scheduler, a simulated network and an in-memory disk that
// loses unsynced writes on a simulated crash.
//
// Threading: every call happens on the replica's loop thread; an
// implementation that works on other threads (the LMDB writer) hands its
// results back to the loop before calling the replica.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/metrics/server_metrics.h"
#include "proto/raft.pb.h"
#include "server/raft/storage.h"
#include "server/storage/log_store.h"
#include "server/storage/snapshot_io.h"
#include "server/storage/storage_thread.h"

namespace arbor::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds from any origin: deadlines and timeouts.
  virtual int64_t NowMs() const = 0;
  // Milliseconds since the Unix epoch: the leader's stamp on log entries.
  virtual int64_t WallMs() const = 0;
};

// The replica calls Wake() when it has work to finish soon (a Raft Ready);
// the host then calls Replica::Poll() once the current callback returned.
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void Wake() = 0;
};

class Entropy {
 public:
  virtual ~Entropy() = default;
  // Replaces *out with n unpredictable bytes (session passwords).
  virtual void Fill(size_t n, std::string* out) = 0;
  virtual uint64_t Next64() = 0;
};

class PeerNetwork {
 public:
  virtual ~PeerNetwork() = default;
  // False if the frame was dropped (not connected, or the queue is full).
  virtual bool Send(uint64_t to, const proto::PeerFrame& frame) = 0;
  virtual bool Connected(uint64_t to) const = 0;
  // Bytes waiting to be written to `to`, so a bulk sender can pace itself.
  virtual size_t QueuedBytes(uint64_t to) const = 0;
  // Peer connections refused (wrong cluster, not a member, failed
  // challenge), for the status.
  virtual uint64_t RefusedConnections() const { return 0; }
};

// The Raft log, hard state and snapshots of one replica.
class ReplicaDisk {
 public:
  using CompletionFn = std::function<void(const std::vector<storage::Completion>&)>;
  virtual ~ReplicaDisk() = default;

  // Reads of the durable log, for the Raft core.
  virtual raft::Storage* log() = 0;
  // A write made before Start(), durable when it returns (a new data
  // directory's first membership).
  virtual Status WriteNow(storage::WriteBatch batch) = 0;
  // Starts the writer. Completions reach `on_done` on the loop thread, in
  // submission order. An I/O error is fatal inside the implementation.
  virtual void Start(CompletionFn on_done) = 0;
  // Everything queued is durable when Stop() returns.
  virtual void Stop() = 0;
  // Queue a write (see storage::StorageThread::Submit); Busy when full.
  virtual Result<uint64_t> Submit(storage::WriteBatch batch) = 0;
  // The queue has no room now. Only the loop submits, so once false it
  // stays false until the loop submits again.
  virtual bool QueueFull() const = 0;
  // A snapshot received from the leader is committed: restart the log after it.
  virtual Result<uint64_t> SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) = 0;

  // The snapshot recovery chose to restore from, if any.
  virtual std::optional<raft::SnapshotMetadata> RecoveredSnapshot() const = 0;
  virtual Result<std::unique_ptr<storage::SnapshotBodyReader>> OpenSnapshot(
      const raft::SnapshotMetadata& meta) = 0;
  // A new snapshot body (streamed in from the leader).
  virtual Result<std::unique_ptr<storage::SnapshotBodyWriter>> CreateSnapshot(
      const raft::SnapshotMetadata& meta) = 0;
  // Writes `image` as the snapshot at `meta` in the background, then records
  // it and compacts the log below it. Busy while another save runs.
  virtual Status SaveSnapshot(const raft::SnapshotMetadata& meta, std::shared_ptr<const std::string> image) = 0;
  virtual bool saving_snapshot() const = 0;
};

// The world of one replica; none of it is owned by the replica.
struct Env {
  Clock* clock = nullptr;
  Waker* waker = nullptr;
  Entropy* entropy = nullptr;
  PeerNetwork* peers = nullptr;
  ReplicaDisk* disk = nullptr;
  // Counters the replica bumps on the loop thread (rejections); null: the
  // replica keeps a private instance nobody reads (the simulator).
  metrics::ServerMetrics* metrics = nullptr;
};

}  // namespace arbor::core
