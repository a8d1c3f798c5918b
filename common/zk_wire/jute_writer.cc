#include "common/zk_wire/jute_writer.h"

#include <cassert>
#include <limits>

namespace arbor::zk_wire {

namespace {

void AppendBigEndian(std::string* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out->push_back(static_cast<char>((v >> (8 * (n - 1 - i))) & 0xFF));
  }
}

}  // namespace

void JuteWriter::WriteInt(int32_t v) { AppendBigEndian(out_, static_cast<uint32_t>(v), 4); }

void JuteWriter::WriteLong(int64_t v) { AppendBigEndian(out_, static_cast<uint64_t>(v), 8); }

void JuteWriter::WriteBool(bool v) { out_->push_back(v ? 1 : 0); }

void JuteWriter::WriteBuffer(std::string_view bytes) {
  assert(bytes.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  WriteInt(static_cast<int32_t>(bytes.size()));
  WriteRaw(bytes);
}

void JuteWriter::WriteVectorCount(size_t count) {
  assert(count <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  WriteInt(static_cast<int32_t>(count));
}

FrameWriter::FrameWriter(std::string* out) : out_(out), start_(out->size()), writer_(out) {
  writer_.WriteInt(0);  // placeholder, patched by Finish()
}

size_t FrameWriter::Finish() {
  const size_t payload = out_->size() - start_ - 4;
  assert(payload <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  for (size_t i = 0; i < 4; ++i) {
    (*out_)[start_ + i] = static_cast<char>((payload >> (8 * (3 - i))) & 0xFF);
  }
  return payload;
}

}  // namespace arbor::zk_wire
