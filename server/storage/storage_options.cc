#include "server/storage/storage_options.h"

#include <gflags/gflags.h>

#include <algorithm>

DEFINE_uint64(storage_map_size_mb, 4096, "LMDB map size the log database starts with, in MiB (it grows when full)");
DEFINE_uint64(storage_map_size_max_mb, 256 << 10, "largest the log database's map may grow to, in MiB");
DEFINE_uint64(storage_max_entry_bytes, 4u << 20, "largest Raft entry the log accepts, in bytes");
DEFINE_bool(storage_sync, true,
            "fsync every log commit; false risks losing acknowledged writes on power failure (tests only)");
DEFINE_uint64(storage_queue_batches_max, 1024, "bound of the storage thread's write queue, in batches");
DEFINE_uint64(storage_group_bytes_max, 64u << 20, "bytes one group commit may take from the queue");
DEFINE_uint64(storage_compact_chunk_entries, 1000, "log entries deleted per compaction transaction");
DEFINE_uint64(storage_compact_margin_entries, 5000,
              "log entries kept below the newest snapshot for slow followers");
DEFINE_uint64(storage_snapshots_keep, 3, "number of snapshot files kept (newest first)");
DEFINE_bool(storage_drop_corrupt_uncommitted_tail, true,
            "at start, drop a corrupt log tail above the commit index (false: refuse to start)");

namespace arbor::storage {

StorageOptions StorageOptions::FromFlags() {
  StorageOptions o;
  o.map_size_bytes = FLAGS_storage_map_size_mb << 20;
  o.max_map_size_bytes = std::max(FLAGS_storage_map_size_max_mb, FLAGS_storage_map_size_mb) << 20;
  o.max_entry_bytes = FLAGS_storage_max_entry_bytes;
  o.sync = FLAGS_storage_sync;
  o.queue_batches_max = FLAGS_storage_queue_batches_max;
  o.group_bytes_max = FLAGS_storage_group_bytes_max;
  o.compact_chunk_entries = FLAGS_storage_compact_chunk_entries > 0 ? FLAGS_storage_compact_chunk_entries : 1;
  o.compact_margin_entries = FLAGS_storage_compact_margin_entries;
  o.snapshots_keep = FLAGS_storage_snapshots_keep > 0 ? FLAGS_storage_snapshots_keep : 1;
  o.drop_corrupt_uncommitted_tail = FLAGS_storage_drop_corrupt_uncommitted_tail;
  return o;
}

}  // namespace arbor::storage
