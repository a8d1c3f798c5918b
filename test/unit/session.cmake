arbor_test(session_expiry_test LABEL unit
  SOURCES session/expiry_tracker_test.cc
  DEPS arbor_session)
