// Parsing "host1:port,host2:port/optional/chroot" and mapping paths through
// the chroot.
//
// The host list is shuffled (seeded, so tests are reproducible) so that many
// clients with the same string spread over the ensemble; the client then
// walks it round-robin. A chroot makes the client see the subtree rooted
// there as "/": paths are prefixed on the way out and stripped on the way in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arbor::client {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  bool operator==(const HostPort& o) const { return host == o.host && port == o.port; }
};

struct ConnectString {
  std::vector<HostPort> hosts;  // non-empty, at most kMaxHosts
  std::string chroot;           // "" (none) or a valid path other than "/"
};

constexpr size_t kMaxHosts = 256;

// Parses `spec`. A chroot may be appended ("h:1/app") or given separately
// (`chroot`, which wins when both are set). Errors name the bad part.
Result<ConnectString> ParseConnectString(std::string_view spec, std::string_view chroot = "");

// Fisher-Yates with a fixed-seed generator: the same seed gives the same order.
void ShuffleHosts(std::vector<HostPort>* hosts, uint64_t seed);

// Path mapping for one chroot ("" means none). Client paths are validated by
// the server; the client only checks what it needs to map them.
class Chroot {
 public:
  explicit Chroot(std::string root = "") : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // "/x" -> "/app/x"; "/" -> "/app".
  std::string ToServer(const std::string& client_path) const;
  // "/app/x" -> "/x"; "/app" -> "/". A path outside the chroot is returned
  // unchanged (the server never sends one; this keeps the client total).
  std::string ToClient(const std::string& server_path) const;
  // A sequential-create prefix may end in "/" ("/app/" + "" is fine).
  bool IsUnder(const std::string& server_path) const;

 private:
  std::string root_;
};

}  // namespace arbor::client
