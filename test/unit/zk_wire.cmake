# ZooKeeper wire (jute) codec: golden bytes (cross-checked with kazoo),
# round trips for every opcode, hostile input and a seeded mutation loop.
arbor_test(zk_wire_test LABEL unit
  SOURCES
    zk_wire/jute_test.cc
    zk_wire/frame_test.cc
    zk_wire/handshake_test.cc
    zk_wire/request_test.cc
    zk_wire/response_test.cc
    zk_wire/hostile_test.cc
    zk_wire/zk_parity_test.cc
  DEPS arbor_zk_wire)
