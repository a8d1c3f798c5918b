// Options of the znode state machine. The core never reads flags; the server
// builds this struct (see tree_flags.h) and hands it in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include <google/protobuf/repeated_field.h>

#include "proto/client.pb.h"

namespace arbor::tree {

// Decides whether the identities `auth` may perform `perm` (proto::Perm bits;
// any one granted suffices) on a node whose ACL is `acl`. Called with the
// entry's replicated auth inside Apply, and with the reader's identities in
// Read, so it must be a pure function of its arguments (every replica must
// decide the same).
using AclCheck = std::function<bool(const std::vector<proto::Acl>& acl, int32_t perm,
                                    const google::protobuf::RepeatedPtrField<proto::Id>& auth)>;

// The most data a znode can hold, whatever the flags: Apply checks this
// compiled-in bound, never a flag, so every replica decides the same.
inline constexpr size_t kMaxStoredDataBytes = size_t{1} << 30;

struct TreeOptions {
  // Largest znode payload a client may write (--max_data_bytes); bigger
  // writes fail with BADARGUMENTS. Checked by the leader before it proposes
  // (core::Replica::Admit), never inside Apply: servers may disagree on it.
  // ZooKeeper's default (jute.maxbuffer) is 1 MiB as well.
  size_t max_data_bytes = 1 << 20;
  // Cluster-wide bounds on what the tree holds (0: none), also checked by the
  // leader before proposing: past them creates and growing writes answer
  // QUOTAEXCEEDED while reads and deletes go on.
  size_t max_znodes = 0;
  size_t max_total_data_bytes = 0;
  // Longest path accepted, in bytes (bounds every lookup and trigger).
  size_t max_path_bytes = 32 * 1024;
  // Most operations in one multi.
  size_t max_multi_ops = 10000;
  // Empty means ZooKeeper's rule, auth::CheckAcl (server/auth/acl.h): ACLs
  // are enforced by default. Tests may plug in another rule.
  AclCheck acl_check;
};

}  // namespace arbor::tree
