# ZooKeeper ACL rules and authentication (server/auth): SHA-1 and base64
# known answers, digest ids as ZooKeeper computes them, ip matching, the
# permission check, fixupACL, getACL masking, auth packets and whoAmI.
# The state machine's enforcement tests are in tree_test (tree/acl_*_test.cc).
arbor_test(auth_test LABEL unit
  SOURCES
    auth/acl_test.cc
    auth/auth_flags_test.cc
    auth/authenticator_test.cc
    auth/crypto_test.cc
    auth/java_text_test.cc
  DEPS arbor_auth arbor_auth_flags)
