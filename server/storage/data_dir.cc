#include "server/storage/data_dir.h"

#include <fcntl.h>
#include <glog/logging.h>
#include <unistd.h>

#include <cerrno>

namespace arbor::storage {
namespace {

constexpr char kMarker[] = "/INITIALIZED";

// A server whose log vanished must not start empty under its old id: it
// would forget its vote and the entries it acknowledged. The marker, made
// once the log database first opened, tells "new" from "lost".
Status CheckLogNotLost(const std::string& path) {
  if (!FileSize(path + kMarker).ok() || FileSize(path + "/log/data.mdb").ok()) return Status::Ok();
  return Status::Corruption(path + "/log/data.mdb is missing but " + path + kMarker +
                            " says this directory held a log: it was deleted or the wrong volume is mounted. "
                            "Refusing to start empty (the server would forget its vote and acknowledged "
                            "entries). Restore the data directory from a backup, or replace the server: remove "
                            "it from the cluster, wipe the directory and add it back.");
}

Status MarkInitialized(const std::string& path) {
  if (FileSize(path + kMarker).ok()) return Status::Ok();
  int fd = ::open((path + kMarker).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", path + kMarker, errno);
  Status s = ::fsync(fd) == 0 ? Status::Ok() : ErrnoStatus("fsync", path + kMarker, errno);
  ::close(fd);
  ARBOR_RETURN_IF_ERROR(s);
  return SyncDir(path);
}

}  // namespace

Result<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path, const StorageOptions& options) {
  ARBOR_RETURN_IF_ERROR(EnsureDir(path));
  Result<DirLock> lock = DirLock::Acquire(path + "/LOCK");
  if (!lock.ok()) return lock.status();
  std::unique_ptr<DataDir> dd(new DataDir(path, std::move(lock).value()));
  ARBOR_RETURN_IF_ERROR(CheckLogNotLost(path));
  Result<std::unique_ptr<LogStore>> log = LogStore::Open(path + "/log", options);
  if (!log.ok()) return log.status();
  dd->log_ = std::move(log).value();
  ARBOR_RETURN_IF_ERROR(MarkInitialized(path));
  dd->notes_ = dd->log_->notes();
  dd->snapshots_ = std::make_unique<SnapshotStore>(path + "/snap");
  ARBOR_RETURN_IF_ERROR(dd->snapshots_->Init());
  ARBOR_RETURN_IF_ERROR(dd->ChooseSnapshot());
  return dd;
}

Status DataDir::ChooseSnapshot() {
  const raft::SnapshotMetadata recorded = log_->Snapshot();
  const LogBase base = log_->base();
  Result<std::vector<SnapshotFile>> files = snapshots_->List();
  if (!files.ok()) return files.status();
  for (const SnapshotFile& f : *files) {
    std::string skip;
    if (f.index > recorded.index()) {
      skip = "newer than the snapshot the log records (" + std::to_string(recorded.index()) +
             "): written or received but never adopted before a crash";
    } else if (f.index < base.index) {
      skip = "the log was compacted past it (log base " + std::to_string(base.index) + ")";
    } else if (Result<raft::SnapshotMetadata> meta = SnapshotStore::Verify(f); !meta.ok()) {
      skip = meta.status().message();
    } else {
      recovered_meta_ = *meta;
      Result<uint64_t> log_term =
          f.index == recorded.index() ? Result<uint64_t>(recorded.term()) : log_->Term(f.index);
      if (!log_term.ok() || *log_term != f.term) {
        skip = "its term " + std::to_string(f.term) + " does not match the log's term at index " +
               std::to_string(f.index);
      }
    }
    if (!skip.empty() && f.index > recorded.index()) {
      // Nothing will ever adopt it (the leader resends, the state machine
      // snapshots again); deleting it keeps crash loops from filling the disk.
      std::string note = "removing snapshot " + f.path + ": " + skip;
      LOG(WARNING) << note;
      notes_.push_back(note);
      if (::unlink(f.path.c_str()) != 0) return ErrnoStatus("unlink", f.path, errno);
      continue;
    }
    if (!skip.empty()) {
      std::string note = "skipping snapshot " + f.path + ": " + skip;
      LOG(WARNING) << note;
      notes_.push_back(note);
      continue;
    }
    recovered_ = f;
    break;
  }
  return RecordChoice(recorded, base);
}

Status DataDir::RecordChoice(const raft::SnapshotMetadata& recorded, const LogBase& base) {
  if (!recovered_) recovered_meta_.Clear();
  if (recovered_ && recovered_->index == recorded.index() && recovered_->term == recorded.term()) {
    return Status::Ok();
  }
  if (recovered_) {
    std::string note = "falling back from snapshot " + std::to_string(recorded.index()) + " to the older " +
                       recovered_->path + "; the log after it is replayed";
    LOG(WARNING) << note;
    notes_.push_back(note);
    return log_->RecordSnapshot(recovered_meta_);
  }
  if (recorded.index() == 0) return Status::Ok();  // never took a snapshot
  if (base.index == 0) {
    std::string note = "no readable snapshot for index " + std::to_string(recorded.index()) +
                       "; the log was never compacted, so it is replayed from index 1";
    LOG(WARNING) << note;
    notes_.push_back(note);
    return log_->RecordSnapshot(raft::SnapshotMetadata());
  }
  return Status::Corruption("no usable snapshot in " + snapshots_->dir() + ": the log starts after index " +
                            std::to_string(base.index) + " and no valid snapshot file at or after it agrees with " +
                            "the log (recorded snapshot: index " + std::to_string(recorded.index()) +
                            "). Refusing to start with a hole in the state. Restore the data directory from a " +
                            "backup, or replace the server: remove it from the cluster, wipe its data directory " +
                            "and add it back so it copies the state from the leader.");
}

}  // namespace arbor::storage
