// JuteReader: bounds-checked reads of ZooKeeper's jute binary encoding.
//
// Jute is big-endian: int = 4 bytes, long = 8, boolean = 1 byte, buffer and
// ustring = int length (-1 means null) followed by the bytes, vector = int
// count (-1 means null) followed by the elements. Every read checks the bytes
// that remain, so hostile input (truncated frames, negative or huge lengths,
// element counts larger than the frame) gives a clear Status, never a crash
// and never an allocation larger than the input itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor::zk_wire {

class JuteReader {
 public:
  // `data` must outlive the reader; the reader never copies it.
  explicit JuteReader(std::string_view data) : data_(data) {}

  // `field` names what is being read; it only appears in error messages.
  Status ReadInt(const char* field, int32_t* out);
  Status ReadLong(const char* field, int64_t* out);
  Status ReadBool(const char* field, bool* out);
  // A jute buffer. A null buffer (length -1) reads as empty and sets
  // *was_null when given.
  Status ReadBuffer(const char* field, std::string* out, bool* was_null = nullptr);
  // A jute ustring: like a buffer, and the bytes must be valid UTF-8 (the
  // internal messages are protobuf `string`s, which require it). Null reads
  // as "".
  Status ReadString(const char* field, std::string* out);
  // A vector's element count. Null (-1) reads as 0. Rejects counts that
  // cannot fit in the remaining bytes, given each element takes at least
  // `min_element_bytes` (>= 1), so callers may reserve `*count` safely.
  Status ReadVectorCount(const char* field, size_t min_element_bytes, int32_t* count);
  // The rest of the input as raw bytes (deleteContainer's unframed path).
  std::string_view ReadRest();

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool AtEnd() const { return pos_ == data_.size(); }
  // Corruption unless every byte was consumed; `record` names the record.
  Status ExpectEnd(const char* record) const;

 private:
  Status Need(const char* field, size_t n) const;
  Status ReadLength(const char* field, int32_t* len);

  std::string_view data_;
  size_t pos_ = 0;
};

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace arbor::zk_wire
