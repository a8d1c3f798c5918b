// One TCP connection from the client's loop to a server: resolves the host,
// connects, writes frames, and splits what it reads into frames. It knows
// nothing about sessions; ClientCore drives it.
//
// Lifetime: Open() returns a heap object that frees itself once libuv has
// released every handle and request it used. The owner calls Close() when it
// is done with it (or after OnClosed) and must not touch it afterwards; after
// Close() returns the handler is never called again.
// Threading: loop thread only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <memory>

#include "client/connect_string.h"
#include "common/status.h"
#include "common/tls/tls_context.h"
#include "common/tls/tls_engine.h"

namespace arbor::client {

class ClientConnection;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // TCP is connected; the handler sends its handshake.
  virtual void OnConnected(ClientConnection* conn) = 0;
  // One complete frame's payload (valid during the call). The handler may
  // Close() the connection from here; no more frames are delivered then.
  virtual void OnFrame(ClientConnection* conn, std::string_view payload) = 0;
  // The connection failed (resolve, connect, read, write, EOF, oversized
  // frame). The handler must Close() it.
  virtual void OnClosed(ClientConnection* conn, const Status& why) = 0;
};

class ClientConnection {
 public:
  // Starts resolving and connecting. Returns null (and sets *error) when
  // that cannot even start; the handler is then never called.
  // With `tls` (not owned; outlives the connection) the bytes are TLS, the
  // server's certificate checked against server.host.
  static ClientConnection* Open(uv_loop_t* loop, const HostPort& server, size_t max_frame_bytes,
                                const tls::TlsContext* tls, ConnectionHandler* handler, Status* error);

  // Queues one already-framed message. False (nothing queued) when the
  // connection is not usable; the handler is not called re-entrantly.
  bool Send(std::string framed);
  // Releases the connection; pending writes are discarded.
  void Close();

  const HostPort& server() const { return server_; }

 private:
  ClientConnection(uv_loop_t* loop, const HostPort& server, size_t max_frame_bytes, ConnectionHandler* handler);
  ~ClientConnection() = default;

  static void ResolvedCb(uv_getaddrinfo_t* req, int status, struct addrinfo* res);
  static void ConnectCb(uv_connect_t* req, int status);
  static void AllocCb(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void WriteCb(uv_write_t* req, int status);
  static void CloseCb(uv_handle_t* h);

  void Fail(const Status& why);
  void Unref();
  bool WriteRaw(std::string bytes);
  void FlushTls();

  uv_loop_t* loop_;
  HostPort server_;
  size_t max_frame_bytes_;
  ConnectionHandler* handler_;  // null once closed or failed
  uv_tcp_t tcp_;
  uv_getaddrinfo_t resolve_req_;
  uv_connect_t connect_req_;
  int refs_ = 0;  // handles and requests libuv still holds
  bool failed_ = false;
  bool closed_ = false;
  bool connected_ = false;
  std::string input_;
  char chunk_[64 << 10];
  const tls::TlsContext* tls_ctx_ = nullptr;
  std::unique_ptr<tls::TlsEngine> tls_;  // set once TCP connects, with TLS
};

}  // namespace arbor::client
