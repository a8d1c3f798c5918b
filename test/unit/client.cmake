arbor_test(client_unit_test LABEL unit
  SOURCES client/session_state_machine_test.cc client/watch_registry_test.cc client/connect_string_test.cc
  DEPS arbor_client)
arbor_test(client_fake_server_test LABEL unit TIMEOUT 60
  SOURCES client/fake_server.cc client/fake_server_tree.cc client/client_ops_test.cc client/client_session_test.cc
  DEPS arbor_client)
