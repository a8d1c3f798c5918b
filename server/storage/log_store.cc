// LogStore: opening, checking and reading. Writes are in log_store_write.cc.
#include "server/storage/log_store.h"

#include <glog/logging.h>
#include <unistd.h>

#include <utility>

#include "server/storage/file_util.h"
#include "server/storage/lmdb_txn.h"
#include "server/storage/log_record.h"
#include "server/storage/page_check.h"

namespace arbor::storage {
namespace {

constexpr char kLogDb[] = "log";
constexpr char kMetaDb[] = "meta";

std::string RestoreAdvice() {
  return "Refusing to use this data directory. To recover, restore it from a backup, or replace the "
         "server: remove it from the cluster, wipe its data directory and add it back so it copies "
         "the state from the leader.";
}

Status WithAdvice(Status s) {
  if (!s.IsCorruption()) return s;
  return Status::Corruption(s.message() + ". " + RestoreAdvice());
}

}  // namespace

uint64_t WriteBatch::ByteSize() const {
  uint64_t n = 64;
  for (const raft::Entry& e : entries) n += e.data().size() + 32;
  return n;
}

LogStore::LogStore(std::string dir, const StorageOptions& options, Mode mode)
    : dir_(std::move(dir)), data_file_(dir_ + "/data.mdb"), options_(options), mode_(mode) {}

LogStore::~LogStore() {
  if (env_ != nullptr) mdb_env_close(env_);  // every transaction is scoped, none is open here
}

Result<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir, const StorageOptions& options,
                                                 Mode mode) {
  std::unique_ptr<LogStore> store(new LogStore(dir, options, mode));
  ARBOR_RETURN_IF_ERROR(store->OpenEnv());
  ARBOR_RETURN_IF_ERROR(store->OpenDatabases());
  Cache cache;
  if (store->has_dbs_) {
    ARBOR_RETURN_IF_ERROR(
        WithAdvice(TouchAllPages(store->env_, {store->log_dbi_, store->meta_dbi_}, store->data_file_)));
    ARBOR_RETURN_IF_ERROR(store->LoadMeta(&cache));
    ARBOR_RETURN_IF_ERROR(store->VerifyLog(&cache));
  }
  store->Publish(cache);
  return store;
}

Status LogStore::OpenEnv() {
  if (mode_ == Mode::kReadWrite) ARBOR_RETURN_IF_ERROR(EnsureDir(dir_));
  Result<uint64_t> size = FileSize(data_file_);
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  if (size.ok() && *size < 2 * page) {
    // LMDB would treat an empty file as a new database: never let a
    // truncated file turn into an empty log.
    return Status::Corruption(data_file_ + ": truncated to " + std::to_string(*size) +
                              " bytes, smaller than LMDB's two meta pages. " + RestoreAdvice());
  }
  if (!size.ok() && mode_ == Mode::kInspect) return Status::NotFound("no log database at " + data_file_);
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_create(&env_), "create environment", dir_));
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_set_maxdbs(env_, 4), "set max dbs", dir_));
  ARBOR_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_mapsize(env_, static_cast<size_t>(options_.map_size_bytes)), "set map size", dir_));
  unsigned flags = MDB_NOTLS;
  if (!options_.sync) flags |= MDB_NOSYNC;
  if (mode_ == Mode::kInspect) flags |= MDB_RDONLY;
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_open(env_, dir_.c_str(), flags, 0644), "open environment", dir_));
  // Before anything reads the tree: a truncated file would SIGBUS.
  ARBOR_RETURN_IF_ERROR(WithAdvice(TouchAllPages(env_, {}, data_file_)));
  if (mode_ == Mode::kReadWrite) {
    int dead = 0;
    ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_reader_check(env_, &dead), "clear stale readers", data_file_));
  }
  return Status::Ok();
}

Status LogStore::OpenDatabases() {
  LmdbTxn txn;
  const bool read_only = mode_ == Mode::kInspect;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, read_only, data_file_));
  unsigned flags = read_only ? 0 : MDB_CREATE;
  int rc = mdb_dbi_open(txn.get(), kLogDb, flags, &log_dbi_);
  if (rc == MDB_NOTFOUND && read_only) return Status::Ok();  // never written: empty (txn aborts)
  ARBOR_RETURN_IF_ERROR(LmdbStatus(rc, "open sub-database log", data_file_));
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_dbi_open(txn.get(), kMetaDb, flags, &meta_dbi_), "open sub-database meta", data_file_));
  has_dbs_ = true;
  return txn.Commit(data_file_);  // also for a read-only txn: aborting would close the new handles
}

