// SHA-1 from OpenSSL's libcrypto (EVP), now that TLS makes it a dependency.
#include "server/auth/sha1.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace arbor::auth {

Sha1Digest Sha1(std::string_view data) {
  Sha1Digest out{};
  unsigned int len = 0;
  // EVP_Digest is one call: no context to leak on any path.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr) != 1 || len != out.size()) {
    std::abort();  // only without a working libcrypto (a FIPS-only config without SHA-1)
  }
  return out;
}

}  // namespace arbor::auth
