#include "server/core/backup.h"

#include <glog/logging.h>

#include <algorithm>
#include <sstream>

#include "common/crc32c.h"
#include "server/storage/snapshot_file.h"

namespace arbor::core {

std::vector<std::string> ParseAllowIps(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

bool BackupSource::Allowed(const auth::Ids& ids, std::string_view peer_ip) const {
  if (auth::IsSuper(ids)) return true;
  // An IPv6 peer may come as "[::1]".
  if (peer_ip.size() >= 2 && peer_ip.front() == '[' && peer_ip.back() == ']') {
    peer_ip = peer_ip.substr(1, peer_ip.size() - 2);
  }
  return std::find(options_.allow_ips.begin(), options_.allow_ips.end(), peer_ip) != options_.allow_ips.end();
}

proto::ErrorCode BackupSource::Build(const tree::StateMachine& sm, const raft::Storage& log, Image* image) const {
  raft::SnapshotMetadata meta;
  meta.set_index(static_cast<uint64_t>(sm.last_applied_zxid()));
  auto term = log.Term(meta.index());
  // Applied entries are durable locally, so the term is known unless the
  // log was compacted past it (never: compaction stops below the snapshot).
  meta.set_term(term.ok() ? *term : 0);
  raft::HardState hs;
  if (!log.InitialState(&hs, meta.mutable_conf_state()).ok()) return proto::SYSTEMERROR;
  image->bytes = storage::EncodeSnapshotFileHeader(meta);
  size_t body_start = image->bytes.size();
  StringSink sink(&image->bytes);
  Status s = sm.Save(&sink);
  if (!s.ok()) {
    LOG(ERROR) << "backup: the state does not serialize: " << s.ToString();
    return proto::SYSTEMERROR;
  }
  size_t body_bytes = image->bytes.size() - body_start;
  uint32_t body_crc = Crc32c(image->bytes.data() + body_start, body_bytes);
  image->bytes += storage::EncodeSnapshotFileTrailer(body_bytes, body_crc);
  image->zxid = sm.last_applied_zxid();
  image->term = meta.term();
  image->crc = Crc32c(image->bytes);
  image->znodes = sm.tree().node_count();
  image->sessions = sm.sessions().size();
  return proto::OK;
}

void BackupSource::DropIdle(int64_t now_ms) {
  for (auto it = images_.begin(); it != images_.end();) {
    if (now_ms - it->second->last_use_ms > options_.idle_ms) {
      LOG(INFO) << "backup " << it->first << " dropped: no fetch for " << options_.idle_ms << " ms";
      it = images_.erase(it);
    } else {
      ++it;
    }
  }
}

proto::ErrorCode BackupSource::Serve(const proto::BackupRequest& req, const auth::Ids& ids, std::string_view peer_ip,
                                     const tree::StateMachine& sm, const raft::Storage& log, int64_t now_ms,
                                     proto::BackupResponse* out) {
  if (!Allowed(ids, peer_ip)) {
    LOG(WARNING) << "backup refused to " << peer_ip << ": neither super nor in --backup_allow_ips";
    return proto::NOAUTH;
  }
  DropIdle(now_ms);
  uint64_t id = req.backup_id();
  if (id == 0) {
    if (images_.size() >= options_.max_images) return proto::THROTTLEDOP;
    auto image = std::make_unique<Image>();
    proto::ErrorCode rc = Build(sm, log, image.get());
    if (rc != proto::OK) return rc;
    id = next_id_++;
    LOG(INFO) << "backup " << id << " for " << peer_ip << ": zxid " << image->zxid << ", " << image->bytes.size()
              << " bytes, " << image->znodes << " znodes";
    images_[id] = std::move(image);
  }
  auto it = images_.find(id);
  if (it == images_.end()) return proto::NONODE;
  Image& im = *it->second;
  if (req.offset() > im.bytes.size()) return proto::BADARGUMENTS;
  uint32_t max = req.max_bytes() == 0 ? options_.max_chunk_bytes : std::min(req.max_bytes(), options_.max_chunk_bytes);
  size_t n = std::min<size_t>(max, im.bytes.size() - req.offset());
  out->set_backup_id(id);
  out->set_zxid(im.zxid);
  out->set_term(im.term);
  out->set_total_bytes(im.bytes.size());
  out->set_file_crc32c(im.crc);
  out->set_offset(req.offset());
  out->set_data(im.bytes.substr(req.offset(), n));
  out->set_znodes(im.znodes);
  out->set_sessions(im.sessions);
  im.last_use_ms = now_ms;
  if (req.offset() + n == im.bytes.size()) {
    LOG(INFO) << "backup " << id << " fetched whole";
    images_.erase(it);
  }
  return proto::OK;
}

}  // namespace arbor::core
