// Accepts TCP connections on one address and owns them.
//
// A factory makes one ConnectionHandler per accepted connection (the protocol
// layer); the listener frees handler and connection together once libuv has
// released the socket. Over max_connections, a new connection is accepted and
// closed at once (logged), so the kernel backlog does not fill with clients
// that will never be served.
//
// Threading: loop thread only. Lifetime: Close() before the loop stops; the
// listener must outlive its loop's final uv_run that processes the closes.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/net/connection.h"

namespace arbor::net {

struct ListenerOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0 picks a free port (tests); see port() after Listen()
  int backlog = 511;
  size_t max_connections = 10000;  // this listener's own bound, when limits.budget is null
  // With limits.budget set, the budget admits connections (shared bounds
  // across listeners, per IP address) instead of max_connections.
  ConnectionLimits limits;
};

class TcpListener {
 public:
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection*)>;

  TcpListener(uv_loop_t* loop, ListenerOptions options, HandlerFactory factory);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds and listens. Errors say which address failed and why.
  Status Listen();
  // The bound port (useful when options.port was 0).
  int port() const { return port_; }

  // Stops accepting and closes every connection (OnClose with `why`).
  void Close(const Status& why);
  // Stops accepting new connections; existing ones go on (graceful drain).
  void StopAccepting();

  size_t connection_count() const { return conns_.size(); }
  // The live connection with this id, or nullptr if it has gone.
  Connection* Find(Connection::Id id);

  uint64_t accepted_total() const { return accepted_total_; }
  // Connections refused by max_connections (or, with a budget, by any of its bounds).
  uint64_t rejected_total() const { return rejected_total_; }

 private:
  struct Slot {
    std::unique_ptr<Connection> conn;
    std::unique_ptr<ConnectionHandler> handler;
  };
  static void OnConnection(uv_stream_t* server, int status);
  void Accept();

  uv_loop_t* loop_;
  ListenerOptions options_;
  HandlerFactory factory_;
  uv_tcp_t server_;
  bool listening_ = false;
  int port_ = 0;
  std::map<Connection::Id, Slot> conns_;
  uint64_t accepted_total_ = 0;
  uint64_t rejected_total_ = 0;
};

}  // namespace arbor::net
