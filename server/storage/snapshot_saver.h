// SnapshotSaver: writes a snapshot in the background.
//
// The state machine serializes itself into a SnapshotFileWriter on the
// saver's own thread (never the event loop); the file is committed (fsync,
// rename, directory fsync) and then handed to the StorageThread, which
// records it, prunes old files and compacts the log below it.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "common/byte_stream.h"
#include "common/status.h"
#include "server/storage/snapshot_store.h"
#include "server/storage/storage_thread.h"

namespace arbor::storage {

class SnapshotSaver {
 public:
  // Runs on the saver thread. It must read only a state frozen at
  // meta.index (a copy or a copy-on-write view), never the live tree.
  using Producer = std::function<Status(ByteSink*)>;
  // Runs on the saver thread when the file is durable and queued for
  // recording (ok, with the StorageThread's sequence number, whose
  // kSnapshotRecorded Completion follows) or when the save failed (the
  // temporary file is removed; the log is untouched).
  using DoneFn = std::function<void(const Status&, uint64_t seq)>;

  // Both must outlive this object.
  SnapshotSaver(SnapshotStore* snapshots, StorageThread* storage) : snapshots_(snapshots), storage_(storage) {}
  ~SnapshotSaver();  // waits for a running save
  SnapshotSaver(const SnapshotSaver&) = delete;
  SnapshotSaver& operator=(const SnapshotSaver&) = delete;

  // Busy while a previous save runs (at most one at a time).
  Status Start(const raft::SnapshotMetadata& meta, Producer produce, DoneFn done);
  bool running() const { return running_.load(std::memory_order_acquire); }

 private:
  SnapshotStore* const snapshots_;
  StorageThread* const storage_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace arbor::storage
