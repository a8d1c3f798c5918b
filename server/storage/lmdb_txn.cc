#include "server/storage/lmdb_txn.h"

namespace arbor::storage {

Status LmdbStatus(int rc, std::string_view what, const std::string& path) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string msg = std::string(what) + " in " + path + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Corruption(std::move(msg));
    case MDB_MAP_FULL:
      return Status::Busy(std::move(msg));  // the map can grow (LogStore::Write)
    default:
      return Status::IOError(std::move(msg));
  }
}

Status LmdbTxn::Begin(MDB_env* env, bool read_only, const std::string& path) {
  Abort();
  return LmdbStatus(mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn_), "begin transaction", path);
}

Status LmdbTxn::Commit(const std::string& path) {
  MDB_txn* t = txn_;
  txn_ = nullptr;  // mdb_txn_commit frees the handle even when it fails
  return LmdbStatus(mdb_txn_commit(t), "commit", path);
}

void LmdbTxn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Status LmdbCursor::Open(MDB_txn* txn, MDB_dbi dbi, const std::string& path) {
  return LmdbStatus(mdb_cursor_open(txn, dbi, &cursor_), "open cursor", path);
}

Status LmdbCursor::Get(MDB_val* key, MDB_val* value, MDB_cursor_op op, const std::string& path) {
  return LmdbStatus(mdb_cursor_get(cursor_, key, value, op), "cursor read", path);
}

}  // namespace arbor::storage
