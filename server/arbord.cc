// arbord: the Arbor server. Flags (also from --flagfile=conf/...):
//   --id, --data_dir, --bind, --client_port, --zk_port, --peer_port, --peers, plus the
//   storage (--storage_*) and tree (--max_data_bytes) flags.
// SIGTERM/SIGINT stop it gracefully: listeners close, queued log writes
// become durable, then the process exits.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <uv.h>

#include <csignal>
#include <cstdlib>
#include <sstream>

#include "server/admin/admin_server.h"
#include "common/tls/tls_context.h"
#include "server/auth/auth_flags.h"
#include "server/core/arbor_server.h"
#include "server/core/restore.h"
#include "server/net/peer_transport.h"
#include "server/tree/tree_flags.h"

DEFINE_uint64(id, 1, "this server's id (non-zero, unique in the cluster)");
DEFINE_string(data_dir, "./data", "directory for the Raft log (LMDB) and snapshots");
DEFINE_string(bind, "127.0.0.1", "address the client and peer ports listen on");
DEFINE_int32(client_port, 7181, "port of Arbor's native client protocol");
DEFINE_int32(zk_port, 0, "port of Apache ZooKeeper's client protocol (0 = off; conf/ sets 2181)");
DEFINE_uint64(zk_max_frame_bytes, 0xfffff, "largest ZooKeeper frame accepted (ZooKeeper's jute.maxbuffer)");
DEFINE_string(four_letter_words, "srvr",
              "four-letter words answered on --zk_port (4lw.commands.whitelist): comma-separated, * = all of "
              "ruok srvr stat conf cons mntr wchs wchc wchp dump envi isro dirs");
DEFINE_int32(peer_port, 7182, "port for Raft traffic between servers");
DEFINE_int32(admin_port, 0,
             "HTTP admin port: /health, /ready, /metrics, /api/..., the web console at / (0 = off; "
             "docs/OPERATIONS.md)");
DEFINE_string(admin_bind, "", "address of the admin port (empty: --bind)");
DEFINE_string(admin_credentials_file, "",
              "file of user:base64(sha1(user:password)) lines; their HTTP Basic credentials may use the admin "
              "port's actions and read any znode's data (empty: actions refused)");
DEFINE_uint64(admin_ready_max_lag, 1000, "/ready fails while the applied index is more than this behind commit");
DEFINE_string(peers, "",
              "every voter of the cluster as id=host:peer_port,... (empty: a single node, this one)");
DEFINE_string(cluster_name, "arbor", "peers from a cluster with another name are refused");
DEFINE_string(peer_secret_file, "",
              "file holding the cluster secret (at least 16 bytes, mode 600; e.g. openssl rand -hex 32): peers "
              "prove membership with an HMAC challenge on it. The same file on every server. Empty: peers are "
              "taken on their word (firewall the peer port; docs/SECURITY.md)");
DEFINE_int32(secure_client_port, 0, "port of the native client protocol over TLS (0 = off)");
DEFINE_int32(secure_zk_port, 0,
             "port of ZooKeeper's client protocol over TLS, as ZooKeeper's secureClientPort (0 = off)");
DEFINE_string(tls_cert_file, "", "PEM certificate (chain) of this server, for the TLS ports and --peer_tls");
DEFINE_string(tls_key_file, "", "PEM private key of --tls_cert_file");
DEFINE_string(tls_ca_file, "", "PEM CA certificates that sign client certificates (and, with --peer_tls, peers')");
DEFINE_string(tls_client_auth, "want",
              "client certificates on TLS client ports, as ZooKeeper's ssl.clientAuth: none (not asked), want "
              "(asked; a sent one must verify and becomes the x509 identity), need (required)");
DEFINE_bool(peer_tls, false,
            "the peer port speaks mutual TLS with --tls_* files: every member's certificate must verify against "
            "--tls_ca_file and be valid for its host in --peers. The same on every server.");
DEFINE_int32(tick_ms, 100, "Raft tick; elections time out after election_ticks..2*election_ticks ticks");
DEFINE_int32(election_ticks, 10, "Raft election timeout in ticks");
DEFINE_int32(min_session_timeout_ms, 2000, "shortest session timeout granted");
DEFINE_int32(max_session_timeout_ms, 60000, "longest session timeout granted");
DEFINE_uint64(max_connections, 10000, "client connections accepted at once");
DEFINE_uint64(max_connections_per_ip, 1000,
              "client connections from one IP address (ZooKeeper's maxClientCnxns, whose default is 60); 0 = no bound");
