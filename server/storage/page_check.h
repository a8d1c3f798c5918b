// Proof that every page LMDB's current tree uses is inside the data file.
//
// LMDB maps the file and trusts it: a page referenced by the B-tree but cut
// off by truncation (a torn copy, a full disk, an operator's mistake)
// faults with SIGBUS on first access. The size of the file cannot be
// compared with LMDB's last page number either: pages allocated and freed
// within one transaction at the end of the file are never written, so a
// healthy file may legally be shorter than (last_pgno + 1) pages.
//
// TouchAllPages therefore walks every sub-database (free list, main,
// and the named ones), reading one byte of every page of every key and
// value, with SIGBUS and LMDB's own assertion failures (a zeroed or
// garbled page trips mdb_assert, which would abort) turned into an error
// for the calling thread while it runs. It only reads, in its own read-only transaction; after a fault the
// transaction and the reader slot are leaked (the environment must then be
// abandoned, which the caller does by refusing to open).
#pragma once

#include <lmdb.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace arbor::storage {

// Corruption naming `data_file` if a page is missing; IOError on LMDB
// errors. `dbis` are the named sub-databases to walk besides the free list
// and the main database.
Status TouchAllPages(MDB_env* env, const std::vector<MDB_dbi>& dbis, const std::string& data_file);

}  // namespace arbor::storage
