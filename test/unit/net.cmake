arbor_test(net_test LABEL unit
  SOURCES net/tcp_listener_test.cc net/request_pipeline_test.cc net/client_session_test.cc net/peer_transport_test.cc
  DEPS arbor_net)

# TLS: the memory-BIO engine, subject names, reload, peers over mutual TLS
# (certificates from test/tls/make_test_certs.sh at test time).
arbor_test(tls_unit_test LABEL unit
  SOURCES net/tls_unit_test.cc
  DEPS arbor_net arbor_tls)
target_compile_definitions(tls_unit_test PRIVATE TLS_CERT_SCRIPT="${PROJECT_SOURCE_DIR}/test/tls/make_test_certs.sh")
