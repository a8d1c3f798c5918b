#include "server/auth/ip_acl.h"

#include <array>
#include <cstdint>
#include <optional>

#include "server/auth/java_text.h"

namespace arbor::auth {
namespace {

using V4 = std::array<uint8_t, 4>;

// ZooKeeper's v4addr2Bytes: exactly four '.'-separated Integer.parseInt
// values in 0..255 (so "+1" and "001" are accepted, as in Java).
std::optional<V4> ParseV4(std::string_view addr) {
  std::vector<std::string_view> parts = JavaSplit(addr, '.', -1);
  if (parts.size() != 4) return std::nullopt;
  V4 out;
  for (size_t i = 0; i < 4; ++i) {
    std::optional<int32_t> v = JavaParseInt(parts[i]);
    if (!v || *v < 0 || *v > 255) return std::nullopt;
    out[i] = static_cast<uint8_t>(*v);
  }
  return out;
}

// Parses "addr[/bits]"; false if either part is bad.
bool ParseAclId(std::string_view acl_id, V4* addr, int* bits) {
  std::vector<std::string_view> parts = JavaSplit(acl_id, '/', 2);
  std::optional<V4> a = ParseV4(parts[0]);
  if (!a) return false;
  *addr = *a;
  *bits = 32;
  if (parts.size() == 2) {
    std::optional<int32_t> b = JavaParseInt(parts[1]);
    if (!b || *b < 0 || *b > 32) return false;
    *bits = *b;
  }
  return true;
}

void Mask(V4* b, int bits) {
  for (int i = 0; i < 4; ++i) {
    int keep = bits - 8 * i;  // bits of this byte to keep
    if (keep >= 8) continue;
    (*b)[i] = keep <= 0 ? 0 : static_cast<uint8_t>((*b)[i] & (0xFF << (8 - keep)));
  }
}

}  // namespace

bool IsValidIpAclId(std::string_view acl_id) {
  V4 addr;
  int bits;
  return ParseAclId(acl_id, &addr, &bits);
}

bool IpMatches(std::string_view address, std::string_view acl_id) {
  V4 acl_addr;
  int bits;
  if (!ParseAclId(acl_id, &acl_addr, &bits)) return false;
  std::optional<V4> remote = ParseV4(address);
  if (!remote) return false;
  Mask(&acl_addr, bits);
  Mask(&*remote, bits);
  return acl_addr == *remote;
}

}  // namespace arbor::auth
