// Frames between servers: Raft messages, forwarded writes, session
// heartbeats, snapshot chunks.
//
// Each server dials every peer and sends only on the connection it dialed;
// it receives on the connections peers dialed to it (each opens with a
// PeerHello naming the sender). Only configured members are heard: a hello
// from another cluster, from an id that is not a member, or (with a cluster
// secret) one that fails the challenge of server/net/peer_auth.h is refused,
// logged and counted (refused_connections()), and the connection closed
// before any of its frames reaches the replica. Sending never blocks and never grows without
// bound: with no connection, or more than max_queued_bytes waiting, a frame
// is dropped (Raft retransmits; the caller sees the drop in the counters).
// Lost connections are redialed with backoff.
//
// Threading: loop thread only. Close() before the loop stops.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "common/tls/tls_context.h"
#include "proto/peer.pb.h"
#include "server/net/tcp_listener.h"

namespace arbor::net {

struct PeerTransportOptions {
  uint64_t self_id = 0;
  std::string cluster_name = "arbor";
  std::map<uint64_t, std::string> peers;  // id -> "host:port", excluding self
  ListenerOptions listen;                 // bind address and peer port
  size_t max_frame_bytes = 64 << 20;      // snapshot chunks and batches fit
  size_t max_queued_bytes = 32 << 20;     // per peer, then frames are dropped
  // The cluster secret (server/net/peer_auth.h). Empty: a hello is judged by
  // cluster name and member id alone, which anyone who can reach the peer
  // port can fake (arbord warns at start).
  std::string secret;
  // A dialed peer that has not answered the challenge by then is dropped
  // and dialed again.
  int handshake_timeout_ms = 5000;
  // Mutual TLS on the peer port (--peer_tls): both set, or neither. The
  // acceptor requires a client certificate that verifies and is valid for
  // the host --peers gives the member named in the hello; the dialer
  // requires the same of the acceptor's certificate.
  std::shared_ptr<tls::TlsContext> tls_server;
  std::shared_ptr<tls::TlsContext> tls_client;
  int redial_min_ms = 50;
  int redial_max_ms = 2000;
};

class PeerTransport {
 public:
  // Called for every frame received, with the sender's id.
  using FrameHandler = std::function<void(uint64_t from, proto::PeerFrame&& frame)>;
  // Called when a connection to or from `peer` that carried frames closed:
  // frames in flight on it may be lost (TCP delivers in order until then).
  using LinkDownHandler = std::function<void(uint64_t peer)>;

  PeerTransport(uv_loop_t* loop, PeerTransportOptions options, FrameHandler on_frame,
                LinkDownHandler on_link_down = nullptr);
  ~PeerTransport();

  Status Start();  // listens and starts dialing every peer
  void Close();

  // False if dropped (not connected or queue full).
  bool Send(uint64_t to, const proto::PeerFrame& frame);
  bool Connected(uint64_t to) const;
  // Bytes waiting to be written to `to` (0 when not connected), so a bulk
  // sender (snapshot chunks) can pace itself.
  size_t QueuedBytes(uint64_t to) const;
  int listen_port() const { return listener_.port(); }

  uint64_t dropped_frames() const { return dropped_; }
  // Peer connections refused: wrong cluster, not a member, failed challenge.
  uint64_t refused_connections() const { return refused_; }

 private:
  struct Outbound;
  class InboundHandler;
  class OutboundHandler;
  void Dial(Outbound* out);
  void ScheduleRedial(Outbound* out);
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
  static void OnConnect(uv_connect_t* req, int status);
  static void OnRedialTimer(uv_timer_t* t);
  // Counts and logs a refused handshake; returns the Status that closes it.
  Status Refuse(const std::string& peer, const std::string& why);

  uv_loop_t* loop_;
  PeerTransportOptions options_;
  FrameHandler on_frame_;
  LinkDownHandler on_link_down_;
  TcpListener listener_;
  std::map<uint64_t, std::unique_ptr<Outbound>> outbound_;
  uint64_t dropped_ = 0;
  uint64_t refused_ = 0;
  bool closed_ = false;
};

// Parses "host:port"; false on a malformed address.
bool SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace arbor::net