DEFINE_uint64(max_watches_per_session, 100000,
              "paths one session may watch; a read that would set one more answers QUOTAEXCEEDED; 0 = no bound");
DEFINE_uint64(max_connection_output_bytes, 8 << 20,
              "bytes queued for one client that has not read them; past it the connection is dropped");
DEFINE_uint64(max_total_output_bytes, 1ull << 30,
              "bytes queued for all clients together; past it the connection with the most unread output is dropped");
DEFINE_int32(close_flush_timeout_ms, 2000, "how long a closing connection may take to read its last replies");
DEFINE_uint64(max_outstanding_requests, 1000, "pipelined requests per connection before reading pauses");
DEFINE_uint64(max_frame_bytes, (1 << 20) + (16 << 10), "largest client frame accepted");
DEFINE_uint64(raft_max_uncommitted_bytes, 64 << 20,
              "proposed but uncommitted entry bytes the leader accepts; writes beyond it answer THROTTLEDOP");
DEFINE_bool(close_sessions_on_shutdown, false,
            "on SIGTERM, close the sessions of this server's clients (their ephemerals go) instead of "
            "letting them move to another server");
DEFINE_uint64(snapshot_every_entries, 100000, "take a snapshot after this many applied entries");
DEFINE_uint64(snapshot_every_log_bytes, 256ull << 20,
              "or sooner, once the entries applied since the last snapshot hold this many bytes (0: entries only)");
DEFINE_string(restore_from, "",
              "seed an empty --data_dir from this backup file (arbor-cli backup, arbor-zk-import) before starting; "
              "give every server of the new cluster the same file. A directory seeded from the same file starts "
              "as is; any other non-empty one is refused");
DEFINE_string(backup_allow_ips, "127.0.0.1,::1",
              "client addresses allowed an online backup (arbor-cli backup) without the super identity, "
              "comma-separated; empty: super only");

namespace {

bool ParsePeers(const std::string& spec, std::map<uint64_t, std::string>* out, std::string* error) {
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string host;
    int port = 0;
    if (eq == std::string::npos || !arbor::net::SplitHostPort(item.substr(eq + 1), &host, &port)) {
      *error = "bad --peers item '" + item + "' (want id=host:port)";
      return false;
    }
    uint64_t id = std::strtoull(item.substr(0, eq).c_str(), nullptr, 10);
    if (id == 0) {
      *error = "bad server id in --peers item '" + item + "'";
      return false;
    }
    (*out)[id] = item.substr(eq + 1);
  }
  return true;
}

struct Shutdown {
  arbor::core::ArborServer* server;
  uv_signal_t sigterm;
  uv_signal_t sigint;
  uv_signal_t sighup;
};

void OnHangup(uv_signal_t* h, int) {
  auto* sd = static_cast<Shutdown*>(h->data);
  LOG(INFO) << "SIGHUP: reloading TLS certificates";
  (void)sd->server->ReloadTls();  // logs the outcome; a failure keeps the old ones
}

