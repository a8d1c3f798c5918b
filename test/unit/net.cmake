arbor_test(net_test LABEL unit
  SOURCES net/tcp_listener_test.cc net/request_pipeline_test.cc net/client_session_test.cc net/peer_transport_test.cc
  DEPS arbor_net)
