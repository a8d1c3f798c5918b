# Raft core unit tests; each cites the paper / thesis section it checks.
arbor_test(raft_test LABEL unit
  SOURCES
    raft/election_test.cc
    raft/log_test.cc
    raft/membership_snapshot_test.cc
    raft/read_index_test.cc
    raft/replication_test.cc
  DEPS arbor_raft)
