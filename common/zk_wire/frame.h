// Frame splitting for ZooKeeper's client protocol: every packet, in both
// directions, is a 4-byte big-endian length followed by that many bytes —
// the framing of common/frame.h (arbor::PeekFrame, arbor::AppendFrame), which
// this wraps with a per-connection buffer and ZooKeeper's default limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arbor::zk_wire {

// ZooKeeper's default jute.maxbuffer (0xfffff: 1 MiB minus one byte). A
// server rejects any incoming frame whose length is above its limit.
inline constexpr uint32_t kDefaultMaxFrameBytes = 0xfffff;

// Streaming splitter: feed it bytes as they arrive from a socket, in chunks
// of any size, and it yields each complete frame's payload (without the
// prefix). Memory is bounded: it never buffers more than one incomplete frame
// (at most 4 + max_frame_bytes bytes). A negative length or one above the
// limit is a permanent error: the stream cannot be resynchronised, so every
// later Feed returns the same error and the caller should close the
// connection. Not thread-safe; one decoder per connection.
//
// A ZooKeeper server also answers four-letter words ("ruok") on the client
// port. Those are not frames ("ruok" read as a length is 1920298859); the
// server must look at a connection's first 4 bytes before feeding them here.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Appends `bytes`; appends the payload of every frame completed so far to
  // *frames, in order. Frames completed before an error are still returned.
  // Errors are InvalidArgument naming the length and the limit.
  Status Feed(std::string_view bytes, std::vector<std::string>* frames);

  // Bytes held for the frame in progress (for tests and metrics).
  size_t buffered_bytes() const { return pending_.size(); }
  uint32_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  uint32_t max_frame_bytes_;
  std::string pending_;
  Status error_;  // sticky
};

}  // namespace arbor::zk_wire
