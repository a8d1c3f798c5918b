#include "server/storage/snapshot_store.h"

#include <dirent.h>
#include <glog/logging.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "server/storage/file_util.h"

namespace arbor::storage {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status ListNames(const std::string& dir, std::vector<std::string>* names) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("open directory", dir, errno);
  while (struct dirent* e = ::readdir(d)) names->push_back(e->d_name);
  ::closedir(d);
  return Status::Ok();
}

}  // namespace

Status SnapshotStore::Init() {
  ARBOR_RETURN_IF_ERROR(EnsureDir(dir_));
  std::vector<std::string> names;
  ARBOR_RETURN_IF_ERROR(ListNames(dir_, &names));
  for (const std::string& n : names) {
    if (!EndsWith(n, ".snap.tmp")) continue;
    std::string path = dir_ + "/" + n;
    LOG(INFO) << "removing unfinished snapshot " << path;
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
  }
  return Status::Ok();
}

Result<std::unique_ptr<SnapshotFileWriter>> SnapshotStore::BeginWrite(const raft::SnapshotMetadata& meta) const {
  return SnapshotFileWriter::Create(dir_, meta);
}

Result<std::vector<SnapshotFile>> SnapshotStore::List() const {
  std::vector<std::string> names;
  ARBOR_RETURN_IF_ERROR(ListNames(dir_, &names));
  std::vector<SnapshotFile> files;
  for (const std::string& n : names) {
    auto parsed = ParseSnapshotFileName(n);
    if (parsed) files.push_back(SnapshotFile{dir_ + "/" + n, parsed->first, parsed->second});
  }
  std::sort(files.begin(), files.end(), [](const SnapshotFile& a, const SnapshotFile& b) {
    return a.index != b.index ? a.index > b.index : a.term > b.term;
  });
  return files;
}

Result<raft::SnapshotMetadata> SnapshotStore::Verify(const SnapshotFile& file) {
  Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(file.path);
  if (!r.ok()) return r.status();
  const raft::SnapshotMetadata& meta = (*r)->metadata();
  if (meta.index() != file.index || meta.term() != file.term) {
    return Status::Corruption(file.path + ": header says index " + std::to_string(meta.index()) + " term " +
                              std::to_string(meta.term()) + ", unlike its name");
  }
  ARBOR_RETURN_IF_ERROR((*r)->VerifyBody());
  return meta;
}

Status SnapshotStore::Prune(size_t keep, uint64_t in_use_index) const {
  Result<std::vector<SnapshotFile>> files = List();
  if (!files.ok()) return files.status();
  size_t kept = 0;
  Status first_error;
  for (const SnapshotFile& f : *files) {
    if (f.index > in_use_index) continue;  // newer than the one in use: not ours to judge
    if (kept < keep) {
      ++kept;
      continue;
    }
    if (::unlink(f.path.c_str()) != 0 && first_error.ok()) first_error = ErrnoStatus("unlink", f.path, errno);
  }
  if (!first_error.ok()) return first_error;
  return SyncDir(dir_);
}

}  // namespace arbor::storage
