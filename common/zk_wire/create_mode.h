// What a ZooKeeper create's flags mean, per opcode, as Apache ZooKeeper 3.8's
// PrepRequestProcessor and MultiOperationRecord treat them (recorded against
// a live 3.8.0 with extendedTypesEnabled=true; test/unit/zk_wire/
// zk_parity_test.cc and test/compat/extended_ops_compare.py).
//
// On the wire a create's mode is an int of flags (CreateMode.toFlag); the
// opcode says which record carries it (create/create2/createContainer:
// CreateRequest; createTTL: CreateTTLRequest with a ttl). The internal
// CreateRequest has the node kind (mode, plus `sequential` for containers)
// and ttl_ms, so the codec translates here, before the opcode is forgotten.
#pragma once

#include <cstdint>
#include <string>

#include "proto/client.pb.h"

namespace arbor::zk_wire {

// EphemeralType.TTL.maxValue(): the TTL is stored in 40 bits (~34 years).
inline constexpr int64_t kMaxTtlMs = 0xFFFFFFFFFFLL;

// CreateMode.fromFlag: 0..6 map one to one; anything else is false
// (ZooKeeper answers BADARGUMENTS).
bool CreateModeFromFlags(int32_t flags, proto::CreateMode* mode);

bool IsTtlMode(proto::CreateMode mode);

// A top-level create sent as `opcode` (create, create2, createContainer,
// createTTL) with wire `flags` and, for createTTL, `ttl`: sets c's mode,
// sequential and ttl_ms and returns OK, or BADARGUMENTS with *why:
//   - create/create2: the node is what the flags say, except that CONTAINER
//     flags make a plain persistent node (ZooKeeper logs a CreateTxn);
//   - createContainer: always a container, sequential when the flags are
//     (PERSISTENT|EPHEMERAL)_SEQUENTIAL; the ephemeral bit is ignored;
//   - TTL flags only with createTTL, createTTL only with TTL flags and
//     0 < ttl <= kMaxTtlMs (ZooKeeper with TTLs disabled answers
//     UNIMPLEMENTED instead; Arbor behaves as extendedTypesEnabled=true);
//   - flags outside 0..6: BADARGUMENTS.
proto::ErrorCode ApplyCreateFlags(int32_t opcode, int32_t flags, int64_t ttl,
                                  proto::CreateRequest* c, std::string* why);

// A create inside a multi, where ZooKeeper rebuilds each op from its flags
// alone (Op.create -> getOpcode(mode)): the record type only decides whether
// a ttl was read. Sets c's mode (= the flags) and ttl_ms (TTL modes only; the
// tree checks its range) and returns OK, or
//   - BADARGUMENTS for flags outside 0..6 (ZooKeeper fails just that op);
//   - MARSHALLINGERROR for TTL flags in a record without a ttl (ZooKeeper
//     fails the whole multi: its Create record is cast to CreateTTLRequest).
proto::ErrorCode ApplyMultiCreateFlags(int32_t record_type, int32_t flags, int64_t ttl,
                                       proto::CreateRequest* c, std::string* why);

// The flags to write for `c` (the inverse of the above): its mode, except a
// sequential container (sent as createContainer with PERSISTENT_SEQUENTIAL).
int32_t CreateFlagsOf(const proto::CreateRequest& c);

}  // namespace arbor::zk_wire
