#include "common/zk_wire/jute_reader.h"

namespace arbor::zk_wire {

namespace {

uint64_t LoadBigEndian(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

Status JuteReader::Need(const char* field, size_t n) const {
  if (remaining() >= n) return Status::Ok();
  return Status::Corruption("jute: truncated reading '" + std::string(field) + "' at offset " +
                            std::to_string(pos_) + ": need " + std::to_string(n) +
                            " bytes, " + std::to_string(remaining()) + " left");
}

Status JuteReader::ReadInt(const char* field, int32_t* out) {
  ARBOR_RETURN_IF_ERROR(Need(field, 4));
  *out = static_cast<int32_t>(static_cast<uint32_t>(LoadBigEndian(data_.data() + pos_, 4)));
  pos_ += 4;
  return Status::Ok();
}

Status JuteReader::ReadLong(const char* field, int64_t* out) {
  ARBOR_RETURN_IF_ERROR(Need(field, 8));
  *out = static_cast<int64_t>(LoadBigEndian(data_.data() + pos_, 8));
  pos_ += 8;
  return Status::Ok();
}

Status JuteReader::ReadBool(const char* field, bool* out) {
  ARBOR_RETURN_IF_ERROR(Need(field, 1));
  *out = data_[pos_] != 0;  // as Java's DataInput.readBoolean: any non-zero is true
  pos_ += 1;
  return Status::Ok();
}

// Reads a buffer/ustring length: -1 (null) becomes 0 with *len = -1; any
// other negative value, or more bytes than remain, is an error.
Status JuteReader::ReadLength(const char* field, int32_t* len) {
  const size_t at = pos_;
  ARBOR_RETURN_IF_ERROR(ReadInt(field, len));
  if (*len == -1) return Status::Ok();
  if (*len < 0) {
    return Status::Corruption("jute: negative length " + std::to_string(*len) + " for '" +
                              field + "' at offset " + std::to_string(at));
  }
  if (static_cast<size_t>(*len) > remaining()) {
    return Status::Corruption("jute: length " + std::to_string(*len) + " for '" + field +
                              "' at offset " + std::to_string(at) + " exceeds the " +
                              std::to_string(remaining()) + " bytes left in the frame");
  }
  return Status::Ok();
}

Status JuteReader::ReadBuffer(const char* field, std::string* out, bool* was_null) {
  int32_t len = 0;
  ARBOR_RETURN_IF_ERROR(ReadLength(field, &len));
  if (was_null != nullptr) *was_null = (len == -1);
  if (len == -1) {
    out->clear();
    return Status::Ok();
  }
  out->assign(data_.data() + pos_, static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return Status::Ok();
}

Status JuteReader::ReadString(const char* field, std::string* out) {
  const size_t at = pos_;
  ARBOR_RETURN_IF_ERROR(ReadBuffer(field, out));
  if (!IsValidUtf8(*out)) {
    return Status::Corruption("jute: '" + std::string(field) + "' at offset " +
                              std::to_string(at) + " is not valid UTF-8");
  }
  return Status::Ok();
}

Status JuteReader::ReadVectorCount(const char* field, size_t min_element_bytes, int32_t* count) {
  assert(min_element_bytes >= 1);
  const size_t at = pos_;
  ARBOR_RETURN_IF_ERROR(ReadInt(field, count));
  if (*count == -1) {
    *count = 0;
    return Status::Ok();
  }
  if (*count < 0) {
    return Status::Corruption("jute: negative element count " + std::to_string(*count) +
                              " for '" + field + "' at offset " + std::to_string(at));
  }
  if (static_cast<size_t>(*count) > remaining() / min_element_bytes) {
    return Status::Corruption("jute: element count " + std::to_string(*count) + " for '" +
                              field + "' at offset " + std::to_string(at) +
                              " cannot fit in the " + std::to_string(remaining()) +
                              " bytes left in the frame");
  }
  return Status::Ok();
}

std::string_view JuteReader::ReadRest() {
  std::string_view rest = data_.substr(pos_);
  pos_ = data_.size();
  return rest;
}

Status JuteReader::ExpectEnd(const char* record) const {
  if (AtEnd()) return Status::Ok();
  return Status::Corruption("jute: " + std::to_string(remaining()) +
                            " unexpected trailing bytes after " + record + " at offset " +
                            std::to_string(pos_));
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace arbor::zk_wire
