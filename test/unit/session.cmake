arbor_test(session_expiry_test LABEL unit
  SOURCES session/expiry_tracker_test.cc session/session_manager_golden_test.cc testing/datadriven.cc
  DEPS arbor_session)
target_compile_definitions(session_expiry_test PRIVATE SESSION_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/session/testdata")
