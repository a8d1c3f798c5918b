// Base64 encoding (RFC 4648 section 4: standard alphabet, '=' padding), as
// ZooKeeper's DigestAuthenticationProvider.base64Encode writes it.
#pragma once

#include <string>
#include <string_view>

namespace arbor::auth {

std::string Base64Encode(std::string_view bytes);

}  // namespace arbor::auth