Status LogStore::LoadMeta(Cache* cache) {
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, true, data_file_));
  raft::Entry base;
  struct Item {
    const char* key;
    google::protobuf::MessageLite* msg;
  } items[] = {{"hard_state", &cache->hard_state},
               {"conf_state", &cache->conf_state},
               {"snapshot", &cache->snapshot},
               {"log_base", &base}};
  for (const Item& item : items) {
    MDB_val key = ToVal(item.key);
    MDB_val val;
    int rc = mdb_get(txn.get(), meta_dbi_, &key, &val);
    if (rc == MDB_NOTFOUND) continue;
    ARBOR_RETURN_IF_ERROR(LmdbStatus(rc, std::string("read ") + item.key, data_file_));
    Status s = DecodeMessage(FromVal(val), item.msg);
    if (!s.ok()) {
      return Status::Corruption(data_file_ + ": state record " + item.key + ": " + s.message() + ". " +
                                RestoreAdvice());
    }
  }
  cache->base = LogBase{base.index(), base.term()};
  return Status::Ok();
}

// Checks every record; see Open() for what happens to a bad one.
Status LogStore::VerifyLog(Cache* cache) {
  uint64_t expect = cache->base.index + 1;
  uint64_t bad = 0;
  Status why;
  cache->last_index = cache->base.index;
  cache->last_term = cache->base.term;
  ARBOR_RETURN_IF_ERROR(ScanLog([&](uint64_t index, const Status& s, const raft::Entry& e) {
    if (bad != 0) return;
    if (index != expect) {
      bad = index < expect ? index : expect;
      why = Status::Corruption(index < expect ? "record below the log base " + std::to_string(cache->base.index)
                                              : "entry missing (next record is " + std::to_string(index) + ")");
    } else if (!s.ok()) {
      bad = index;
      why = s;
    } else {
      cache->last_index = index;
      cache->last_term = e.term();
      ++expect;
    }
  }));
  const uint64_t commit = cache->hard_state.commit();
  if (bad != 0) {
    std::string what = data_file_ + ": log entry " + std::to_string(bad) + " is corrupt: " + why.message();
    if (mode_ == Mode::kInspect) {
      notes_.push_back(what);
    } else if (bad <= commit) {
      return Status::Corruption(what + "; it is at or below the commit index " + std::to_string(commit) +
                                ", so it may hold acknowledged data. " + RestoreAdvice());
    } else if (!options_.drop_corrupt_uncommitted_tail) {
      return Status::Corruption(what + "; it is above the commit index " + std::to_string(commit) +
                                " and --storage_drop_corrupt_uncommitted_tail is off. " + RestoreAdvice());
    } else {
      // Above the commit index: not yet known committed anywhere through
      // this copy; drop it and everything after rather than serve it.
      what += "; above the commit index " + std::to_string(commit) + ": dropped entries from " +
              std::to_string(bad) + " on";
      LOG(WARNING) << what;
      notes_.push_back(what);
      ARBOR_RETURN_IF_ERROR(TruncateFrom(bad));
    }
  }
  if (commit > cache->last_index) {
    std::string what = data_file_ + ": the hard state's commit index " + std::to_string(commit) +
                       " is past the last readable log entry " + std::to_string(cache->last_index);
    if (mode_ == Mode::kInspect) {
      notes_.push_back(what);
    } else {
      return Status::Corruption(what + ". " + RestoreAdvice());
    }
  }
  return Status::Ok();
}

Status LogStore::ScanLog(const std::function<void(uint64_t, const Status&, const raft::Entry&)>& fn) const {
  if (!has_dbs_) return Status::Ok();
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, true, data_file_));
  LmdbCursor cursor;
  ARBOR_RETURN_IF_ERROR(cursor.Open(txn.get(), log_dbi_, data_file_));
  MDB_val key, val;
  Status s = cursor.Get(&key, &val, MDB_FIRST, data_file_);
  raft::Entry entry;
  for (; s.ok(); s = cursor.Get(&key, &val, MDB_NEXT, data_file_)) {
    Result<uint64_t> index = DecodeIndexKey(FromVal(key));
    if (!index.ok()) return Status::Corruption(data_file_ + ": log key: " + index.status().message());
    entry.Clear();
    Status rs = DecodeLogValue(*index, FromVal(val), &entry);
    fn(*index, rs, entry);
  }
  return s.IsNotFound() ? Status::Ok() : s;
}

