#include "server/admin/credentials.h"

#include <fstream>
#include <sstream>

#include "server/auth/digest.h"

namespace arbor::admin {
namespace {

// Compares without an early exit, so timing does not tell how much matched.
bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

Result<Credentials> Credentials::Parse(std::string_view text) {
  Credentials c;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 == line.size()) {
      return Status::InvalidArgument("admin credentials line " + std::to_string(n) +
                                     ": want user:base64(sha1(user:password))");
    }
    c.digests_[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return c;
}

Result<Credentials> Credentials::Load(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::InvalidArgument("cannot read --admin_credentials_file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  auto c = Parse(ss.str());
  if (c.ok() && c->empty()) return Status::InvalidArgument("--admin_credentials_file " + path + " names no user");
  return c;
}

std::string Credentials::Check(std::string_view header) const {
  constexpr std::string_view kBasic = "Basic ";
  if (header.substr(0, kBasic.size()) != kBasic) return "";
  std::string user_password;
  if (!Base64Decode(header.substr(kBasic.size()), &user_password)) return "";
  size_t colon = user_password.find(':');
  if (colon == std::string::npos) return "";
  std::string user = user_password.substr(0, colon);
  auto it = digests_.find(user);
  if (it == digests_.end()) return "";
  // GenerateDigest gives "user:" + base64(sha1(user:password)).
  std::string digest = auth::GenerateDigest(user_password).substr(user.size() + 1);
  return SameSecret(digest, it->second) ? user : "";
}

}  // namespace arbor::admin
