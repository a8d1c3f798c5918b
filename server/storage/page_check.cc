#include "server/storage/page_check.h"

#include <setjmp.h>
#include <signal.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "server/storage/lmdb_txn.h"

namespace arbor::storage {
namespace {

constexpr MDB_dbi kFreeDbi = 0;  // LMDB's free-page list (readable in a read-only txn)
constexpr MDB_dbi kMainDbi = 1;  // LMDB's directory of named sub-databases

thread_local sigjmp_buf* tls_jump = nullptr;
std::mutex handler_mu;  // one guarded walk at a time installs the handler

thread_local char tls_assert[256];

// LMDB's own consistency checks (mdb_assert) call this and then abort();
// during the walk we leave instead, reporting what LMDB found.
void OnLmdbAssert(MDB_env*, const char* msg) {
  if (tls_jump == nullptr) return;  // not during a walk: LMDB aborts as usual
  std::snprintf(tls_assert, sizeof(tls_assert), "%s", msg);
  siglongjmp(*tls_jump, 2);
}

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

// The walk's LMDB handles live on the heap: a SIGBUS jump skips every
// destructor between the fault and sigsetjmp, so nothing with a destructor
// may live on the stack in that range. After a fault the walk is parked in
// `abandoned` (reachable, so leak checkers stay quiet) and never touched:
// LMDB's state inside it is unknown.
struct PageWalk {
  MDB_txn* txn = nullptr;
  MDB_cursor* cursor = nullptr;  // read-only cursors are ours to close
  ~PageWalk() {
    if (cursor != nullptr) mdb_cursor_close(cursor);
    if (txn != nullptr) mdb_txn_abort(txn);
  }
};
std::vector<PageWalk*>* const abandoned = new std::vector<PageWalk*>;

// Runs between sigsetjmp and a possible jump: raw LMDB calls only, no
// object with a destructor, no allocation of ours.
int WalkAll(MDB_env* env, PageWalk* walk, const MDB_dbi* dbis, size_t n, size_t page, volatile uint8_t* sink) {
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &walk->txn);
  for (size_t i = 0; rc == 0 && i < n; ++i) {
    rc = mdb_cursor_open(walk->txn, dbis[i], &walk->cursor);
    if (rc != 0) break;
    MDB_val key, val;
    for (rc = mdb_cursor_get(walk->cursor, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(walk->cursor, &key, &val, MDB_NEXT)) {
      *sink ^= Touch(key, page) ^ Touch(val, page);
    }
    mdb_cursor_close(walk->cursor);
    walk->cursor = nullptr;
    if (rc == MDB_NOTFOUND) rc = 0;
  }
  return rc;
}

}  // namespace

Status TouchAllPages(MDB_env* env, const std::vector<MDB_dbi>& dbis, const std::string& data_file) {
  MDB_stat st;
  ARBOR_RETURN_IF_ERROR(LmdbStatus(mdb_env_stat(env, &st), "stat", data_file));
  MDB_dbi all[8] = {kFreeDbi, kMainDbi};
  size_t n = 2;
  for (MDB_dbi d : dbis) {
    if (n == 8) return Status::Internal("TouchAllPages: too many sub-databases");
    all[n++] = d;
  }
  std::lock_guard<std::mutex> l(handler_mu);
  struct sigaction sa = {}, old = {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &old);
  mdb_env_set_assert(env, OnLmdbAssert);
  sigjmp_buf jump;
  PageWalk* walk = new PageWalk;  // not modified after sigsetjmp
  volatile uint8_t sink = 0;
  Status result;  // assigned only after the guarded call returned or jumped
  const int jumped = sigsetjmp(jump, 1);
  if (jumped == 0) {
    tls_jump = &jump;
    int rc = WalkAll(env, walk, all, n, st.ms_psize, &sink);
    tls_jump = nullptr;
    delete walk;
    result = LmdbStatus(rc, "reading every page", data_file);
  } else {
    tls_jump = nullptr;
    abandoned->push_back(walk);
    result = jumped == 1 ? Status::Corruption(data_file + ": truncated or torn: a page of the current database "
                                                          "lies past the end of the file")
                         : Status::Corruption(data_file + ": damaged page: LMDB's consistency check failed (" +
                                              std::string(tls_assert) + ")");
  }
  mdb_env_set_assert(env, nullptr);
  sigaction(SIGBUS, &old, nullptr);
  return result;
}

}  // namespace arbor::storage
