// TLS as a Link decorator: wraps a Link that moves ciphertext (a
// net::Connection) and is itself the Link the protocol layer (ClientSession,
// the peer transport's handlers) reads and writes plaintext on, so none of
// them knows TLS is there. OpenSSL runs over memory BIOs (tls::TlsEngine)
// on the loop thread: no extra thread, no blocking.
//
//   socket <-> Connection (ciphertext) <-> TlsLink (handler of it; Link of the protocol) <-> handler
//
// Flow control passes through: PauseReading() stops the socket, and
// plaintext decrypted meanwhile is kept for ProcessBuffered(). Closing with
// flush_first sends TLS's close_notify before the socket closes.
//
// Threading: loop thread only. Lifetime: lives exactly as long as the inner
// link (the listener frees them together, or the dialer in the inner
// connection's release callback).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/tls/tls_context.h"
#include "common/tls/tls_engine.h"
#include "server/net/connection.h"
#include "server/net/link.h"

namespace arbor::net {

class TlsLink : public Link, public ConnectionHandler {
 public:
  // `inner` is not owned. Plaintext decrypted and not consumed by the
  // handler is bounded by max_plain_bytes, like a Connection's input.
  TlsLink(Link* inner, std::unique_ptr<tls::TlsEngine> engine, size_t max_plain_bytes);
  ~TlsLink() override;

  // The protocol handler: owned (a listener's connection) or not (a dialer
  // reuses one handler across connections).
  void set_handler(ConnectionHandler* handler) { handler_ = handler; }
  void set_owned_handler(std::unique_ptr<ConnectionHandler> handler);
  // A client sends its first handshake flight.
  void Start();

  // ---- Link ----
  Id id() const override { return inner_->id(); }
  const std::string& peer() const override { return inner_->peer(); }
  bool Write(std::string bytes) override;
  void PauseReading() override;
  void ResumeReading() override;
  void ProcessBuffered() override;
  void Close(const Status& why, bool flush_first = false) override;
  bool closing() const override { return closed_ || inner_->closing(); }
  size_t output_queued_bytes() const override { return inner_->output_queued_bytes() + engine_->pending_bytes(); }
  std::string verified_subject() const override { return engine_->peer_subject(); }
  bool CertificateMatchesHost(const std::string& host) const override { return engine_->PeerMatchesHost(host); }

  // ---- ConnectionHandler of the inner link ----
  Status OnData(Link* inner, std::string* input) override;
  void OnClose(Link* inner, const Status& why) override;

 private:
  bool Flush();
  Status Deliver();

  Link* inner_;
  std::unique_ptr<tls::TlsEngine> engine_;
  size_t max_plain_bytes_;
  ConnectionHandler* handler_ = nullptr;
  std::unique_ptr<ConnectionHandler> owned_handler_;
  std::string plain_;  // decrypted, not yet consumed by the handler
  bool paused_ = false;
  bool closed_ = false;
};

// A listener's factory for TLS connections: wraps each accepted connection
// in a server-side TlsLink from `ctx`'s current credentials and builds the
// protocol handler over it with `make`.
using LinkHandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Link*)>;
std::unique_ptr<ConnectionHandler> AcceptTls(Connection* conn, const tls::TlsContext& ctx, size_t max_plain_bytes,
                                             const LinkHandlerFactory& make);

}  // namespace arbor::net
