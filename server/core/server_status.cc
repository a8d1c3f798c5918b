#include "server/core/server_status.h"

#include <cstdio>

namespace arbor::core {

proto::ServerStatusResponse ToProto(const ServerStatus& s) {
  proto::ServerStatusResponse p;
  p.set_server_id(s.server_id);
  p.set_role(s.role);
  p.set_leader(s.leader);
  p.set_term(s.term);
  p.set_commit_index(s.commit_index);
  p.set_applied_zxid(s.applied_zxid);
  for (uint64_t id : s.peers_connected) p.add_peers_connected(id);
  p.set_sessions(s.sessions);
  p.set_znodes(s.znodes);
  p.set_peer_refused(s.peer_refused);
  return p;
}

zk::ServerFacts ToZkFacts(const ServerStatus& s) {
  zk::ServerFacts f;
  f.server_id = s.server_id;
  f.mode = s.standalone ? "standalone" : s.role == "leader" ? "leader" : "follower";
  f.serving = s.serving;
  f.zxid = s.applied_zxid;
  f.node_count = s.znodes;
  f.session_count = s.sessions;
  f.watch_paths = s.watch_paths;
  f.watch_sessions = s.watch_sessions;
  f.zk_port = s.zk_port;
  f.data_dir = s.data_dir;
  f.tick_ms = s.tick_ms;
  f.min_session_timeout_ms = s.min_session_timeout_ms;
  f.max_session_timeout_ms = s.max_session_timeout_ms;
  f.max_connections = s.max_connections;
  f.peers = s.voters;
  f.connections = s.connections;
  return f;
}

std::string ToStatusLine(const ServerStatus& s) {
  std::string connected;
  for (uint64_t id : s.peers_connected) connected += (connected.empty() ? "" : ",") + std::to_string(id);
  char line[512];
  std::snprintf(line, sizeof(line),
                "role=%s leader=%llu term=%llu commit=%llu applied=%lld sessions=%zu znodes=%llu peers_up=%s "
                "serving=%d peer_refused=%llu\n",
                s.role.c_str(), static_cast<unsigned long long>(s.leader), static_cast<unsigned long long>(s.term),
                static_cast<unsigned long long>(s.commit_index), static_cast<long long>(s.applied_zxid), s.sessions,
                static_cast<unsigned long long>(s.znodes), connected.empty() ? "-" : connected.c_str(),
                s.serving ? 1 : 0, static_cast<unsigned long long>(s.peer_refused));
  return line;
}

}  // namespace arbor::core
