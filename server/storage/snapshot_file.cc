#include "server/storage/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "common/crc32c.h"
#include "server/storage/file_util.h"

namespace arbor::storage {
namespace {

constexpr char kHeadMagic[] = "ARBORSNP";
constexpr char kTailMagic[] = "ARBOREND";
constexpr size_t kMagicBytes = 8;
constexpr uint32_t kVersion = 1;
constexpr size_t kTrailerBytes = 8 + 4 + 4 + kMagicBytes;
constexpr size_t kBufferBytes = 1 << 20;
constexpr uint32_t kMaxMetaBytes = 1 << 20;

void PutFixed(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string SnapshotFileName(uint64_t index, uint64_t term) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "snap-%016" PRIx64 "-%016" PRIx64 ".snap", index, term);
  return buf;
}

std::optional<std::pair<uint64_t, uint64_t>> ParseSnapshotFileName(std::string_view name) {
  // snap- (5) + 16 hex + '-' + 16 hex + ".snap" (5) = 43 characters
  if (name.size() != 43 || name.substr(0, 5) != "snap-" || name[21] != '-' || name.substr(38) != ".snap") {
    return std::nullopt;
  }
  auto hex = [](std::string_view s, uint64_t* v) {
    *v = 0;
    for (char c : s) {
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      *v = (*v << 4) | static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t index = 0, term = 0;
  if (!hex(name.substr(5, 16), &index) || !hex(name.substr(22, 16), &term)) return std::nullopt;
  return std::make_pair(index, term);
}

std::string EncodeSnapshotFileHeader(const raft::SnapshotMetadata& meta) {
  std::string m = meta.SerializeAsString();
  std::string framed;
  PutFixed(&framed, kVersion, 4);
  PutFixed(&framed, m.size(), 4);
  framed += m;
  std::string out(kHeadMagic, kMagicBytes);
  out += framed;
  PutFixed(&out, Crc32c(framed), 4);
  return out;
}

std::string EncodeSnapshotFileTrailer(uint64_t body_bytes, uint32_t body_crc32c) {
  std::string trailer;
  PutFixed(&trailer, body_bytes, 8);
  PutFixed(&trailer, body_crc32c, 4);
  PutFixed(&trailer, Crc32c(trailer), 4);
  trailer.append(kTailMagic, kMagicBytes);
  return trailer;
}

// ---------------------------------------------------------------- writer

SnapshotFileWriter::SnapshotFileWriter(std::string dir, std::string tmp_path, std::string final_path, int fd)
    : dir_(std::move(dir)), tmp_path_(std::move(tmp_path)), final_path_(std::move(final_path)), fd_(fd) {}

Result<std::unique_ptr<SnapshotFileWriter>> SnapshotFileWriter::Create(const std::string& dir,
                                                                       const raft::SnapshotMetadata& meta) {
  std::string final_path = dir + "/" + SnapshotFileName(meta.index(), meta.term());
  std::string tmp_path = final_path + ".tmp";
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create snapshot", tmp_path, errno);
  std::unique_ptr<SnapshotFileWriter> w(new SnapshotFileWriter(dir, tmp_path, final_path, fd));
  w->buffer_ = EncodeSnapshotFileHeader(meta);
  return w;
}

SnapshotFileWriter::~SnapshotFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

Status SnapshotFileWriter::Append(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (committed_) return Status::InvalidArgument("snapshot " + final_path_ + " already committed");
  body_crc_ = Crc32cExtend(body_crc_, bytes.data(), bytes.size());
  body_bytes_ += bytes.size();
  buffer_.append(bytes.data(), bytes.size());
  return buffer_.size() >= kBufferBytes ? Flush() : Status::Ok();
}

Status SnapshotFileWriter::Flush() {
  Status s = WriteAll(fd_, buffer_, tmp_path_);
  buffer_.clear();
  if (!s.ok()) error_ = s;
  return s;
}

Status SnapshotFileWriter::Commit() {
  if (!error_.ok()) return error_;
  buffer_ += EncodeSnapshotFileTrailer(body_bytes_, body_crc_);
  ARBOR_RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return error_ = ErrnoStatus("fsync", tmp_path_, errno);
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    return error_ = ErrnoStatus("rename to " + final_path_, tmp_path_, errno);
  }
  committed_ = true;
  return SyncDir(dir_);
}

// ---------------------------------------------------------------- reader

Result<std::unique_ptr<SnapshotFileReader>> SnapshotFileReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open snapshot", path, errno);
  std::unique_ptr<SnapshotFileReader> r(new SnapshotFileReader(path, fd));
  ARBOR_RETURN_IF_ERROR(r->ReadFraming());
  return r;
}

SnapshotFileReader::~SnapshotFileReader() { ::close(fd_); }

Status SnapshotFileReader::ReadFraming() {
  Result<uint64_t> size = FileSize(path_);
  if (!size.ok()) return size.status();
  std::string head;
  ARBOR_RETURN_IF_ERROR(PreadExactly(fd_, 0, kMagicBytes + 8, &head, path_));
  if (head.compare(0, kMagicBytes, kHeadMagic, kMagicBytes) != 0) {
    return Status::Corruption(path_ + ": not a snapshot file (bad magic)");
  }
  const uint32_t version = static_cast<uint32_t>(GetFixed(head.data() + kMagicBytes, 4));
  const uint32_t meta_len = static_cast<uint32_t>(GetFixed(head.data() + kMagicBytes + 4, 4));
  if (version != kVersion) return Status::Corruption(path_ + ": unknown snapshot version " + std::to_string(version));
  if (meta_len > kMaxMetaBytes) return Status::Corruption(path_ + ": header length " + std::to_string(meta_len));
  std::string meta;
  ARBOR_RETURN_IF_ERROR(PreadExactly(fd_, kMagicBytes + 8, meta_len + 4, &meta, path_));
  std::string framed = head.substr(kMagicBytes) + meta.substr(0, meta_len);
  if (Crc32c(framed) != static_cast<uint32_t>(GetFixed(meta.data() + meta_len, 4))) {
    return Status::Corruption(path_ + ": header checksum mismatch");
  }
  if (!meta_.ParseFromArray(meta.data(), static_cast<int>(meta_len))) {
    return Status::Corruption(path_ + ": header does not parse");
  }
  body_offset_ = kMagicBytes + 8 + meta_len + 4;
  if (*size < body_offset_ + kTrailerBytes) {
    return Status::Corruption(path_ + ": truncated: " + std::to_string(*size) + " bytes, no room for the trailer");
  }
  std::string tail;
  ARBOR_RETURN_IF_ERROR(PreadExactly(fd_, *size - kTrailerBytes, kTrailerBytes, &tail, path_));
  if (tail.compare(16, kMagicBytes, kTailMagic, kMagicBytes) != 0 ||
      Crc32c(tail.data(), 12) != static_cast<uint32_t>(GetFixed(tail.data() + 12, 4))) {
    return Status::Corruption(path_ + ": trailer damaged (file truncated or overwritten)");
  }
  body_bytes_ = GetFixed(tail.data(), 8);
  body_crc_ = static_cast<uint32_t>(GetFixed(tail.data() + 8, 4));
  if (body_offset_ + body_bytes_ + kTrailerBytes != *size) {
    return Status::Corruption(path_ + ": body length " + std::to_string(body_bytes_) + " does not match the file size " +
                              std::to_string(*size));
  }
  return Status::Ok();
}

Status SnapshotFileReader::VerifyBody() const {
  uint32_t crc = 0;
  std::string buf;
  for (uint64_t off = 0; off < body_bytes_;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kBufferBytes, body_bytes_ - off));
    ARBOR_RETURN_IF_ERROR(PreadExactly(fd_, body_offset_ + off, n, &buf, path_));
    crc = Crc32cExtend(crc, buf.data(), n);
    off += n;
  }
  if (crc != body_crc_) return Status::Corruption(path_ + ": body checksum mismatch (bit rot or a partial write)");
  return Status::Ok();
}

