// StorageThread: group commit of the Raft log on a dedicated thread.
//
// The event loop hands over WriteBatches (hard state + entries) with
// Submit(), which never blocks on I/O: it checks the batch, queues it and
// returns a sequence number, or Busy when the bounded queue is full. The
// thread takes every queued batch (up to group_bytes_max), writes them in ONE
// LMDB transaction with ONE durable sync, then reports one Completion per
// batch, in submission order, through the completion callback. An LMDB write
// or sync error is fatal (LOG(FATAL)): after a failed fsync the disk state is
// unknown and retrying could acknowledge lost data.
//
// The thread also adopts snapshot files (recording them in the log store,
// pruning old files) and compacts the log below the newest snapshot minus
// compact_margin_entries, compact_chunk_entries at a time between groups.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/storage/log_store.h"
#include "server/storage/snapshot_store.h"

namespace arbor::storage {

struct Completion {
  enum class Kind { kWrite, kSnapshotRecorded, kSnapshotInstalled };
  Kind kind = Kind::kWrite;
  uint64_t seq = 0;         // what Submit* returned
  uint64_t last_index = 0;  // the durable log's last index and term after this operation
  uint64_t last_term = 0;
  Status status;            // not ok only for a refused snapshot operation (write errors are fatal)
};

// Hands completions from the storage thread to the event loop: Push runs on
// the storage thread and calls `notify` (e.g. uv_async_send, which is
// thread-safe) after queueing; the loop calls Drain from its async callback.
class CompletionQueue {
 public:
  explicit CompletionQueue(std::function<void()> notify) : notify_(std::move(notify)) {}
  void Push(const std::vector<Completion>& done);
  std::vector<Completion> Drain();

 private:
  std::function<void()> notify_;
  std::mutex mu_;
  std::vector<Completion> pending_;
};

class StorageThread {
 public:
  // Called on the storage thread once per group, with the completions of
  // that group in order; it must not block and must not call back into
  // this StorageThread's Stop().
  using CompletionFn = std::function<void(const std::vector<Completion>&)>;

  // `log` (and `snapshots`, which may be null) must outlive this object;
  // nothing else may write to `log` while the thread runs.
  StorageThread(LogStore* log, SnapshotStore* snapshots, CompletionFn on_complete);
  ~StorageThread();
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  void Start();
  // Finishes everything queued (compaction excepted), then joins.
  void Stop();

  // Queues a batch. InvalidArgument for an entry above max_entry_bytes or
  // non-consecutive entries; Busy when queue_batches_max batches wait.
  Result<uint64_t> Submit(WriteBatch batch);
  // A local snapshot file at `meta` was committed (SnapshotFileWriter::
  // Commit): record it, prune old files, compact the log below it.
  Result<uint64_t> SubmitSnapshotSaved(const raft::SnapshotMetadata& meta);
  // A snapshot received from the leader was committed to a file: reset the
  // log to start after it.
  Result<uint64_t> SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta);

  // queue_batches_max batches wait: a Submit now would answer Busy.
  bool QueueFull() const;

  // Called on the storage thread after each group commit with how long the
  // LMDB transaction and its sync took, the batches, entries and entry bytes
  // it wrote (metrics). Set before Start().
  using GroupObserver = std::function<void(uint64_t write_us, uint64_t batches, uint64_t entries, uint64_t bytes)>;
  void set_group_observer(GroupObserver observer) { group_observer_ = std::move(observer); }
  // Groups committed so far (each one transaction and one sync).
  uint64_t groups_committed() const;
  uint64_t batches_committed() const;

 private:
  struct Op {
    Completion::Kind kind;
    uint64_t seq;
    WriteBatch batch;               // kWrite
    raft::SnapshotMetadata snapshot;  // snapshot kinds
  };

  Result<uint64_t> Enqueue(Op op, bool bounded);
  void Run();
  bool TakeGroup(std::vector<Op>* group);
  void CommitWrites(std::vector<Op>* group, std::vector<Completion>* done);
  void ApplySnapshotOp(const Op& op, std::vector<Completion>* done);
  void CompactOneChunk();

  LogStore* const log_;
  SnapshotStore* const snapshots_;
  const CompletionFn on_complete_;
  GroupObserver group_observer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;
  uint64_t next_seq_ = 1;
  bool stop_ = false;
  uint64_t groups_ = 0;
  uint64_t batches_ = 0;
  std::thread thread_;

  // Storage-thread state.
  uint64_t compact_target_ = 0;
};

}  // namespace arbor::storage
