// One snapshot file: the state machine's bytes framed with the snapshot's
// metadata and checksums.
//
//   header:  "ARBORSNP" | u32 version (1) | u32 meta_len | SnapshotMetadata
//            | u32 CRC-32C of (version, meta_len, metadata)
//   body:    the state machine's bytes, streamed
//   trailer: u64 body_len | u32 CRC-32C of body | u32 CRC-32C of the
//            previous 12 bytes | "ARBOREND"
// (integers little-endian). The body's length and CRC are known only once it
// is written, hence the trailer; a reader finds it from the file size, so a
// truncated file fails the trailer checks.
//
// Files are named snap-<index:016x>-<term:016x>.snap and written as
// <name>.tmp first; Commit fsyncs, renames and fsyncs the directory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/byte_stream.h"
#include "common/status.h"
#include "proto/raft.pb.h"
#include "server/storage/snapshot_io.h"

namespace arbor::storage {

std::string SnapshotFileName(uint64_t index, uint64_t term);
// (index, term) from a final file name; nullopt for anything else.
std::optional<std::pair<uint64_t, uint64_t>> ParseSnapshotFileName(std::string_view name);

// The framing around a body, for producers that build a snapshot file's
// bytes elsewhere than in a file (an online backup streamed to a client):
// header + body + trailer is exactly what SnapshotFileWriter writes.
std::string EncodeSnapshotFileHeader(const raft::SnapshotMetadata& meta);
std::string EncodeSnapshotFileTrailer(uint64_t body_bytes, uint32_t body_crc32c);

// Writes one snapshot file. Not thread-safe: one producer thread uses it.
// Destroying it before Commit() removes the temporary file.
class SnapshotFileWriter : public SnapshotBodyWriter {
 public:
  static Result<std::unique_ptr<SnapshotFileWriter>> Create(const std::string& dir,
                                                            const raft::SnapshotMetadata& meta);
  ~SnapshotFileWriter() override;

  Status Append(std::string_view bytes) override;
  // Writes the trailer, fsyncs the file, renames it to its final name and
  // fsyncs the directory. After Ok the snapshot survives a crash.
  Status Commit() override;
  const std::string& final_path() const { return final_path_; }

 private:
  SnapshotFileWriter(std::string dir, std::string tmp_path, std::string final_path, int fd);
  Status Flush();

  const std::string dir_;
  const std::string tmp_path_;
  const std::string final_path_;
  int fd_;
  std::string buffer_;
  uint64_t body_bytes_ = 0;
  uint32_t body_crc_ = 0;
  bool committed_ = false;
  Status error_;  // sticky: after a failed write every call fails
};

// Reads one snapshot file. Open checks the header and trailer; the body's
// CRC is checked by VerifyBody() and again as the last body byte is read
// through ReadExactly, so a stream consumer never finishes on corrupt data.
class SnapshotFileReader : public SnapshotBodyReader {
 public:
  static Result<std::unique_ptr<SnapshotFileReader>> Open(const std::string& path);
  ~SnapshotFileReader() override;

  const raft::SnapshotMetadata& metadata() const { return meta_; }
  uint64_t body_bytes() const override { return body_bytes_; }
  const std::string& path() const { return path_; }
  // Reads the whole body and compares its CRC (independent of ReadExactly).
  Status VerifyBody() const;

  Status ReadExactly(size_t n, std::string* out) override;
  bool AtEnd() const override { return pos_ == body_bytes_; }

 private:
  SnapshotFileReader(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status ReadFraming();

  const std::string path_;
  int fd_;
  raft::SnapshotMetadata meta_;
  uint64_t body_offset_ = 0;
  uint64_t body_bytes_ = 0;
  uint32_t body_crc_ = 0;
  uint64_t pos_ = 0;          // body bytes handed out by ReadExactly
  uint32_t running_crc_ = 0;  // CRC of those bytes
  std::string buffer_;        // read-ahead: body bytes [pos_, pos_ + buffer_.size() - buffer_pos_)
  size_t buffer_pos_ = 0;
};

}  // namespace arbor::storage