void OnSignal(uv_signal_t* h, int signum) {
  auto* sd = static_cast<Shutdown*>(h->data);
  LOG(INFO) << "signal " << signum << ": shutting down";
  sd->server->Shutdown([sd] {
    uv_close(reinterpret_cast<uv_handle_t*>(&sd->sigterm), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sd->sigint), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sd->sighup), nullptr);
  });
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Arbor coordination server. Example: arbord --flagfile=conf/single.flags");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  google::InstallFailureSignalHandler();  // a crash prints its stack to the log
  // libuv writes with write(2): a peer that vanished must be an EPIPE error
  // on that connection, not a SIGPIPE that silently kills the server.
  signal(SIGPIPE, SIG_IGN);

  arbor::core::ServerOptions o;
  o.id = FLAGS_id;
  o.data_dir = FLAGS_data_dir;
  o.bind = FLAGS_bind;
  o.client_port = FLAGS_client_port;
  o.peer_port = FLAGS_peer_port;
  o.cluster_name = FLAGS_cluster_name;
  o.peer_secret_file = FLAGS_peer_secret_file;
  o.secure_client_port = FLAGS_secure_client_port;
  o.secure_zk_port = FLAGS_secure_zk_port;
  o.peer_tls = FLAGS_peer_tls;
  o.tls.cert_file = FLAGS_tls_cert_file;
  o.tls.key_file = FLAGS_tls_key_file;
  o.tls.ca_file = FLAGS_tls_ca_file;
  if (!arbor::tls::ParseClientAuth(FLAGS_tls_client_auth, &o.tls.client_auth)) {
    LOG(ERROR) << "--tls_client_auth must be none, want or need, not '" << FLAGS_tls_client_auth << "'";
    return 2;
  }
  o.tick_ms = FLAGS_tick_ms;
  o.election_ticks = FLAGS_election_ticks;
  o.min_session_timeout_ms = FLAGS_min_session_timeout_ms;
  o.max_session_timeout_ms = FLAGS_max_session_timeout_ms;
  o.max_connections = FLAGS_max_connections;
  o.max_outstanding_per_connection = FLAGS_max_outstanding_requests;
  o.max_connections_per_ip = FLAGS_max_connections_per_ip;
  o.max_watches_per_session = FLAGS_max_watches_per_session;
  o.max_connection_output_bytes = FLAGS_max_connection_output_bytes;
  o.max_total_output_bytes = FLAGS_max_total_output_bytes;
  o.close_flush_timeout_ms = FLAGS_close_flush_timeout_ms;
  o.max_frame_bytes = FLAGS_max_frame_bytes;
  o.snapshot_every_entries = FLAGS_snapshot_every_entries;
  o.snapshot_every_log_bytes = FLAGS_snapshot_every_log_bytes;
  o.close_sessions_on_shutdown = FLAGS_close_sessions_on_shutdown;
  o.raft_max_uncommitted_bytes = FLAGS_raft_max_uncommitted_bytes;
  auto auth_config = arbor::auth::AuthConfigFromFlags();
  if (!auth_config.ok()) {
    LOG(ERROR) << auth_config.status().ToString();
    return 2;
  }
  o.auth = *auth_config;
  o.zk_port = FLAGS_zk_port;
  o.zk_max_frame_bytes = FLAGS_zk_max_frame_bytes;
  o.four_letter_words = FLAGS_four_letter_words;
  o.backup_allow_ips = FLAGS_backup_allow_ips;
  o.storage = arbor::storage::StorageOptions::FromFlags();
  o.tree = arbor::tree::TreeOptionsFromFlags();
  std::string error;
  if (FLAGS_id == 0 || FLAGS_id > 127) {
    // The id is the top byte of every session id this server creates.
    LOG(ERROR) << "--id must be between 1 and 127, not " << FLAGS_id;
    return 2;
  }
  if (!ParsePeers(FLAGS_peers, &o.peers, &error)) {
    LOG(ERROR) << error;
    return 2;
  }

  if (!FLAGS_restore_from.empty()) {
    arbor::Status rs = arbor::core::RestoreDataDir(FLAGS_restore_from, o);
    if (!rs.ok()) {
      LOG(ERROR) << "arbord: --restore_from failed: " << rs.ToString();
      return 1;
    }
  }

  uv_loop_t* loop = uv_default_loop();
  arbor::core::ArborServer server(loop, o);
  if (FLAGS_admin_port != 0) {
    arbor::admin::AdminOptions ao;
    ao.bind = FLAGS_admin_bind.empty() ? FLAGS_bind : FLAGS_admin_bind;
    ao.port = FLAGS_admin_port;
    ao.credentials_file = FLAGS_admin_credentials_file;
    ao.ready_max_lag = FLAGS_admin_ready_max_lag;
    server.AddExtension(std::make_unique<arbor::admin::AdminServer>(ao));
  }
  arbor::Status s = server.Start();
  if (!s.ok()) {
    LOG(ERROR) << "arbord failed to start: " << s.ToString();
    server.Stop();  // whatever did start (storage thread, listeners) winds down
    uv_run(loop, UV_RUN_NOWAIT);
    return 1;
  }
  Shutdown sd{&server, {}, {}, {}};
  uv_signal_init(loop, &sd.sigterm);
  uv_signal_init(loop, &sd.sigint);
  uv_signal_init(loop, &sd.sighup);
  sd.sigterm.data = sd.sigint.data = sd.sighup.data = &sd;
  uv_signal_start(&sd.sigterm, OnSignal, SIGTERM);
  uv_signal_start(&sd.sigint, OnSignal, SIGINT);
  uv_signal_start(&sd.sighup, OnHangup, SIGHUP);
  uv_run(loop, UV_RUN_DEFAULT);
  LOG(INFO) << "arbord stopped";
  return 0;
}
