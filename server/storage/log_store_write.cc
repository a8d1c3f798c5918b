// LogStore: the write side. Each public method is one LMDB write
// transaction; caches are published only after the commit succeeded, so a
// reader never sees an index that is not durable.
#include <glog/logging.h>

#include <algorithm>

#include "server/storage/lmdb_txn.h"
#include "server/storage/log_record.h"
#include "server/storage/log_store.h"

namespace arbor::storage {

Status LogStore::Write(const std::vector<const WriteBatch*>& batches) {
  // A full map grows (doubling, up to max_map_size_bytes) and the write is
  // tried again: a log that outgrew its first map size is not a crash.
  for (int attempt = 0;; ++attempt) {
    Status s = WriteOnce(batches);
    if (s.code() != Status::Code::kBusy || attempt >= 20) return s;
    ARBOR_RETURN_IF_ERROR(GrowMap());
  }
}

Status LogStore::GrowMap() {
  std::unique_lock<std::shared_mutex> lock(map_mu_);  // no read transaction runs now
  MDB_envinfo info;
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_info(env_, &info), "read map size", data_file_));
  size_t next = info.me_mapsize * 2;
  if (next > options_.max_map_size_bytes) {
    return Status::IOError("the log database in " + data_file_ + " needs more than --storage_map_size_max_mb (" +
                           std::to_string(options_.max_map_size_bytes >> 20) +
                           " MiB): free disk space or raise it, then restart");
  }
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_set_mapsize(env_, next), "grow the map", data_file_));
  LOG(WARNING) << "log database " << data_file_ << ": map grown to " << (next >> 20) << " MiB";
  return Status::Ok();
}

Status LogStore::WriteOnce(const std::vector<const WriteBatch*>& batches) {
  if (mode_ != Mode::kReadWrite) return Status::InvalidArgument("log store opened read-only");
  Cache c = CacheCopy();
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, false, data_file_));
  for (const WriteBatch* b : batches) {
    if (!b->entries.empty()) ARBOR_RETURN_IF_ERROR(AppendEntries(txn.get(), b->entries, &c));
    if (b->conf_state) {
      ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "conf_state", *b->conf_state));
      c.conf_state = *b->conf_state;
    }
    if (b->hard_state) {
      if (b->hard_state->commit() > c.last_index) {
        return Status::Internal("hard state commit " + std::to_string(b->hard_state->commit()) +
                                " is past the last entry " + std::to_string(c.last_index));
      }
      ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "hard_state", *b->hard_state));
      c.hard_state = *b->hard_state;
    }
  }
  return CommitAndPublish(&txn, c);
}

// Appends `entries`, replacing a conflicting suffix (Raft's log matching:
// entries with the same index and term are identical, so only the first
// differing index matters).
Status LogStore::AppendEntries(MDB_txn* txn, const std::vector<raft::Entry>& entries, Cache* c) {
  size_t i = 0;
  while (i < entries.size() && entries[i].index() <= c->base.index) ++i;  // already compacted
  if (i == entries.size()) return Status::Ok();
  const uint64_t first = entries[i].index();
  for (size_t j = i; j < entries.size(); ++j) {
    if (entries[j].index() != first + (j - i)) {
      return Status::Internal("entries not consecutive at " + std::to_string(entries[j].index()));
    }
    if (entries[j].data().size() > options_.max_entry_bytes) {
      return Status::Internal("entry " + std::to_string(entries[j].index()) + " exceeds max_entry_bytes");
    }
  }
  if (first > c->last_index + 1) {
    return Status::Internal("append at " + std::to_string(first) + " leaves a gap after " +
                            std::to_string(c->last_index));
  }
  for (; i < entries.size() && entries[i].index() <= c->last_index; ++i) {
    uint64_t term = c->last_term;
    if (entries[i].index() < c->last_index) {
      raft::Entry stored;
      ARBOR_RETURN_IF_ERROR(ReadEntry(txn, entries[i].index(), &stored));
      term = stored.term();
    }
    if (term != entries[i].term()) break;
  }
  if (i == entries.size()) return Status::Ok();
  const uint64_t from = entries[i].index();
  if (from <= c->last_index) {
    if (from <= c->hard_state.commit()) {
      return Status::Internal("append would overwrite committed entry " + std::to_string(from) + " (commit " +
                              std::to_string(c->hard_state.commit()) + ")");
    }
    ARBOR_RETURN_IF_ERROR(DeleteFrom(txn, from));
  }
  for (; i < entries.size(); ++i) {
    std::string k = EncodeIndexKey(entries[i].index());
    std::string v = EncodeMessage(entries[i]);
    MDB_val key = ToVal(k), val = ToVal(v);
    ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_put(txn, log_dbi_, &key, &val, MDB_APPEND),
                                     "append entry " + std::to_string(entries[i].index()), data_file_));
  }
  c->last_index = entries.back().index();
  c->last_term = entries.back().term();
  return Status::Ok();
}

