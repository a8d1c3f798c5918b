# Storage: LMDB log store, snapshot files, group commit thread, recovery.
arbor_test(storage_test LABEL unit
  SOURCES
    storage/test_util.cc
    storage/log_store_test.cc
  DEPS arbor_storage)
