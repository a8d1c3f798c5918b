# Storage: LMDB log store, snapshot files, group commit thread, recovery.
arbor_test(storage_test LABEL unit
  SOURCES
    storage/test_util.cc
    storage/log_store_test.cc
    storage/snapshot_test.cc
    storage/storage_thread_test.cc
    storage/data_dir_test.cc
    storage/dump_tool_test.cc
  DEPS arbor_storage)
target_compile_definitions(storage_test PRIVATE ARBOR_DUMP_BINARY="$<TARGET_FILE:arbor-dump>")
add_dependencies(storage_test arbor-dump)

# Crash test: kill -9 a writer process (the helper) many times. Runs in CI
# (label unit), ~10-20 s.
arbor_executable(storage_crash_helper
  SOURCES storage/crash_helper.cc storage/test_util.cc
  DEPS arbor_storage GTest::gtest)
arbor_test(storage_crash_test LABEL unit TIMEOUT 120
  SOURCES storage/crash_test.cc storage/test_util.cc
  DEPS arbor_storage)
target_compile_definitions(storage_crash_test PRIVATE ARBOR_CRASH_HELPER="$<TARGET_FILE:storage_crash_helper>")
add_dependencies(storage_crash_test storage_crash_helper)
