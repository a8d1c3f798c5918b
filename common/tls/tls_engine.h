// One TLS connection's state machine over memory BIOs: ciphertext in and
// out as byte strings, plaintext in and out as byte strings. No socket, no
// loop, no thread: the server's TlsLink and the client's ClientConnection
// drive it from their libuv loops, so the same code encrypts both ends.
//
// Threading: one thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace arbor::tls {

class TlsEngine {
 public:
  enum class Role { kServer, kClient };
  // Takes `ssl` (from TlsContext::NewSsl). A client verifies that the
  // server's certificate is valid for `verify_host` (a DNS name or an IP
  // address; empty: chain only) and sends it as SNI when it is a name.
  TlsEngine(SSL* ssl, Role role, const std::string& verify_host = "");
  ~TlsEngine();
  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;

  // A client's first flight (ClientHello) into the output.
  Status Start();
  // Ciphertext from the network: advances the handshake and appends any
  // plaintext that became readable to *plain. An error (handshake failed,
  // certificate refused, corrupt record) says why; the connection is over.
  Status Feed(std::string_view ciphertext, std::string* plain);
  // Plaintext for the other side; held until the handshake completes.
  Status Write(std::string_view plain);
  // Ciphertext waiting for the network (taken out).
  std::string TakeOutput();
  // Queues a close_notify alert (graceful close).
  void Shutdown();

  bool handshake_done() const { return done_; }
  // The other side sent close_notify.
  bool peer_closed() const { return peer_closed_; }
  // Plaintext held until the handshake completes.
  size_t pending_bytes() const { return pending_.size(); }
  // After the handshake: the other side's certificate subject (RFC 2253, as
  // Java writes it) if it sent one and it verified; "" otherwise.
  const std::string& peer_subject() const { return peer_subject_; }
  // Whether that verified certificate is valid for `host` (DNS name, with
  // wildcards, or IP address in a subjectAltName; the CN when it has none).
  bool PeerMatchesHost(const std::string& host) const;

 private:
  Status Advance(std::string* plain);
  Status Failure(const char* what, int rc);

  SSL* ssl_;
  BIO* in_;   // network -> SSL (owned by ssl_)
  BIO* out_;  // SSL -> network (owned by ssl_)
  Role role_;
  bool done_ = false;
  bool peer_closed_ = false;
  std::string pending_;
  std::string peer_subject_;
};

}  // namespace arbor::tls
