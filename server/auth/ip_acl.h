// The "ip" scheme, as ZooKeeper 3.8's IPAuthenticationProvider: an ACL id is
// an IPv4 address, optionally "/bits" (0..32); a connection's identity is
// ip:<its remote address>. IPv6 is not supported by ZooKeeper 3.8 either: an
// IPv6 ACL id is invalid and an IPv6 client matches no ip ACL.
#pragma once

#include <string_view>

namespace arbor::auth {

// Whether `acl_id` is a valid ip ACL id ("10.0.0.1", "10.0.0.0/8").
bool IsValidIpAclId(std::string_view acl_id);

// Whether the client address `address` (dotted IPv4) falls in `acl_id`.
bool IpMatches(std::string_view address, std::string_view acl_id);

}  // namespace arbor::auth
