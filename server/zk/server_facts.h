// What a ZooKeeper four-letter word may report about the server. The codec
// asks for these through a callback (ZkCodecOptions::facts) so that it never
// reaches into the server core; the server fills them from its own state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace arbor::zk {

struct ConnectionFacts {
  std::string peer;      // host:port of the client
  std::string protocol;  // "zookeeper" or "native"
  int64_t session_id = 0;
  size_t outstanding = 0;
  // Filled for cons and stat when the server keeps them (has_stats).
  bool has_stats = false;
  uint64_t received = 0;
  uint64_t sent = 0;
  std::string last_op{};  // Arbor's op name ("getData")
  int64_t established_ms = 0;
  int32_t timeout_ms = 0;
  int32_t last_xid = 0;
  int64_t last_zxid = 0;
  int64_t last_response_ms = 0;
  uint64_t last_latency_ms = 0;
  uint64_t min_latency_ms = 0;
  double avg_latency_ms = 0;
  uint64_t max_latency_ms = 0;
};

struct ServerFacts {
  uint64_t server_id = 0;
  std::string mode;  // "leader", "follower" or "standalone" (ZooKeeper's words)
  bool serving = false;  // a leader is known: requests can be served
  int64_t zxid = 0;      // last applied
  uint64_t node_count = 0;
  size_t session_count = 0;
  size_t watch_paths = 0;     // distinct watched paths
  size_t watch_sessions = 0;  // sessions holding a watch
  int zk_port = 0;
  std::string data_dir;
  int tick_ms = 0;
  int32_t min_session_timeout_ms = 0;
  int32_t max_session_timeout_ms = 0;
  size_t max_connections = 0;
  size_t peers = 1;  // voters, self included
  // Every client connection of the server (both protocols), bounded by the
  // server's max_connections.
  std::vector<ConnectionFacts> connections;
  // Request latency since start (or the last reset), every protocol.
  uint64_t latency_count = 0;
  double avg_latency_ms = 0;
  uint64_t min_latency_ms = 0;
  uint64_t max_latency_ms = 0;
  uint64_t approximate_data_size = 0;
  // Filled only for the words that list them (wchc, wchp, dump).
  struct SessionFacts {
    int64_t id = 0;
    int32_t timeout_ms = 0;
    std::vector<std::string> ephemerals;
  };
  std::vector<SessionFacts> sessions;
  std::vector<std::pair<std::string, int64_t>> watches;  // (path, session)
};

}  // namespace arbor::zk
