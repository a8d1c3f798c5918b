#include "server/storage/page_check.h"

#include <setjmp.h>
#include <signal.h>

#include <mutex>

#include "server/storage/lmdb_txn.h"

namespace arbor::storage {
namespace {

constexpr MDB_dbi kFreeDbi = 0;  // LMDB's free-page list (readable in a read-only txn)
constexpr MDB_dbi kMainDbi = 1;  // LMDB's directory of named sub-databases

thread_local sigjmp_buf* tls_jump = nullptr;
std::mutex handler_mu;  // one guarded walk at a time installs the handler

void OnSigbus(int sig, siginfo_t*, void*) {
  if (tls_jump != nullptr) siglongjmp(*tls_jump, 1);
  // Not ours: behave as if no handler were installed.
  signal(sig, SIG_DFL);
  raise(sig);
}

// Reads one byte per `page` bytes of v so that every page it spans is faulted in.
uint8_t Touch(const MDB_val& v, size_t page) {
  const volatile uint8_t* p = static_cast<const uint8_t*>(v.mv_data);
  uint8_t x = 0;
  for (size_t off = 0; off < v.mv_size; off += page) x ^= p[off];
  if (v.mv_size > 0) x ^= p[v.mv_size - 1];
  return x;
}

Status Walk(MDB_txn* txn, MDB_dbi dbi, size_t page, const std::string& path, volatile uint8_t* sink) {
  LmdbCursor cursor;
  ARBOR_RETURN_IF_ERROR(cursor.Open(txn, dbi, path));
  MDB_val key, val;
  Status s = cursor.Get(&key, &val, MDB_FIRST, path);
  for (; s.ok(); s = cursor.Get(&key, &val, MDB_NEXT, path)) *sink ^= Touch(key, page) ^ Touch(val, page);
  return s.IsNotFound() ? Status::Ok() : s;
}

Status WalkAll(MDB_env* env, LmdbTxn* txn, const std::vector<MDB_dbi>& dbis, size_t page,
               const std::string& path, volatile uint8_t* sink) {
  ARBOR_RETURN_IF_ERROR(txn->Begin(env, true, path));
  std::vector<MDB_dbi> all = {kFreeDbi, kMainDbi};
  all.insert(all.end(), dbis.begin(), dbis.end());
  for (MDB_dbi dbi : all) ARBOR_RETURN_IF_ERROR(Walk(txn->get(), dbi, page, path, sink));
  return Status::Ok();
}

}  // namespace

Status TouchAllPages(MDB_env* env, const std::vector<MDB_dbi>& dbis, const std::string& data_file) {
  MDB_stat st;
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_stat(env, &st), "stat", data_file));
  std::lock_guard<std::mutex> l(handler_mu);
  struct sigaction sa = {}, old = {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &old);
  sigjmp_buf jump;
  // Everything below that the jump could skip is plain data or leaked on
  // purpose (see the header); `txn` is heap-held so no destructor is skipped.
  LmdbTxn* txn = new LmdbTxn;
  volatile uint8_t sink = 0;
  Status result;
  if (sigsetjmp(jump, 1) == 0) {
    tls_jump = &jump;
    // `result` is assigned only when WalkAll returns, so a jump out of it
    // leaves `result` untouched since sigsetjmp (no indeterminate value).
    result = WalkAll(env, txn, dbis, st.ms_psize, data_file, &sink);
    tls_jump = nullptr;
    delete txn;
  } else {
    tls_jump = nullptr;  // txn leaked: LMDB's state inside it is unknown
    result = Status::Corruption(data_file + ": truncated or torn: a page of the current database lies past the "
                                "end of the file");
  }
  sigaction(SIGBUS, &old, nullptr);
  return result;
}

}  // namespace arbor::storage