// Deletes every log record with index >= `index`.
Status LogStore::DeleteFrom(MDB_txn* txn, uint64_t index) {
  LmdbCursor cursor;
  ARBOR_RETURN_IF_ERROR(cursor.Open(txn, log_dbi_, data_file_));
  std::string k = EncodeIndexKey(index);
  MDB_val key = ToVal(k), val;
  Status s = cursor.Get(&key, &val, MDB_SET_RANGE, data_file_);
  while (s.ok()) {
    ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_cursor_del(cursor.get(), 0), "delete entry", data_file_));
    s = cursor.Get(&key, &val, MDB_NEXT, data_file_);  // LMDB steps onto the successor after a delete
  }
  return s.IsNotFound() ? Status::Ok() : s;
}

Status LogStore::PutMeta(MDB_txn* txn, const char* key_name, const google::protobuf::MessageLite& msg) {
  std::string v = EncodeMessage(msg);
  MDB_val key = ToVal(key_name), val = ToVal(v);
  return LmdbStatus(mdb_put(txn, meta_dbi_, &key, &val, 0), std::string("write ") + key_name, data_file_);
}

Status LogStore::CommitAndPublish(LmdbTxn* txn, const Cache& cache) {
  ARBOR_RETURN_IF_ERROR(txn->Commit(data_file_));
  if (options_.sync) sync_count_.fetch_add(1, std::memory_order_relaxed);
  Publish(cache);
  return Status::Ok();
}

Status LogStore::CompactChunk(uint64_t upto, uint64_t max_entries, bool* more) {
  Cache c = CacheCopy();
  // Never past the snapshot in use: recovery needs the log right after it.
  const uint64_t limit = std::min({upto, c.snapshot.index(), c.hard_state.commit(), c.last_index});
  *more = false;
  if (limit <= c.base.index || max_entries == 0) return Status::Ok();
  const uint64_t end = std::min(limit, c.base.index + max_entries);
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, false, data_file_));
  raft::Entry last;
  ARBOR_RETURN_IF_ERROR(ReadEntry(txn.get(), end, &last));
  {
    // Scoped: a write transaction's cursor must be closed before the commit
    // (LMDB frees it at commit; closing it afterwards is a double free).
    LmdbCursor cursor;
    ARBOR_RETURN_IF_ERROR(cursor.Open(txn.get(), log_dbi_, data_file_));
    MDB_val key, val;
    Status s = cursor.Get(&key, &val, MDB_FIRST, data_file_);
    while (s.ok()) {
      Result<uint64_t> index = DecodeIndexKey(FromVal(key));
      if (!index.ok()) return index.status();
      if (*index > end) break;
      ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_cursor_del(cursor.get(), 0), "compact entry", data_file_));
      s = cursor.Get(&key, &val, MDB_NEXT, data_file_);
    }
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  raft::Entry base;
  base.set_index(end);
  base.set_term(last.term());
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "log_base", base));
  c.base = LogBase{end, last.term()};
  *more = end < limit;
  return CommitAndPublish(&txn, c);
}

Status LogStore::RecordSnapshot(const raft::SnapshotMetadata& meta) {
  Cache c = CacheCopy();
  if (meta.index() < c.base.index || meta.index() > c.last_index) {
    return Status::InvalidArgument("snapshot at " + std::to_string(meta.index()) + " is outside the log (" +
                                   std::to_string(c.base.index) + ", " + std::to_string(c.last_index) + "]");
  }
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, false, data_file_));
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "snapshot", meta));
  c.snapshot = meta;
  return CommitAndPublish(&txn, c);
}

Status LogStore::InstallSnapshot(const raft::SnapshotMetadata& meta) {
  Cache c = CacheCopy();
  if (meta.index() < c.hard_state.commit()) {
    return Status::InvalidArgument("snapshot at " + std::to_string(meta.index()) + " is behind commit " +
                                   std::to_string(c.hard_state.commit()));
  }
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, false, data_file_));
  ARBOR_RETURN_IF_ERROR(DeleteFrom(txn.get(), 0));
  raft::Entry base;
  base.set_index(meta.index());
  base.set_term(meta.term());
  c.base = LogBase{meta.index(), meta.term()};
  c.last_index = meta.index();
  c.last_term = meta.term();
  c.snapshot = meta;
  c.conf_state = meta.conf_state();
  c.hard_state.set_commit(meta.index());
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "log_base", base));
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "snapshot", meta));
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "conf_state", meta.conf_state()));
  ARBOR_RETURN_IF_ERROR(PutMeta(txn.get(), "hard_state", c.hard_state));
  return CommitAndPublish(&txn, c);
}

Status LogStore::TruncateFrom(uint64_t index) {
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, false, data_file_));
  ARBOR_RETURN_IF_ERROR(DeleteFrom(txn.get(), index));
  ARBOR_RETURN_IF_ERROR(txn.Commit(data_file_));
  if (options_.sync) sync_count_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace arbor::storage
