// Thin RAII over LMDB handles, turning return codes into Status values.
#pragma once

#include <lmdb.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor::storage {

// Status for LMDB return code rc while doing `what` on the environment at
// `path`. MDB_NOTFOUND maps to NotFound, MDB_CORRUPTED and friends to
// Corruption, MDB_MAP_FULL to Busy (the map may grow), everything else to
// IOError.
Status LmdbStatus(int rc, std::string_view what, const std::string& path);

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A transaction that aborts unless committed. With MDB_NOTLS a read-only
// transaction may be used by any one thread at a time, so each storage read
// owns its own short-lived LmdbTxn.
class LmdbTxn {
 public:
  LmdbTxn() = default;
  LmdbTxn(const LmdbTxn&) = delete;
  LmdbTxn& operator=(const LmdbTxn&) = delete;
  ~LmdbTxn() { Abort(); }

  Status Begin(MDB_env* env, bool read_only, const std::string& path);
  // Commits (and, unless the environment has MDB_NOSYNC, makes it durable).
  Status Commit(const std::string& path);
  void Abort();
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

// A cursor closed with its scope. It must not outlive its transaction, and
// a write transaction's cursor must be destroyed BEFORE the commit or abort
// (LMDB frees write cursors itself when the transaction ends).
class LmdbCursor {
 public:
  LmdbCursor() = default;
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;
  ~LmdbCursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  Status Open(MDB_txn* txn, MDB_dbi dbi, const std::string& path);
  // mdb_cursor_get: Ok, NotFound at the end, or an error.
  Status Get(MDB_val* key, MDB_val* value, MDB_cursor_op op, const std::string& path);
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace arbor::storage
