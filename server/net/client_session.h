// One client connection's protocol state: handshake, then requests through
// the per-session FIFO pipeline to the ClientService (the server core).
//
// Owned by the TcpListener (as the Connection's handler). The service keeps
// ClientSession pointers only between Connect() and Disconnected().
// Threading: loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

#include "server/net/client_codec.h"
#include "server/net/link.h"
#include "server/metrics/server_metrics.h"
#include "server/net/request_pipeline.h"
#include "server/session/client_handle.h"

namespace arbor::net {

class ClientSession;

// Implemented by the server core.
class ClientService {
 public:
  virtual ~ClientService() = default;
  // A handshake arrived; answer with session->CompleteConnect() (now or later).
  virtual void Connect(ClientSession* session, const proto::ConnectRequest& request) = 0;
  // Reads (answered from the local tree) are local; writes and sync are async.
  virtual bool IsLocal(const proto::Request& request) const = 0;
  // Starts an async request; finish it with session->Complete(seq, response).
  virtual void StartAsync(ClientSession* session, uint64_t seq, const proto::Request& request) = 0;
  virtual proto::Response RunLocal(ClientSession* session, const proto::Request& request) = 0;
  // Any frame from the client counts as a heartbeat for its session. The
  // service may end the connection here (then the request is dropped).
  virtual void Touched(ClientSession* session) = 0;
  // The connection is gone (the session itself lives on until it expires or
  // was closed). The service must drop every pointer to `session`.
  virtual void Disconnected(ClientSession* session) = 0;
};

struct ClientSessionOptions {
  size_t max_outstanding = 1000;  // pipelined requests per connection
  metrics::ServerMetrics* metrics = nullptr;  // null: nothing measured (loop thread writes it)
};

class ClientSession : public ConnectionHandler, public session::ClientHandle {
 public:
  ClientSession(Link* conn, std::unique_ptr<ClientCodec> codec, ClientService* service,
                ClientSessionOptions options);

  Status OnData(Link* conn, std::string* input) override;
  void OnClose(Link* conn, const Status& why) override;

  // Called by the service. CompleteConnect with a non-OK error or timeout 0
  // closes the connection after the answer is written.
  void CompleteConnect(const proto::ConnectResponse& response) override;
  void Complete(uint64_t seq, proto::Response response) override;
  void SendEvent(const proto::WatchEvent& event) override;
  // Answers everything pending with `error` and closes (session expired or
  // closed, server shutting down).
  void Terminate(proto::ErrorCode error, const Status& why) override;

  int64_t session_id() const override { return session_id_; }
  uint64_t connection_id() const override { return conn_id_; }
  const std::string& peer() const override { return peer_; }
  const char* protocol() const override { return codec_->name(); }
  size_t outstanding() const override { return pipeline_.outstanding(); }
  const session::ConnectionStats* stats() const override { return &stats_; }
  // The subject DN of the client's verified TLS certificate, or "" (see
  // Link::verified_subject).
  std::string verified_subject() const { return conn_ != nullptr ? conn_->verified_subject() : ""; }

  // The connection closes once the next response (the one being produced)
  // is written: ZooKeeper's answer to a failed auth packet.
  void CloseAfterNextResponse() override { close_after_response_ = true; }

 private:
  enum class State { kAwaitConnect, kConnecting, kConnected, kClosed };
  Status DecodeAll(Link* conn, std::string* input);
  Status HandleRequest(proto::Request request);
  struct InFlight;
  // A response leaves for the request at the front of in_flight_.
  void Measure(const InFlight& f, const proto::Response& r);

  Link* conn_;  // null once closed
  Link::Id conn_id_;
  std::string peer_;
  std::unique_ptr<ClientCodec> codec_;
  ClientService* service_;
  ClientSessionOptions options_;
  RequestPipeline pipeline_;
  State state_ = State::kAwaitConnect;
  bool in_on_data_ = false;  // OnData is on the stack (re-entrancy guard)
  bool paused_ = false;      // we stopped reading because the pipeline was full
  // Reading stopped while the handshake is with the service: requests a
  // client sends right behind it wait, as ZooKeeper's disableRecv makes them.
  bool awaiting_connect_ = false;
  bool close_after_response_ = false;
  // The answer sent before closing on bad input.
  int32_t fatal_xid_ = 0;
  proto::ErrorCode fatal_code_ = proto::MARSHALLINGERROR;
  int64_t session_id_ = 0;
  int64_t last_zxid_ = 0;  // highest zxid sent on this connection
  // Requests in the pipeline, oldest first: responses leave in arrival
  // order, one per request, so the front is the one being answered.
  struct InFlight {
    std::chrono::steady_clock::time_point start;
    proto::Request::OpCase op;
    bool measured = true;  // false: answered by the codec itself
  };
  std::deque<InFlight> in_flight_;
  session::ConnectionStats stats_;
  metrics::Protocol protocol_ = metrics::Protocol::kNative;
};

}  // namespace arbor::net
