// Minimal byte sink/source interfaces, so the state machine can write a
// snapshot without knowing whether it goes to a file, a socket or memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads exactly n bytes into *out (replacing its contents). Returns
  // Corruption("truncated ...") if fewer than n bytes remain.
  virtual Status ReadExactly(size_t n, std::string* out) = 0;
  // True once every byte has been read.
  virtual bool AtEnd() const = 0;
};

// In-memory twins, for tests and for streaming snapshots held in memory.
class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* dest) : dest_(dest) {}  // *dest outlives the sink
  Status Append(std::string_view bytes) override {
    dest_->append(bytes.data(), bytes.size());
    return Status::Ok();
  }

 private:
  std::string* dest_;
};

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}  // data outlives the source
  Status ReadExactly(size_t n, std::string* out) override {
    if (data_.size() - pos_ < n) return Status::Corruption("truncated stream: wanted " + std::to_string(n) + " bytes at offset " + std::to_string(pos_));
    out->assign(data_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  bool AtEnd() const override { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace arbor
