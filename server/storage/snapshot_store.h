// The snapshot directory (`<data>/snap/`): naming, listing, verification
// and retention of snapshot files. Thread-safe as long as each file has one
// writer (file names are unique per index and term).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/raft.pb.h"
#include "server/storage/snapshot_file.h"

namespace arbor::storage {

struct SnapshotFile {
  std::string path;
  uint64_t index = 0;  // from the file name; the header must agree
  uint64_t term = 0;
};

class SnapshotStore {
 public:
  explicit SnapshotStore(std::string dir) : dir_(std::move(dir)) {}

  // Creates the directory and removes temporary files left by a crash
  // (they were never renamed, so nothing refers to them).
  Status Init();

  // A writer for a new snapshot file; see SnapshotFileWriter.
  Result<std::unique_ptr<SnapshotFileWriter>> BeginWrite(const raft::SnapshotMetadata& meta) const;

  // Final snapshot files, newest (highest index, then term) first.
  Result<std::vector<SnapshotFile>> List() const;

  // Full check of one file: framing, header matching its name, body CRC.
  // Corruption with the path and the reason otherwise.
  static Result<raft::SnapshotMetadata> Verify(const SnapshotFile& file);

  // Deletes old files: keeps the file at `in_use_index` (the snapshot the log
  // store records), `keep - 1` older ones as fallbacks, and anything newer
  // (a snapshot not yet recorded). Returns the first deletion error.
  Status Prune(size_t keep, uint64_t in_use_index) const;

  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
};

}  // namespace arbor::storage
