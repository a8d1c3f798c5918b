// Length-prefixed framing shared by both client protocols: a 4-byte
// big-endian length, then that many bytes (ZooKeeper's framing too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor {

constexpr size_t kFrameHeaderBytes = 4;

// Prepends the 4-byte big-endian length of `payload` and appends to *out.
void AppendFrame(std::string_view payload, std::string* out);

// Looks at the front of `input` (bytes received, not yet consumed):
//  - a complete frame: *payload is set to a view into `input`, *consumed to
//    header + payload size, returns OK;
//  - an incomplete one: *consumed = 0, returns OK;
//  - a length over max_frame_bytes (or negative as a signed int): returns
//    InvalidArgument naming both numbers; the caller closes the connection.
Status PeekFrame(std::string_view input, size_t max_frame_bytes, std::string_view* payload,
                 size_t* consumed);

// The first four bytes read as a big-endian uint32 (input must have >= 4).
uint32_t ReadBigEndian32(const char* p);

}  // namespace arbor
