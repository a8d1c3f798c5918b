// Admin credentials (--admin_credentials_file): who may use the admin
// port's actions and read znode data that is not world-readable.
//
// The file has one `user:digest` per line, digest being ZooKeeper's
// base64(sha1("user:password")) (what `--superdigest` takes after "super:"),
// so the file never holds a password:
//     echo -n 'ops:secret' | openssl dgst -binary -sha1 | base64
// Blank lines and lines starting with '#' are ignored. Clients send HTTP
// Basic authentication (`curl -u ops:secret`).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor::admin {

class Credentials {
 public:
  static Result<Credentials> Load(const std::string& path);
  static Result<Credentials> Parse(std::string_view text);
  bool empty() const { return digests_.empty(); }
  // The user named by an `Authorization: Basic ...` header value, if its
  // password matches; empty otherwise.
  std::string Check(std::string_view authorization_header) const;

 private:
  std::map<std::string, std::string, std::less<>> digests_;  // user -> base64 sha1
};

// RFC 4648 base64 (standard alphabet, padding optional); false on bad input.
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace arbor::admin
