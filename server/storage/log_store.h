// LogStore: the Raft log, hard state, membership and snapshot record of one
// server, in one LMDB environment (directory `<data>/log/`).
//
// Sub-databases:
//   "log"  key = 8-byte big-endian index, value = framed raft.Entry
//   "meta" keys "hard_state" (HardState), "conf_state" (ConfState),
//          "snapshot" (SnapshotMetadata of the snapshot file in use) and
//          "log_base" (index and term of the last compacted entry, stored as
//          an Entry without data); every value framed with a CRC-32C
//          (see log_record.h).
//
// Threading: the raft::Storage reads may be called from any thread (the
// event loop) while one writer thread (StorageThread) calls the write
// methods; reads use their own LMDB read transaction (MVCC, MDB_NOTLS) and
// the bounds/state caches below are updated only after a commit succeeds.
// The write methods must be called by one thread at a time.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/raft.pb.h"
#include "server/raft/storage.h"
#include "server/storage/storage_options.h"

namespace arbor::storage {

// One unit of persistence handed over by the Raft layer: all of it becomes
// durable together.
struct WriteBatch {
  std::optional<raft::HardState> hard_state;
  std::vector<raft::Entry> entries;  // consecutive indexes, ascending
  std::optional<raft::ConfState> conf_state;

  uint64_t ByteSize() const;
};

// Index and term of the last entry removed by compaction (or of the
// installed snapshot): the log holds (index, LastIndex()].
struct LogBase {
  uint64_t index = 0;
  uint64_t term = 0;
};

class LogStore : public raft::Storage {
 public:
  enum class Mode {
    kReadWrite,  // the server: refuses committed-part corruption, drops a corrupt uncommitted tail
    kInspect,    // arbor-dump: read-only, opens despite corruption and reports it
  };

  // Opens or creates the environment in `dir` and checks it: every page of
  // the current tree must lie inside the data file (page_check.h), every state record
  // and every log record must pass its checksum and the log must be
  // contiguous. A bad log record at an index <= the persisted commit index
  // fails the open with Corruption naming the file and the index; a bad
  // record above it is (kReadWrite) deleted together with everything after
  // it and listed in notes().
  static Result<std::unique_ptr<LogStore>> Open(const std::string& dir, const StorageOptions& options,
                                                Mode mode = Mode::kReadWrite);
  ~LogStore() override;

  // raft::Storage (thread-safe, see above). FirstIndex() is base().index + 1
  // and Term(FirstIndex() - 1) answers the base's term; because compaction
  // keeps a trailing margin, the base may lie below Snapshot().index.
  Status InitialState(raft::HardState* hard_state, raft::ConfState* conf_state) const override;
  Result<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t i) const override;
  uint64_t FirstIndex() const override { return first_index_.load(std::memory_order_acquire); }
  uint64_t LastIndex() const override { return last_index_.load(std::memory_order_acquire); }
  raft::SnapshotMetadata Snapshot() const override;

  // --- Writer side (one thread at a time). Every method is one LMDB write
  // transaction and, with options.sync, one durable sync. An error means the
  // disk state is unknown: the storage thread treats it as fatal. ---

  // Persists the batches in order. Entries overwrite a conflicting suffix
  // (the first index whose term differs and everything after it); entries at
  // or below the log base are skipped. Internal error (and nothing written)
  // if the entries leave a gap or would overwrite an entry at or below the
  // persisted commit index.
  Status Write(const std::vector<const WriteBatch*>& batches);
  // Deletes up to max_entries entries from the front of the log, never past
  // `upto` nor past the commit index or the last entry; *more says whether
  // more remain below `upto`.
  Status CompactChunk(uint64_t upto, uint64_t max_entries, bool* more);
  // Records that the snapshot file for `meta` is the one in use (a local
  // snapshot; the log is unchanged). Also used by recovery to fall back to an
  // older snapshot.
  Status RecordSnapshot(const raft::SnapshotMetadata& meta);
  // A snapshot received from the leader replaces the log: every entry is
  // deleted, the log base and the commit index become the snapshot's index
  // and term, the membership becomes the snapshot's.
  Status InstallSnapshot(const raft::SnapshotMetadata& meta);

  // Every log record in index order, checked or not (for arbor-dump):
  // fn(index, status of the record, the entry when status is ok).
  Status ScanLog(const std::function<void(uint64_t, const Status&, const raft::Entry&)>& fn) const;

  LogBase base() const;
  raft::HardState hard_state() const;
  // Durable commits so far (each is one LMDB commit with its fsyncs).
  uint64_t sync_count() const { return sync_count_.load(std::memory_order_relaxed); }
  const std::string& data_file() const { return data_file_; }
  const StorageOptions& options() const { return options_; }
  // Findings of Open (a dropped corrupt tail, ...), for the operator's log.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct Cache {
    LogBase base;
    uint64_t last_index = 0;
    uint64_t last_term = 0;
    raft::HardState hard_state;
    raft::ConfState conf_state;
    raft::SnapshotMetadata snapshot;
  };

  LogStore(std::string dir, const StorageOptions& options, Mode mode);
  Status OpenEnv();
  Status OpenDatabases();
  Status LoadMeta(Cache* cache);
  Status VerifyLog(Cache* cache);
  Status TruncateFrom(uint64_t index);

  // Helpers used inside a write transaction on `cache` (a copy of cache_).
  Status AppendEntries(MDB_txn* txn, const std::vector<raft::Entry>& entries, Cache* cache);
  Status DeleteFrom(MDB_txn* txn, uint64_t index);
  Status PutMeta(MDB_txn* txn, const char* key, const google::protobuf::MessageLite& msg);
  Status ReadEntry(MDB_txn* txn, uint64_t index, raft::Entry* entry) const;
  Status CommitAndPublish(class LmdbTxn* txn, const Cache& cache);
  void Publish(const Cache& cache);
  Cache CacheCopy() const;
  Status LogCorruption(uint64_t index, const Status& s) const;

  const std::string dir_;
  const std::string data_file_;
  const StorageOptions options_;
  const Mode mode_;
  MDB_env* env_ = nullptr;
  MDB_dbi log_dbi_ = 0;
  MDB_dbi meta_dbi_ = 0;
  bool has_dbs_ = false;  // false only for an inspected environment never written

  Status WriteOnce(const std::vector<const WriteBatch*>& batches);
  Status GrowMap();

  mutable std::mutex mu_;  // guards cache_ (never held across I/O)
  // Readers hold it shared for the life of their read transaction; growing
  // the map (mdb_env_set_mapsize, legal only with no transaction active in
  // the process) holds it exclusively.
  mutable std::shared_mutex map_mu_;
  Cache cache_;
  std::atomic<uint64_t> first_index_{1};
  std::atomic<uint64_t> last_index_{0};
  std::atomic<uint64_t> sync_count_{0};
  std::vector<std::string> notes_;
};

}  // namespace arbor::storage
