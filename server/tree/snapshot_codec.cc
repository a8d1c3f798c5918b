#include "server/tree/snapshot_codec.h"

#include "common/crc32c.h"

namespace arbor::tree {
namespace {
constexpr size_t kFlushBytes = 64 * 1024;
}  // namespace

void SnapshotWriter::Fixed(uint64_t v, int n) {
  char b[8];
  for (int i = 0; i < n; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  Raw(std::string_view(b, n));
}

void SnapshotWriter::Raw(std::string_view bytes) {
  crc_ = Crc32cExtend(crc_, bytes.data(), bytes.size());
  buf_.append(bytes.data(), bytes.size());
  if (buf_.size() >= kFlushBytes) Flush();
}

void SnapshotWriter::Flush() {
  if (status_.ok() && !buf_.empty()) status_ = sink_->Append(buf_);
  buf_.clear();
}

Status SnapshotWriter::Finish() {
  uint32_t crc = crc_;
  Fixed(crc, 4);
  Flush();
  return status_;
}

Status SnapshotReader::Raw(size_t n, std::string* out, const char* what) {
  Status s = source_->ReadExactly(n, out);
  if (!s.ok()) {
    return Status::Corruption("snapshot truncated reading " + std::string(what) + " at offset " +
                              std::to_string(offset_) + ": " + s.message());
  }
  crc_ = Crc32cExtend(crc_, out->data(), out->size());
  offset_ += n;
  return Status::Ok();
}

Status SnapshotReader::Fixed(uint64_t* v, int n, const char* what) {
  ARBOR_RETURN_IF_ERROR(Raw(n, &scratch_, what));
  uint64_t x = 0;
  for (int i = 0; i < n; ++i) x |= static_cast<uint64_t>(static_cast<uint8_t>(scratch_[i])) << (8 * i);
  *v = x;
  return Status::Ok();
}

Status SnapshotReader::U32(uint32_t* v, const char* what) {
  uint64_t x;
  ARBOR_RETURN_IF_ERROR(Fixed(&x, 4, what));
  *v = static_cast<uint32_t>(x);
  return Status::Ok();
}
Status SnapshotReader::U64(uint64_t* v, const char* what) { return Fixed(v, 8, what); }
Status SnapshotReader::I32(int32_t* v, const char* what) {
  uint32_t x;
  ARBOR_RETURN_IF_ERROR(U32(&x, what));
  *v = static_cast<int32_t>(x);
  return Status::Ok();
}
Status SnapshotReader::I64(int64_t* v, const char* what) {
  uint64_t x;
  ARBOR_RETURN_IF_ERROR(Fixed(&x, 8, what));
  *v = static_cast<int64_t>(x);
  return Status::Ok();
}

Status SnapshotReader::Bytes(std::string* out, size_t max, const char* what) {
  uint64_t offset = offset_;
  uint32_t n;
  ARBOR_RETURN_IF_ERROR(U32(&n, what));
  if (n > max) {
    return Status::Corruption("snapshot corrupt: " + std::string(what) + " length " + std::to_string(n) +
                              " exceeds bound " + std::to_string(max) + " at offset " +
                              std::to_string(offset));
  }
  return Raw(n, out, what);
}

Status SnapshotReader::VerifyTrailer() {
  uint32_t expected = crc_;
  uint32_t stored;
  ARBOR_RETURN_IF_ERROR(U32(&stored, "checksum"));
  if (stored != expected) {
    return Status::Corruption("snapshot checksum mismatch: stored crc32c " + std::to_string(stored) +
                              ", computed " + std::to_string(expected) + " over " +
                              std::to_string(offset_ - 4) + " bytes");
  }
  if (!source_->AtEnd()) {
    return Status::Corruption("snapshot has trailing bytes after the checksum at offset " +
                              std::to_string(offset_));
  }
  return Status::Ok();
}

}  // namespace arbor::tree
