// An in-memory ReplicaDisk for the whole-replica simulator. Writes are
// queued and become durable together at the next simulated sync (a few ms,
// or hundreds on a "slow disk"); a crash loses everything not yet synced.
// The durable log is a raft::MemoryStorage; snapshot bodies are strings.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/core/env.h"
#include "server/raft/memory_storage.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

class SimDisk : public core::ReplicaDisk {
 public:
  explicit SimDisk(World* world) : world_(world) {}

  // ---- core::ReplicaDisk ----
  raft::Storage* log() override { return &log_; }
  Status WriteNow(storage::WriteBatch batch) override;
  void Start(CompletionFn on_done) override;
  void Stop() override;
  Result<uint64_t> Submit(storage::WriteBatch batch) override;
  bool QueueFull() const override { return queue_limit_ != 0 && queue_.size() >= queue_limit_; }
  Result<uint64_t> SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) override;
  std::optional<raft::SnapshotMetadata> RecoveredSnapshot() const override;
  Result<std::unique_ptr<storage::SnapshotBodyReader>> OpenSnapshot(const raft::SnapshotMetadata& meta) override;
  Result<std::unique_ptr<storage::SnapshotBodyWriter>> CreateSnapshot(const raft::SnapshotMetadata& meta) override;
  Status SaveSnapshot(const raft::SnapshotMetadata& meta, std::shared_ptr<const std::string> image) override;
  bool saving_snapshot() const override { return saving_; }

  // ---- the simulator's controls ----
  // The process died: unsynced writes and a save in progress are lost, and
  // nothing more is reported to the dead replica.
  void Crash();
  void set_slow(bool slow) { slow_ = slow; }
  // Every sync takes exactly this long (0: the usual few ms).
  void set_sync_delay_ms(int64_t ms) { sync_delay_ms_ = ms; }
  // Most writes waiting for a sync (0: no bound), as --storage_queue_batches_max.
  void set_queue_limit(size_t n) { queue_limit_ = n; }
  bool slow() const { return slow_; }
  // Stores a committed snapshot body (used by the writer's Commit).
  void StoreSnapshot(const raft::SnapshotMetadata& meta, std::string body);
  uint64_t syncs() const { return syncs_; }

 private:
  struct Op {
    storage::Completion::Kind kind;
    uint64_t seq;
    storage::WriteBatch batch;
    raft::SnapshotMetadata meta;
  };
  void ScheduleSync();
  void Sync();
  void MakeDurable(const Op& op);
  void Record(const raft::SnapshotMetadata& meta);

  World* world_;
  raft::MemoryStorage log_;
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const std::string>> snapshots_;  // (index, term)
  std::optional<raft::SnapshotMetadata> recorded_;  // the snapshot the log starts from
  CompletionFn on_done_;
  std::deque<Op> queue_;
  uint64_t next_seq_ = 1;
  uint64_t incarnation_ = 0;  // bumped by Crash and Stop: stale syncs do nothing
  bool sync_scheduled_ = false;
  bool saving_ = false;
  bool started_ = false;
  bool slow_ = false;
  int64_t sync_delay_ms_ = 0;
  size_t queue_limit_ = 0;
  uint64_t syncs_ = 0;
};

}  // namespace arbor::sim
