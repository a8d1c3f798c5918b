// Base64 from OpenSSL's libcrypto.
#include "server/auth/base64.h"

#include <openssl/evp.h>

namespace arbor::auth {

std::string Base64Encode(std::string_view bytes) {
  // EVP_EncodeBlock writes standard-alphabet base64 with '=' padding and no
  // line breaks (unlike the EVP_Encode* stream API), plus a NUL.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace arbor::auth
