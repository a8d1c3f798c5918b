// ZooKeeper's ACL rules as pure functions: the permission check
// (ZooKeeperServer.checkACL), ACL validation and `auth` expansion
// (PrepRequestProcessor.fixupACL) and getACL's masking of digest hashes
// (FinalRequestProcessor). They depend only on their arguments, so they are
// safe inside the replicated Apply: every replica decides the same.
//
// The schemes known (ZooKeeper's providers as the reference server runs
// them): "ip" and "digest" (ZooKeeper's defaults) and "sasl" (registered by
// the reference configuration; Arbor accepts sasl ACL ids but no session can
// authenticate as one). "world" is only valid as world:anyone. "super" is
// never valid in an ACL; a session holding the identity super:"" passes
// every check.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "proto/client.pb.h"

namespace arbor::auth {

// A connection's (or a log entry's) authenticated identities.
using Ids = google::protobuf::RepeatedPtrField<proto::Id>;
using AclList = std::vector<proto::Acl>;

// Whether `ids` may perform `perm` (one or more proto::Perm bits: any one of
// them granted suffices, as ZooKeeper's `(acl.perms & perm) != 0`) on a node
// whose ACL is `acl`. True when the ACL is empty or `ids` holds super.
bool CheckAcl(const AclList& acl, int32_t perm, const Ids& ids);

// True if `ids` holds the super identity (super:"").
bool IsSuper(const Ids& ids);

// Whether `id` (scheme other than world/auth) names a known scheme and an id
// that scheme accepts (digest: "user:hash" in Java's split sense; ip: IPv4
// with optional /bits; sasl: a Kerberos-style principal).
bool IsValidAclId(const proto::Id& id);

// Whether a write sets an ACL naming the x509 scheme. ZooKeeper registers
// its X509AuthenticationProvider only with TLS configured, so without it
// such an ACL is INVALIDACL; Arbor's leader refuses these writes before
// proposing when no TLS client port is served (AuthConfig::x509_acls), and
// Apply always takes them, so replicas never disagree.
bool UsesX509Acl(const proto::Request& request);

// ZooKeeper's fixupACL for create and setACL: exact duplicates dropped, then
// an empty list is INVALIDACL; world:anyone kept; each `auth` entry replaced
// by one entry per authenticated identity in `ids` (digest and sasl ones;
// ip, world and super are not authenticated identities) with its perms,
// INVALIDACL if there is none; any other entry kept if IsValidAclId, else
// INVALIDACL. Permission bits are not validated (ZooKeeper does not).
// Returns OK and fills *out (cleared first), or INVALIDACL.
proto::ErrorCode FixupAcl(const google::protobuf::RepeatedPtrField<proto::Acl>& in, const Ids& ids,
                          AclList* out);

// getACL without ADMIN: every digest id's hash hidden, as ZooKeeper's
// id.replaceAll(":.*", ":x") ("alice:HASH" -> "alice:x").
void MaskDigests(google::protobuf::RepeatedPtrField<proto::Acl>* acl);
std::string MaskDigestId(std::string_view id);

}  // namespace arbor::auth
