#include "server/core/restore.h"

#include <fcntl.h>
#include <glog/logging.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/crc32c.h"
#include "server/storage/data_dir.h"
#include "server/storage/file_util.h"
#include "server/storage/snapshot_file.h"
#include "server/tree/state_machine.h"

namespace arbor::core {
namespace {

constexpr char kRestored[] = "/RESTORED";
constexpr char kPartial[] = "/RESTORE.partial";

Status WriteMarker(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return storage::ErrnoStatus("create", path, errno);
  Status s = storage::WriteAll(fd, text, path);
  if (s.ok() && ::fsync(fd) != 0) s = storage::ErrnoStatus("fsync", path, errno);
  ::close(fd);
  return s;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What identifies a backup: its position and its bytes.
std::string Identity(const raft::SnapshotMetadata& meta, uint32_t body_crc) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "zxid=%" PRIu64 " term=%" PRIu64 " body_crc32c=%08x", meta.index(), meta.term(),
                body_crc);
  return buf;
}

// Checks the backup file: framing, checksums, the state loads and agrees
// with the header. Returns the header; *body_crc is the CRC of the body.
Result<raft::SnapshotMetadata> CheckBackup(const std::string& file, const ServerOptions& options, uint32_t* body_crc) {
  auto reader = storage::SnapshotFileReader::Open(file);
  if (!reader.ok()) return Status::Corruption("--restore_from=" + file + ": " + reader.status().ToString());
  ARBOR_RETURN_IF_ERROR((*reader)->VerifyBody());
  auto sm = tree::StateMachine::Load(reader->get(), options.tree);
  if (!sm.ok()) return Status::Corruption("--restore_from=" + file + ": the state does not load: " + sm.status().ToString());
  const raft::SnapshotMetadata& meta = (*reader)->metadata();
  if (static_cast<uint64_t>((*sm)->last_applied_zxid()) != meta.index() || meta.index() == 0) {
    return Status::Corruption("--restore_from=" + file + ": the header says zxid " + std::to_string(meta.index()) +
                              ", the state " + std::to_string((*sm)->last_applied_zxid()));
  }
  // Computed again from the start (the reader is at the end now).
  auto again = storage::SnapshotFileReader::Open(file);
  if (!again.ok()) return again.status();
  std::string chunk;
  uint32_t crc = 0;
  uint64_t left = (*again)->body_bytes();
  while (left > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
    ARBOR_RETURN_IF_ERROR((*again)->ReadExactly(n, &chunk));
    crc = Crc32cExtend(crc, chunk.data(), chunk.size());
    left -= n;
  }
  *body_crc = crc;
  LOG(INFO) << "--restore_from=" << file << ": valid; zxid " << meta.index() << ", term " << meta.term() << ", "
            << (*sm)->tree().node_count() << " znodes, " << (*sm)->sessions().size() << " sessions";
  return meta;
}

}  // namespace

Status RestoreDataDir(const std::string& backup_file, const ServerOptions& options) {
  const std::string& dir = options.data_dir;
  uint32_t body_crc = 0;
  auto checked = CheckBackup(backup_file, options, &body_crc);
  if (!checked.ok()) return checked.status();
  raft::SnapshotMetadata meta = *checked;
  const std::string identity = Identity(meta, body_crc);

  if (storage::FileSize(dir + kPartial).ok()) {
    return Status::InvalidArgument("an earlier --restore_from into " + dir + " did not finish (" + dir + kPartial +
                                   " exists); nothing there was ever served: remove the directory and start again");
  }
  if (storage::FileSize(dir + kRestored).ok()) {
    std::string was = ReadSmallFile(dir + kRestored);
    if (was.rfind(identity, 0) == 0) {
      LOG(INFO) << dir << " was seeded from this backup already (" << identity << "); starting from its state";
      return Status::Ok();
    }
    return Status::InvalidArgument(dir + " was seeded from another backup (" + was.substr(0, was.find('\n')) +
                                   "); --restore_from seeds only a new, empty data directory");
  }
  if (storage::FileSize(dir + "/INITIALIZED").ok() || storage::FileSize(dir + "/log/data.mdb").ok()) {
    return Status::InvalidArgument(dir + " already holds a server's state; --restore_from seeds only a new, empty "
                                   "data directory. Start without --restore_from to keep that state, or point "
                                   "--data_dir at an empty directory");
  }
  ARBOR_RETURN_IF_ERROR(storage::EnsureDir(dir));
  ARBOR_RETURN_IF_ERROR(WriteMarker(dir + kPartial, identity + "\n"));
  {
    auto dd = storage::DataDir::Open(dir, options.storage);
    if (!dd.ok()) return dd.status();
    // The new cluster's membership, not the one the backup came from.
    meta.mutable_conf_state()->Clear();
    if (options.peers.empty()) meta.mutable_conf_state()->add_voters(options.id);
    for (const auto& [id, addr] : options.peers) meta.mutable_conf_state()->add_voters(id);
    if (meta.term() == 0) meta.set_term(1);
    auto reader = storage::SnapshotFileReader::Open(backup_file);
    if (!reader.ok()) return reader.status();
    auto writer = (*dd)->snapshots()->BeginWrite(meta);
    if (!writer.ok()) return writer.status();
    std::string chunk;
    uint64_t left = (*reader)->body_bytes();
    while (left > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
      ARBOR_RETURN_IF_ERROR((*reader)->ReadExactly(n, &chunk));
      ARBOR_RETURN_IF_ERROR((*writer)->Append(chunk));
      left -= n;
    }
    ARBOR_RETURN_IF_ERROR((*writer)->Commit());
    // The snapshot is the log's base; the term of the hard state must not be
    // below the log's last term (an election then starts above it).
    ARBOR_RETURN_IF_ERROR((*dd)->log()->InstallSnapshot(meta));
    storage::WriteBatch hs;
    hs.hard_state.emplace();
    hs.hard_state->set_term(meta.term());
    hs.hard_state->set_commit(meta.index());
    ARBOR_RETURN_IF_ERROR((*dd)->log()->Write({&hs}));
  }
  ARBOR_RETURN_IF_ERROR(WriteMarker(dir + kRestored, identity + " source=" + backup_file + "\n"));
  if (::unlink((dir + kPartial).c_str()) != 0) return storage::ErrnoStatus("unlink", dir + kPartial, errno);
  ARBOR_RETURN_IF_ERROR(storage::SyncDir(dir));
  LOG(INFO) << "seeded " << dir << " from " << backup_file << " (" << identity << ", " << meta.conf_state().voters_size()
            << " voters)";
  return Status::Ok();
}

}  // namespace arbor::core