Status LogStore::InitialState(raft::HardState* hard_state, raft::ConfState* conf_state) const {
  std::lock_guard<std::mutex> l(mu_);
  *hard_state = cache_.hard_state;
  *conf_state = cache_.conf_state;
  return Status::Ok();
}

raft::SnapshotMetadata LogStore::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.snapshot;
}

LogBase LogStore::base() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.base;
}

raft::HardState LogStore::hard_state() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.hard_state;
}

LogStore::Cache LogStore::CacheCopy() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_;
}

void LogStore::Publish(const Cache& cache) {
  std::lock_guard<std::mutex> l(mu_);
  cache_ = cache;
  first_index_.store(cache.base.index + 1, std::memory_order_release);
  last_index_.store(cache.last_index, std::memory_order_release);
}

Status LogStore::LogCorruption(uint64_t index, const Status& s) const {
  std::string msg = data_file_ + ": log entry " + std::to_string(index) + " is corrupt: " + s.message() +
                    "; not serving it";
  LOG(ERROR) << msg;
  return Status::Corruption(std::move(msg));
}

Result<uint64_t> LogStore::Term(uint64_t i) const {
  Cache c = CacheCopy();
  if (i < c.base.index) return Status::Unavailable("term of compacted entry " + std::to_string(i));
  if (i == c.base.index) return c.base.term;
  if (i > c.last_index) return Status::OutOfRange("term of entry " + std::to_string(i) + " past the last entry " +
                                                  std::to_string(c.last_index));
  if (i == c.last_index) return c.last_term;
  std::shared_lock<std::shared_mutex> map_lock(map_mu_);
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, true, data_file_));
  raft::Entry e;
  Status s = ReadEntry(txn.get(), i, &e);
  if (s.IsNotFound()) {  // a concurrent compaction or truncation won the race
    return i < FirstIndex() ? Status::Unavailable("term of compacted entry " + std::to_string(i))
                            : Status::OutOfRange("entry " + std::to_string(i) + " was truncated");
  }
  if (!s.ok()) return s;
  return e.term();
}

Result<std::vector<raft::Entry>> LogStore::Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  if (lo > hi) return Status::InvalidArgument("Entries: lo " + std::to_string(lo) + " > hi " + std::to_string(hi));
  if (lo < FirstIndex()) return Status::Unavailable("entry " + std::to_string(lo) + " is compacted");
  if (hi > LastIndex() + 1) {
    return Status::OutOfRange("Entries: hi " + std::to_string(hi) + " past last index " + std::to_string(LastIndex()));
  }
  std::vector<raft::Entry> out;
  if (lo == hi) return out;
  std::shared_lock<std::shared_mutex> map_lock(map_mu_);
  LmdbTxn txn;
  ARBOR_RETURN_IF_ERROR(txn.Begin(env_, true, data_file_));
  LmdbCursor cursor;
  ARBOR_RETURN_IF_ERROR(cursor.Open(txn.get(), log_dbi_, data_file_));
  std::string first_key = EncodeIndexKey(lo);
  MDB_val key = ToVal(first_key), val;
  Status s = cursor.Get(&key, &val, MDB_SET_KEY, data_file_);
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i, s = cursor.Get(&key, &val, MDB_NEXT, data_file_)) {
    if (!s.ok() && !s.IsNotFound()) return s;
    Result<uint64_t> k = s.ok() ? DecodeIndexKey(FromVal(key)) : Result<uint64_t>(Status::NotFound(""));
    if (!k.ok() || *k != i) {  // lost a race with compaction or truncation
      return i < FirstIndex() ? Status::Unavailable("entry " + std::to_string(i) + " was compacted")
                              : Status::OutOfRange("entry " + std::to_string(i) + " was truncated");
    }
    raft::Entry e;
    Status d = DecodeLogValue(i, FromVal(val), &e);
    if (!d.ok()) return LogCorruption(i, d);
    bytes += e.data().size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(std::move(e));
  }
  return out;
}

Status LogStore::ReadEntry(MDB_txn* txn, uint64_t index, raft::Entry* entry) const {
  std::string k = EncodeIndexKey(index);
  MDB_val key = ToVal(k), val;
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_get(txn, log_dbi_, &key, &val), "read entry " + std::to_string(index), data_file_));
  Status s = DecodeLogValue(index, FromVal(val), entry);
  return s.ok() ? s : LogCorruption(index, s);
}

}  // namespace arbor::storage
