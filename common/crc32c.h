// CRC-32C (Castagnoli), used to checksum snapshots and log records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace arbor {

// Extends `crc` (the value returned for the preceding bytes, 0 at the start)
// with `n` bytes at `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

}  // namespace arbor
