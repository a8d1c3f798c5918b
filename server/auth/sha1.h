// SHA-1 (RFC 3174, computed by OpenSSL's libcrypto), for ZooKeeper's digest
// scheme only: the scheme's ids are base64(sha1("user:password")), so Arbor
// must compute exactly that hash. Not for anything that needs collision
// resistance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace arbor::auth {

using Sha1Digest = std::array<uint8_t, 20>;

// The 20-byte SHA-1 of `data` (any length, any bytes).
Sha1Digest Sha1(std::string_view data);

}  // namespace arbor::auth
