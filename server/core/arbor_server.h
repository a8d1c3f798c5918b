// ArborServer: arbord's host for one Replica. It binds the Replica's Env to
// libuv (clock, tick timer, idle wake-ups), getrandom, the data directory
// (LMDB log + snapshot files) and the peer transport, and serves the client
// listeners (native, ZooKeeper) as one list, so shutdown, limits and status
// treat them alike. Everything else is the Replica's (server/core/replica.h).
//
// Threading: loop thread only; storage and snapshot files run on their own
// threads inside LmdbDisk.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/core/host_extension.h"
#include "server/core/replica.h"
#include "server/core/server_options.h"
#include "server/core/uv_env.h"
#include "server/metrics/server_metrics.h"
#include "server/net/client_budget.h"
#include "server/net/peer_transport.h"
#include "server/net/tcp_listener.h"
#include "server/zk/zk_codec.h"

namespace arbor::core {

class ArborServer {
 public:
  ArborServer(uv_loop_t* loop, ServerOptions options);
  ~ArborServer();

  // Runs `extension` with this server (before Start()).
  void AddExtension(std::unique_ptr<HostExtension> extension) { extensions_.push_back(std::move(extension)); }

  // Recovers from the data directory (newest valid snapshot + log), then
  // listens on the client and peer ports.
  Status Start();
  // Closes listeners and connections, makes queued writes durable. Run the
  // loop afterwards until it ends.
  void Stop();
  // SIGTERM: stop accepting clients, then the Replica's graceful shutdown;
  // `stopped` runs once Stop() was called.
  void Shutdown(std::function<void()> stopped);

  int client_port() const;
  int peer_port() const;
  int zk_port() const;
  // SIGHUP: re-reads the TLS certificate, key and CA files; new connections
  // use them, open ones keep theirs. On an error the old ones stay.
  Status ReloadTls();
  const Replica& replica() const { return *replica_; }
  uv_loop_t* loop() const { return loop_; }
  const ServerOptions& options() const { return options_; }
  // Written by the loop, storage and snapshot threads; read by anyone.
  metrics::ServerMetrics& metrics() { return metrics_; }
  // SIGTERM arrived: draining before the stop.
  bool shutting_down() const { return shutting_down_; }
  struct ListenerInfo {
    std::string name;  // "native", "zookeeper"
    int port = 0;
    size_t connections = 0;
    uint64_t accepted_total = 0;
    uint64_t rejected_total = 0;  // over --max_connections
  };
  std::vector<ListenerInfo> listener_info() const;
  // Bounds shared by the client connections (null before Start).
  const net::ClientBudget* client_budget() const { return client_budget_.get(); }
  // What four-letter words report; `word` decides which lists are filled.
  zk::ServerFacts ZkFacts(std::string_view word) const;

 private:
  struct Listener {
    std::string name;  // "native", "zookeeper"
    std::unique_ptr<net::TcpListener> tcp;
  };
  Status StartListeners();
  Status StartTls();
  // Adds a client listener (plain, or TLS when `tls` is set) and listens.
  Status AddClientListener(const std::string& name, net::ListenerOptions lo, bool zk, bool tls);
  void WriteStatusFile();

  uv_loop_t* loop_;
  ServerOptions options_;
  UvClock clock_;
  SystemEntropy entropy_;
  std::unique_ptr<LmdbDisk> disk_;
  std::unique_ptr<net::PeerTransport> transport_;
  std::unique_ptr<UvPeerNetwork> peers_;
  std::unique_ptr<UvPump> pump_;
  std::unique_ptr<Replica> replica_;
  // Before listeners_: their connections report to it until destroyed.
  std::unique_ptr<net::ClientBudget> client_budget_;
  std::vector<Listener> listeners_;
  std::shared_ptr<tls::TlsContext> tls_server_;       // TLS client ports
  std::shared_ptr<tls::TlsContext> peer_tls_server_;  // the peer port's acceptor (--peer_tls)
  std::shared_ptr<tls::TlsContext> peer_tls_client_;  // the peer transport's dialer
  zk::ZkCounters zk_counters_;
  metrics::ServerMetrics metrics_;
  std::vector<std::unique_ptr<HostExtension>> extensions_;
  bool shutting_down_ = false;
  zk::ZkCodecOptions zk_codec_options_;
  int64_t last_status_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace arbor::core
