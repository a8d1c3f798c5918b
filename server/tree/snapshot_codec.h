// Fixed-width little-endian encoding for snapshots, with a running CRC-32C.
//
// SnapshotWriter buffers (64 KiB) in front of a ByteSink and remembers the
// first sink error; SnapshotReader checks every length against a caller bound
// before reading, so a corrupted length fails cleanly instead of allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/byte_stream.h"
#include "common/status.h"

namespace arbor::tree {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(ByteSink* sink) : sink_(sink) {}  // *sink outlives the writer
  void U32(uint32_t v) { Fixed(v, 4); }
  void U64(uint64_t v) { Fixed(v, 8); }
  void I32(int32_t v) { Fixed(static_cast<uint32_t>(v), 4); }
  void I64(int64_t v) { Fixed(static_cast<uint64_t>(v), 8); }
  void Raw(std::string_view bytes);
  void Bytes(std::string_view bytes) {  // u32 length, then the bytes
    U32(static_cast<uint32_t>(bytes.size()));
    Raw(bytes);
  }
  // Appends the CRC-32C of everything written so far and flushes.
  Status Finish();

 private:
  void Fixed(uint64_t v, int n);
  void Flush();

  ByteSink* sink_;
  std::string buf_;
  uint32_t crc_ = 0;
  Status status_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(ByteSource* source) : source_(source) {}
  Status U32(uint32_t* v, const char* what);
  Status U64(uint64_t* v, const char* what);
  Status I32(int32_t* v, const char* what);
  Status I64(int64_t* v, const char* what);
  Status Raw(size_t n, std::string* out, const char* what);
  // A length-prefixed string of at most `max` bytes.
  Status Bytes(std::string* out, size_t max, const char* what);
  // Reads the trailing CRC, compares it with the bytes read, and requires the
  // stream to end there.
  Status VerifyTrailer();

 private:
  Status Fixed(uint64_t* v, int n, const char* what);
  ByteSource* source_;
  std::string scratch_;
  uint32_t crc_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace arbor::tree
