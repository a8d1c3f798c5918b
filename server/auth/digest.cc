#include "server/auth/digest.h"

#include "server/auth/base64.h"
#include "server/auth/java_text.h"
#include "server/auth/sha1.h"

namespace arbor::auth {

std::string GenerateDigest(std::string_view user_password) {
  const std::string text = ToValidUtf8(user_password);
  const Sha1Digest hash = Sha1(text);
  std::string_view user = std::string_view(text).substr(0, text.find(':'));
  std::string out(user);
  out += ':';
  out += Base64Encode(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
  return out;
}

}  // namespace arbor::auth
