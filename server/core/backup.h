// BackupSource: the server half of an online backup (proto BackupRequest).
//
// A backup is the replica's state at one zxid, framed exactly as a snapshot
// file (server/storage/snapshot_file.h), so `arbord --restore_from=FILE`
// seeds a data directory from it and `arbor-dump --backup=FILE` checks it.
// The first request (backup_id 0) serializes the state machine on the loop
// — the same frozen image the SnapshotKeeper takes — and keeps it in memory;
// the client then fetches it in chunks. Served as a local request in the
// session's FIFO order, so a client that sends `sync` first gets a state at a
// ReadIndex point: every write acknowledged before the sync is in it.
//
// Images cost memory (the serialized tree), so at most `max_images` exist at
// once; one is dropped when its last byte was fetched, or when nobody
// fetched from it for `idle_ms`.
//
// Who may take one: the state includes every znode whatever its ACL, and the
// sessions' passwords, so only a connection holding the super identity
// (--superdigest) or coming from an address in `allow_ips` (default the
// loopback addresses: an operator on the server's own host).
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/client.pb.h"
#include "server/auth/acl.h"
#include "server/raft/storage.h"
#include "server/tree/state_machine.h"

namespace arbor::core {

struct BackupOptions {
  std::vector<std::string> allow_ips{"127.0.0.1", "::1"};
  size_t max_images = 2;
  int64_t idle_ms = 60000;
  uint32_t max_chunk_bytes = 512 << 10;  // below the client's frame limit
};

// "a,b,c" -> {"a", "b", "c"} (spaces trimmed, empty items dropped).
std::vector<std::string> ParseAllowIps(const std::string& list);

class BackupSource {
 public:
  explicit BackupSource(BackupOptions options) : options_(std::move(options)) {}

  // Answers one request from a client at `peer_ip` holding `ids`. `log`
  // gives the term of the applied entry and the membership.
  proto::ErrorCode Serve(const proto::BackupRequest& request, const auth::Ids& ids, std::string_view peer_ip,
                         const tree::StateMachine& sm, const raft::Storage& log, int64_t now_ms,
                         proto::BackupResponse* out);

  size_t images() const { return images_.size(); }

 private:
  struct Image {
    std::string bytes;  // the whole snapshot file
    int64_t zxid = 0;
    uint64_t term = 0;
    uint32_t crc = 0;
    uint64_t znodes = 0;
    uint64_t sessions = 0;
    int64_t last_use_ms = 0;
  };
  bool Allowed(const auth::Ids& ids, std::string_view peer_ip) const;
  proto::ErrorCode Build(const tree::StateMachine& sm, const raft::Storage& log, Image* image) const;
  void DropIdle(int64_t now_ms);

  BackupOptions options_;
  std::map<uint64_t, std::unique_ptr<Image>> images_;
  uint64_t next_id_ = 1;
};

}  // namespace arbor::core
