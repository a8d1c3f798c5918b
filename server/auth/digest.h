// The "digest" scheme's identity, as ZooKeeper's
// DigestAuthenticationProvider.generateDigest computes it.
#pragma once

#include <string>
#include <string_view>

namespace arbor::auth {

// "user:password" -> "user:" + base64(sha1("user:password")). The user is
// everything before the first ':' (the whole input when there is none, as
// Java's split(":", 2) gives); the hash covers the whole input. Any input is
// accepted, as on ZooKeeper: a wrong password is not an error, it is simply
// another identity. Invalid UTF-8 is first replaced (see ToValidUtf8), as
// Java's new String(bytes) does, so the result is always valid UTF-8.
std::string GenerateDigest(std::string_view user_password);

}  // namespace arbor::auth
