// One snapshot of a server's state, built in one place (Replica::Status) and
// rendered for each audience: the native ServerStatus call, ZooKeeper's
// four-letter words and the status file operators and
// deploy/local-cluster.sh read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proto/client.pb.h"
#include "server/zk/server_facts.h"

namespace arbor::core {

struct ServerStatus {
  uint64_t server_id = 0;
  std::string role;  // "leader", "follower", "candidate", "pre-candidate"
  bool standalone = false;  // a one-server cluster
  uint64_t leader = 0;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  int64_t applied_zxid = 0;
  bool serving = false;  // a leader is known and this server answers clients
  std::vector<uint64_t> peers_connected;
  size_t voters = 1;
  size_t sessions = 0;
  uint64_t znodes = 0;
  size_t watch_paths = 0;
  size_t watch_sessions = 0;
  size_t outstanding_writes = 0;
  uint64_t peer_refused = 0;  // peer connections refused (docs/SECURITY.md)
  std::vector<zk::ConnectionFacts> connections;
  // Configuration worth reporting.
  int zk_port = 0;
  std::string data_dir;
  int tick_ms = 0;
  int32_t min_session_timeout_ms = 0;
  int32_t max_session_timeout_ms = 0;
  size_t max_connections = 0;
};

proto::ServerStatusResponse ToProto(const ServerStatus& s);
zk::ServerFacts ToZkFacts(const ServerStatus& s);
// One line: role=... leader=... term=... commit=... applied=... ...
std::string ToStatusLine(const ServerStatus& s);

}  // namespace arbor::core
