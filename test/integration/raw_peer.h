// A raw TCP client of arbord's peer port that speaks PeerFrame as an
// attacker (or a test playing a member) would: no transport, no Raft, just
// frames. Blocking, one socket, for integration tests.
#pragma once

#include <cstdint>
#include <string>

#include "proto/peer.pb.h"

namespace arbor::testing {

class RawPeer {
 public:
  RawPeer() = default;
  ~RawPeer();
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  bool Connect(int port);
  bool Send(const proto::PeerFrame& frame);
  // Reads one frame; false on close, timeout or a frame that does not parse.
  bool Read(proto::PeerFrame* frame, int timeout_ms = 5000);
  // True once the server closed the connection (reads EOF or a reset
  // within timeout_ms; bytes read meanwhile are discarded).
  bool ClosedByServer(int timeout_ms = 5000);
  void Close();

 private:
  int fd_ = -1;
  std::string input_;
};

// Frames an attacker needs.
proto::PeerFrame Hello(uint64_t server_id, const std::string& cluster_name);
// A forwarded entry as a follower would send it (format V1, origin `from`).
proto::PeerFrame ForwardCreateSession(uint64_t from, int64_t session_id);
proto::PeerFrame ForwardSetData(uint64_t from, int64_t session_id, const std::string& path, const std::string& data,
                                bool as_super);
// A Raft append from a self-proclaimed leader of `term`.
proto::PeerFrame RaftAppend(uint64_t from, uint64_t to, uint64_t term);

}  // namespace arbor::testing
