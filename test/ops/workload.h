// A varied tree written through any client that answers proto::Requests
// (Arbor native, Arbor's ZooKeeper port, a real ZooKeeper): every node kind
// and Stat rule the backup and migration tests must carry over.
#pragma once

#include <string>

#include "test/ops/tree_walk.h"

namespace arbor::testing {

// The digest identity that owns the protected nodes ("alice:secret").
inline constexpr char kAliceAuth[] = "alice:secret";

// Writes under /ops: data of every shape (text, empty, null, binary, 200 KiB),
// versions (repeated setData, setACL), sequential nodes with deletes (so
// cversion and the next sequence number move), ACLs (digest, ip, world
// read-only; the caller authenticates as alice first), a container with a
// child, a TTL node, a 12-deep path, `bulk` small nodes, and — when
// `ephemerals` — an ephemeral and an ephemeral-sequential node owned by the
// calling session. `call` must belong to a session authenticated as
// kAliceAuth. Returns "" or what failed.
std::string WriteVariedTree(const Caller& call, int bulk, bool ephemerals, bool ttl = true);

proto::Request Create(const std::string& path, const std::string& data,
                      proto::CreateMode mode = proto::PERSISTENT, const std::vector<proto::Acl>& acl = {});
proto::Acl MakeAcl(const std::string& scheme, const std::string& id, int32_t perms);

}  // namespace arbor::testing
