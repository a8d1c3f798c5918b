// Which create modes each ZooKeeper create opcode accepts.
//
// On the wire a create's mode is an int of flags (CreateMode.toFlag); the
// opcode says which record carries it (create/create2/createContainer:
// CreateRequest; createTTL: CreateTTLRequest with a ttl). The internal
// CreateRequest has only the mode and ttl_ms, so the codec checks here that
// the opcode and the mode agree, as ZooKeeper's PrepRequestProcessor does,
// before the opcode is forgotten.
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

// OK, or BADARGUMENTS with *why set, for a create sent as `opcode` (create,
// create2, createContainer or createTTL) with this mode and ttl:
//   - createTTL needs a *_WITH_TTL mode and 0 < ttl_ms <= kMaxTtlMs;
//   - the other three reject *_WITH_TTL modes (they carry no ttl);
//   - createContainer needs CONTAINER.
// create/create2 with CONTAINER are accepted (ZooKeeper does; the Java
// client sends containers as createContainer).
proto::ErrorCode ValidateCreate(int32_t opcode, proto::CreateMode mode, int64_t ttl_ms,
                                std::string* why);

}  // namespace arbor::zk_wire