// Reads through a 1 MiB read-ahead buffer: state machines tend to read
// many small fields.
Status SnapshotFileReader::ReadExactly(size_t n, std::string* out) {
  if (body_bytes_ - pos_ < n) {
    return Status::Corruption(path_ + ": truncated stream: wanted " + std::to_string(n) + " bytes at offset " +
                              std::to_string(pos_) + " of a " + std::to_string(body_bytes_) + "-byte body");
  }
  out->clear();
  out->reserve(n);
  while (out->size() < n) {
    if (buffer_pos_ == buffer_.size()) {
      const uint64_t file_pos = pos_ + out->size();
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kBufferBytes, body_bytes_ - file_pos));
      ARBOR_RETURN_IF_ERROR(PreadExactly(fd_, body_offset_ + file_pos, want, &buffer_, path_));
      buffer_pos_ = 0;
    }
    const size_t take = std::min(n - out->size(), buffer_.size() - buffer_pos_);
    out->append(buffer_, buffer_pos_, take);
    buffer_pos_ += take;
  }
  running_crc_ = Crc32cExtend(running_crc_, out->data(), n);
  pos_ += n;
  if (pos_ == body_bytes_ && running_crc_ != body_crc_) {
    return Status::Corruption(path_ + ": body checksum mismatch at the end of the stream; discard what was read");
  }
  return Status::Ok();
}

}  // namespace arbor::storage
