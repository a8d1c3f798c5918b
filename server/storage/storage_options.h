// Tunables of the storage layer. Defaults are the safe ones (sync on); the
// gflags below (--storage_*) feed FromFlags() for the server and tools, while
// tests build an Options directly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arbor::storage {

struct StorageOptions {
  // LMDB map size: the largest the log database may grow. Virtual address
  // space only; the file grows as used. A full map is a fatal write error.
  uint64_t map_size_bytes = 4ull << 30;       // the map LMDB starts with
  uint64_t max_map_size_bytes = 256ull << 30;  // how far it may grow (doubling) when full
  // Entries larger than this are refused at Submit (InvalidArgument).
  uint64_t max_entry_bytes = 4ull << 20;
  // When false, commits are not fsynced: an acknowledged write can be lost
  // on power failure. For tests and benchmarks only.
  bool sync = true;
  // Bound of the storage thread's queue (batches, not entries); Submit past
  // it answers Busy instead of blocking the caller.
  size_t queue_batches_max = 1024;
  // A group commit stops taking batches once it holds this many bytes.
  uint64_t group_bytes_max = 64ull << 20;
  // Compaction deletes at most this many entries per write transaction, so
  // LMDB's free list grows in small steps and writers are not stalled.
  uint64_t compact_chunk_entries = 1000;
  // After a snapshot at index S the log is compacted up to S - margin, so a
  // slightly lagging follower can still catch up from the log.
  uint64_t compact_margin_entries = 5000;
  // Snapshot files kept on disk (the newest ones; older are fallbacks).
  size_t snapshots_keep = 3;
  // At open, a corrupt log record above the commit index: true drops it and
  // everything after it (reported); false refuses to open, like corruption
  // in the committed part (see docs/STORAGE.md, "Limits").
  bool drop_corrupt_uncommitted_tail = true;

  static StorageOptions FromFlags();
};

}  // namespace arbor::storage
