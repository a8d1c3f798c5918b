#include "server/storage/log_record.h"

#include "common/crc32c.h"

namespace arbor::storage {
namespace {

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string EncodeIndexKey(uint64_t index) {
  std::string key(kIndexKeyBytes, '\0');
  for (size_t i = 0; i < kIndexKeyBytes; ++i) {
    key[i] = static_cast<char>((index >> (8 * (kIndexKeyBytes - 1 - i))) & 0xff);
  }
  return key;
}

Result<uint64_t> DecodeIndexKey(std::string_view key) {
  if (key.size() != kIndexKeyBytes) {
    return Status::InvalidArgument("log key has " + std::to_string(key.size()) + " bytes, want 8");
  }
  uint64_t v = 0;
  for (char c : key) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string EncodeRecord(std::string_view payload) {
  std::string out;
  out.reserve(kRecordHeaderBytes + payload.size());
  out.push_back(static_cast<char>(kRecordFormat));
  PutFixed32(&out, Crc32c(payload));
  out.append(payload.data(), payload.size());
  return out;
}

Result<std::string_view> DecodeRecord(std::string_view value) {
  if (value.size() < kRecordHeaderBytes) {
    return Status::Corruption("record of " + std::to_string(value.size()) + " bytes is shorter than its header");
  }
  if (static_cast<uint8_t>(value[0]) != kRecordFormat) {
    return Status::Corruption("unknown record format " + std::to_string(static_cast<uint8_t>(value[0])));
  }
  std::string_view payload = value.substr(kRecordHeaderBytes);
  uint32_t want = GetFixed32(value.data() + 1);
  uint32_t got = Crc32c(payload);
  if (want != got) {
    return Status::Corruption("record checksum mismatch (stored " + std::to_string(want) + ", computed " +
                              std::to_string(got) + ")");
  }
  return payload;
}

std::string EncodeMessage(const google::protobuf::MessageLite& msg) {
  return EncodeRecord(msg.SerializeAsString());
}

Status DecodeMessage(std::string_view value, google::protobuf::MessageLite* msg) {
  Result<std::string_view> payload = DecodeRecord(value);
  if (!payload.ok()) return payload.status();
  if (!msg->ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
    return Status::Corruption("record checksum matches but " + msg->GetTypeName() + " does not parse");
  }
  return Status::Ok();
}

Status DecodeLogValue(uint64_t index, std::string_view value, raft::Entry* entry) {
  ARBOR_RETURN_IF_ERROR(DecodeMessage(value, entry));
  if (entry->index() != index) {
    return Status::Corruption("record under key " + std::to_string(index) + " holds entry " +
                              std::to_string(entry->index()));
  }
  return Status::Ok();
}

}  // namespace arbor::storage
