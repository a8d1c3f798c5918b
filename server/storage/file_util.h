// Small POSIX file helpers for durable storage: every call reports errors as
// Status values whose message names the file and the errno text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor::storage {

// Status for a failed system call on `path`, with strerror(errno).
Status ErrnoStatus(std::string_view what, const std::string& path, int err);

// Creates `path` (and no parents) if it does not exist yet.
Status EnsureDir(const std::string& path);

// fsyncs a directory so that a rename or create inside it is durable.
Status SyncDir(const std::string& path);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view bytes, const std::string& path);

// Reads exactly n bytes at `offset`; Corruption if the file is shorter.
Status PreadExactly(int fd, uint64_t offset, size_t n, std::string* out, const std::string& path);

Result<uint64_t> FileSize(const std::string& path);

// An exclusive advisory lock on a file, held for the object's lifetime, so
// two servers never open one data directory. Move-only.
class DirLock {
 public:
  static Result<DirLock> Acquire(const std::string& lock_path);
  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock& operator=(DirLock&& other) noexcept;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace arbor::storage
