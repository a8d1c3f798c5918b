// DataDir: one server's data directory, opened with crash recovery.
//
//   <data>/LOCK            flock'ed while a server uses the directory
//   <data>/INITIALIZED     made once the log database first opened; with it
//                          present, a missing log/data.mdb refuses the open
//   <data>/log/data.mdb    LMDB: log, hard state, membership, snapshot record
//   <data>/log/lock.mdb    LMDB's reader table
//   <data>/snap/snap-<index>-<term>.snap   snapshot files (snapshot_file.h)
//
// Recovery rules (Open):
//  1. The log store opens and checks itself (see LogStore::Open): a corrupt
//     record at or below the commit index, or a truncated data file, refuses
//     the open.
//  2. The snapshot to restore is the newest snapshot file that (a) is not
//     newer than the snapshot the log store records (a newer one was never
//     adopted: written just before a crash, or received but not installed;
//     such files are deleted),
//     (b) passes every checksum and (c) agrees with the log: same term as
//     the record or as the log's entry at its index, and not below the log's
//     base (else the entries right after it are gone). Every file skipped is
//     listed in notes() with the reason.
//  3. If that is not the recorded snapshot, the record is moved back to it
//     (so Snapshot() only ever names a readable file). If no file qualifies
//     and the log was compacted, Open fails with Corruption and says what to
//     do; if nothing was ever compacted, the whole log is replayed instead.
// The server then restores recovered_snapshot() (if any) and applies the
// log's entries after it up to the hard state's commit index.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/storage/file_util.h"
#include "server/storage/log_store.h"
#include "server/storage/snapshot_store.h"
#include "server/storage/storage_options.h"

namespace arbor::storage {

class DataDir {
 public:
  static Result<std::unique_ptr<DataDir>> Open(const std::string& path, const StorageOptions& options);

  LogStore* log() const { return log_.get(); }
  SnapshotStore* snapshots() const { return snapshots_.get(); }
  // The verified snapshot file to restore from, or nullopt (apply the log
  // from index 1).
  const std::optional<SnapshotFile>& recovered_snapshot() const { return recovered_; }
  const raft::SnapshotMetadata& recovered_snapshot_metadata() const { return recovered_meta_; }
  // What recovery found and did (skipped snapshots, dropped tail), one
  // line each, already logged at WARNING.
  const std::vector<std::string>& notes() const { return notes_; }
  const std::string& path() const { return path_; }

 private:
  DataDir(std::string path, DirLock lock) : path_(std::move(path)), lock_(std::move(lock)) {}
  Status ChooseSnapshot();
  Status RecordChoice(const raft::SnapshotMetadata& recorded, const LogBase& base);

  const std::string path_;
  DirLock lock_;
  std::unique_ptr<LogStore> log_;
  std::unique_ptr<SnapshotStore> snapshots_;
  std::optional<SnapshotFile> recovered_;
  raft::SnapshotMetadata recovered_meta_;  // header of *recovered_
  std::vector<std::string> notes_;
};

}  // namespace arbor::storage
