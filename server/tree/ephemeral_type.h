// ZooKeeper's encoding of node kinds in Stat.ephemeralOwner (EphemeralType):
//   0                                   persistent
//   > 0                                 ephemeral, owned by that session
//   0x8000000000000000                  container
//   0xFF00000000000000 | ttl (40 bits)  TTL node (extended type 0x0000 = TTL)
// Session ids are required to be positive, so the encodings never collide.
#pragma once

#include <cstdint>

namespace arbor::tree {

inline constexpr int64_t kContainerOwner = INT64_MIN;
inline constexpr uint64_t kExtendedMask = 0xFF00000000000000ull;
inline constexpr uint64_t kReservedBitsMask = 0x00FFFF0000000000ull;
inline constexpr int64_t kMaxTtlMs = 0x000000FFFFFFFFFFll;

inline bool IsContainerOwner(int64_t owner) { return owner == kContainerOwner; }
inline bool IsTtlOwner(int64_t owner) {
  uint64_t u = static_cast<uint64_t>(owner);
  return (u & kExtendedMask) == kExtendedMask && (u & kReservedBitsMask) == 0;
}
inline bool IsEphemeralOwner(int64_t owner) { return owner > 0; }
inline int64_t TtlOf(int64_t owner) { return owner & kMaxTtlMs; }
// When a TTL node with this mtime expires. Saturates: an mtime within the
// TTL of the end of time (only a damaged snapshot or log holds one) never
// expires rather than overflowing int64 (undefined; it wrapped to the past
// and the node was reaped at once).
inline int64_t TtlExpiry(int64_t mtime, int64_t owner) {
  const int64_t ttl = TtlOf(owner);
  return mtime > INT64_MAX - ttl ? INT64_MAX : mtime + ttl;
}
inline int64_t TtlOwner(int64_t ttl_ms) {
  return static_cast<int64_t>(kExtendedMask | static_cast<uint64_t>(ttl_ms));
}

}  // namespace arbor::tree
