// backup FILE: an online backup of the connected server (proto
// BackupRequest, server/core/backup.h). A sync first, then the server's state
// in chunks, written to FILE.tmp, checked against the server's CRC-32C of the
// whole file, fsynced and renamed: FILE is either complete or absent.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "client/cli/shell.h"
#include "common/crc32c.h"

namespace arbor::cli {
namespace {

constexpr int kAttempts = 3;

bool WriteAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// One try. Returns kExitOk, an exit code, or -1 to try again (the server lost
// the image: the session moved to another server, or the image idled out).
int TryBackup(Shell& sh, const std::string& file, proto::BackupResponse* summary) {
  auto sync = sh.client()->Sync("/");
  if (!sync.ok()) return sh.Fail("backup: sync", sync.code());
  auto chunk = sh.client()->BackupChunk(0, 0);
  if (!chunk.ok()) return sh.Fail("backup", chunk.code());
  const uint64_t id = chunk->backup_id(), total = chunk->total_bytes();
  const std::string tmp = file + ".tmp";
  // The file holds every znode whatever its ACL, and session passwords.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    sh.Err("arbor-cli: backup: cannot create " + tmp + ": " + std::strerror(errno) + "\n");
    return kExitServerError;
  }
  uint64_t offset = 0, next_report = 8 << 20;
  uint32_t crc = 0;
  for (;;) {
    if (chunk->offset() != offset || chunk->data().size() > total - offset) {
      ::close(fd);
      ::unlink(tmp.c_str());
      sh.Err("arbor-cli: backup: the server sent a chunk out of place\n");
      return kExitServerError;
    }
    if (!WriteAll(fd, chunk->data())) {
      sh.Err("arbor-cli: backup: cannot write " + tmp + ": " + std::strerror(errno) + "\n");
      ::close(fd);
      ::unlink(tmp.c_str());
      return kExitServerError;
    }
    crc = Crc32cExtend(crc, chunk->data().data(), chunk->data().size());
    offset += chunk->data().size();
    if (offset >= next_report) {
      sh.Progress("backup: " + std::to_string(offset >> 20) + " of " + std::to_string(total >> 20) + " MiB");
      next_report += 8 << 20;
    }
    if (offset == total) break;
    *summary = std::move(chunk.value());
    chunk = sh.client()->BackupChunk(id, offset);
    if (!chunk.ok()) {
      ::close(fd);
      ::unlink(tmp.c_str());
      if (chunk.code() == proto::NONODE || chunk.code() == proto::CONNECTIONLOSS) return -1;
      return sh.Fail("backup", chunk.code());
    }
  }
  sh.EndProgress();
  if (crc != chunk->file_crc32c()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    char buf[128];
    std::snprintf(buf, sizeof(buf), "crc32c %08x, the server's %08x", crc, chunk->file_crc32c());
    sh.Err(std::string("arbor-cli: backup: the file does not match its checksum (") + buf + "); not written\n");
    return kExitServerError;
  }
  bool durable = ::fsync(fd) == 0;
  durable = ::close(fd) == 0 && durable;
  if (!durable || ::rename(tmp.c_str(), file.c_str()) != 0) {
    sh.Err("arbor-cli: backup: cannot write " + file + ": " + std::strerror(errno) + "\n");
    ::unlink(tmp.c_str());
    return kExitServerError;
  }
  int dir = ::open(DirOf(file).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  *summary = std::move(chunk.value());
  summary->clear_data();
  return kExitOk;
}

int Backup(Shell& sh, const Args& a) {
  const std::string& file = a.pos[0];
  proto::BackupResponse b;
  int rc = -1;
  for (int attempt = 1; attempt <= kAttempts && rc == -1; ++attempt) {
    rc = TryBackup(sh, file, &b);
    if (rc == -1) sh.Err("arbor-cli: backup: the server dropped the backup (moved session?); starting again\n");
  }
  if (rc == -1) {
    sh.Err("arbor-cli: backup: gave up after " + std::to_string(kAttempts) + " attempts\n");
    return kExitServerError;
  }
  if (rc != kExitOk) return rc;
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", b.file_crc32c());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("file").String(file).Key("server").String(sh.client()->current_server());
    w.Key("zxid").Int(b.zxid()).Key("term").Int(static_cast<int64_t>(b.term()));
    w.Key("bytes").Int(static_cast<int64_t>(b.total_bytes())).Key("crc32c").String(crc);
    w.Key("znodes").Int(static_cast<int64_t>(b.znodes())).Key("sessions").Int(static_cast<int64_t>(b.sessions()));
    sh.OutJson(w.EndObject());
  } else {
    char zxid[32];
    std::snprintf(zxid, sizeof(zxid), "0x%" PRIx64, static_cast<uint64_t>(b.zxid()));
    sh.Out("backup of " + sh.client()->current_server() + " at zxid " + zxid + " (term " + std::to_string(b.term()) +
           "): " + std::to_string(b.total_bytes()) + " bytes, crc32c " + crc + ", " + std::to_string(b.znodes()) +
           " znodes, " + std::to_string(b.sessions()) + " sessions -> " + file + "\n");
  }
  return kExitOk;
}

}  // namespace

void AddBackupCommands(std::vector<Command>* out) {
  out->push_back({"backup", "", "backup FILE",
                  "write the server's state after a sync (every write acknowledged before it; one zxid) to FILE as a "
                  "snapshot file with its checksum; arbord --restore_from=FILE seeds a new cluster from it",
                  1, 1, true, Backup});
}

}  // namespace arbor::cli
