// Everything that configures one arbord: the replica (server/core/replica.h)
// and its listeners (server/core/arbor_server.h). arbord fills it from flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/tls/tls_context.h"
#include "server/auth/authenticator.h"
#include "server/storage/storage_options.h"
#include "server/tree/tree_options.h"

namespace arbor::core {

struct ServerOptions {
  uint64_t id = 1;
  std::string cluster_name = "arbor";
  std::map<uint64_t, std::string> peers;  // every voter, self included: id -> host:peer_port
  std::string bind = "127.0.0.1";
  int client_port = 7181;
  int peer_port = 7182;
  std::string data_dir = "./data";
  storage::StorageOptions storage;
  tree::TreeOptions tree;
  int tick_ms = 100;
  int election_ticks = 10;
  uint64_t raft_max_uncommitted_bytes = 64 << 20;  // proposals beyond it: THROTTLEDOP
  int32_t min_session_timeout_ms = 2000;
  int32_t max_session_timeout_ms = 60000;
  size_t max_connections = 10000;          // client connections, all client ports together
  size_t max_connections_per_ip = 1000;    // ZooKeeper's maxClientCnxns (its default is 60); 0 = no bound
  size_t max_watches_per_session = 100000; // watched paths per session; 0 = no bound
  // Output queued for clients that have not read it: per connection, and in
  // all (past it the connection with the most unread output is dropped).
  size_t max_connection_output_bytes = 8 << 20;
  size_t max_total_output_bytes = 1ull << 30;
  int close_flush_timeout_ms = 2000;  // a closing connection's last replies; then it is cut
  size_t max_outstanding_per_connection = 1000;
  size_t max_frame_bytes = (1 << 20) + (16 << 10);
  int reap_interval_ms = 1000;
  uint64_t snapshot_every_entries = 100000;
  uint64_t snapshot_every_log_bytes = 256ull << 20;  // or sooner, by the entries' bytes (0: entries only)
  uint64_t seed = 0;  // 0: from the Env's entropy (election jitter)
  // SIGTERM closes the sessions of this server's clients.
  bool close_sessions_on_shutdown = false;
  auth::AuthConfig auth;  // --superdigest
  // Apache ZooKeeper's client protocol (server/zk): port 0 = not served.
  int zk_port = 0;
  size_t zk_max_frame_bytes = 0xfffff;  // jute.maxbuffer
  std::string four_letter_words = "srvr";  // 4lw.commands.whitelist (ZooKeeper 3.5+ default); "*" = all
  // Client addresses allowed an online backup without the super identity
  // (server/core/backup.h), comma-separated; empty: super only.
  std::string backup_allow_ips = "127.0.0.1,::1";
  // The cluster secret's file (server/net/peer_auth.h); empty: none.
  std::string peer_secret_file;
  // TLS (docs/SECURITY.md): the credentials, TLS client ports beside the
  // plain ones (0 = not served), and mutual TLS on the peer port.
  tls::TlsFiles tls;
  int secure_client_port = 0;  // native protocol
  int secure_zk_port = 0;      // ZooKeeper protocol (ZooKeeper's secureClientPort)
  bool peer_tls = false;

  int election_timeout_ms() const { return election_ticks * tick_ms; }
};

}  // namespace arbor::core
