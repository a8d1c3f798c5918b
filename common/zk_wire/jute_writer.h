// JuteWriter: appends ZooKeeper's jute binary encoding to a string, and
// FrameWriter: wraps one record in the 4-byte big-endian length prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace arbor::zk_wire {

class JuteWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit JuteWriter(std::string* out) : out_(out) {}

  void WriteInt(int32_t v);
  void WriteLong(int64_t v);
  void WriteBool(bool v);
  // A buffer or ustring: int length, then the bytes. Lengths above INT32_MAX
  // cannot be represented; callers bound their inputs far below that (the
  // frame limit), and this asserts it.
  void WriteBuffer(std::string_view bytes);
  void WriteString(std::string_view s) { WriteBuffer(s); }
  void WriteNullBuffer() { WriteInt(-1); }
  void WriteVectorCount(size_t count);
  void WriteRaw(std::string_view bytes) { out_->append(bytes.data(), bytes.size()); }

  std::string* out() const { return out_; }

 private:
  std::string* out_;
};

// Writes a length-prefixed frame into *out: construct, write the record
// through writer(), then Finish() patches the length. One frame at a time.
class FrameWriter {
 public:
  explicit FrameWriter(std::string* out);
  JuteWriter& writer() { return writer_; }
  // Patches the prefix; returns the payload size (excluding the prefix).
  size_t Finish();

 private:
  std::string* out_;
  size_t start_;
  JuteWriter writer_;
};

}  // namespace arbor::zk_wire
