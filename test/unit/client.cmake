arbor_test(client_unit_test LABEL unit
  SOURCES client/session_state_machine_test.cc client/watch_registry_test.cc client/connect_string_test.cc
  DEPS arbor_client)
