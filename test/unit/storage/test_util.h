// Helpers shared by the storage tests: temporary directories, entries with
// content derived from (index, term), and raw damage to files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/raft.pb.h"
#include "server/storage/log_store.h"
#include "server/storage/storage_options.h"

namespace arbor::storage::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Options for tests: sync on (the real thing), small bounds.
StorageOptions TestOptions();

// An entry whose data is a pattern derived from index and term, `size` bytes.
raft::Entry MakeEntry(uint64_t index, uint64_t term, size_t size = 32);
std::vector<raft::Entry> MakeEntries(uint64_t first, uint64_t last, uint64_t term, size_t size = 32);
// True if e.data() is what MakeEntry(e.index(), e.term(), size) produces.
bool EntryDataMatches(const raft::Entry& e);

// Writes one batch synchronously (no storage thread).
Status WriteOne(LogStore* log, std::vector<raft::Entry> entries, const raft::HardState* hs = nullptr);

raft::HardState MakeHardState(uint64_t term, uint64_t vote, uint64_t commit);

// Flips one bit of the byte at `offset` (from the end when negative).
void FlipByte(const std::string& path, int64_t offset);
void TruncateFile(const std::string& path, uint64_t size);
uint64_t SizeOf(const std::string& path);

// Opens the LMDB environment in `log_dir` directly (no LogStore may have it
// open) and flips a bit inside the stored value of log entry `index`.
void CorruptLogRecord(const std::string& log_dir, uint64_t index);

}  // namespace arbor::storage::testing
