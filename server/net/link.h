// A byte stream to one peer (a client or another server), as the protocol
// layers see it. net::Connection implements it over a libuv TCP handle; the
// whole-replica simulator (test/sim) implements it over simulated time, so
// ClientSession and everything above run unchanged under a seed.
//
// Threading: every method runs on the owner's loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace arbor::net {

class Link {
 public:
  using Id = uint64_t;
  virtual ~Link() = default;

  virtual Id id() const = 0;
  // "host:port" of the other end (for logs and ip ACLs).
  virtual const std::string& peer() const = 0;
  // Queues bytes for the peer. False (and the link closes) past its output
  // bound.
  virtual bool Write(std::string bytes) = 0;
  // Flow control from the handler: stop/restart handing over input.
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  // Hands input already buffered (left while reading was paused) to the
  // handler again, without waiting for new bytes.
  virtual void ProcessBuffered() = 0;
  // Closes after queued output is written (graceful) or at once. `why` is
  // passed to the handler's OnClose.
  virtual void Close(const Status& why, bool flush_first = false) = 0;
  virtual bool closing() const = 0;
  virtual size_t output_queued_bytes() const = 0;

  // What a TLS link (server/net/tls_link.h) proved about the other side;
  // a plain link proves nothing. The subject DN (RFC 2253, as ZooKeeper's
  // x509 scheme names it) of a certificate the other side sent and that
  // verified against the CA file, or "".
  virtual std::string verified_subject() const { return ""; }
  // Whether that certificate is valid for `host` (a name or an address).
  virtual bool CertificateMatchesHost(const std::string& host) const { return false; }
};

// Implemented by a protocol layer. Called on the loop thread.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // `input` holds everything received and not yet consumed; the handler
  // erases what it consumed from the front. Returning a non-OK Status closes
  // the link with that reason (logged once).
  virtual Status OnData(Link* link, std::string* input) = 0;
  // The link is closing (peer gone, error, or Close()); `why` is OK for an
  // orderly close. The handler must drop its pointer to `link`.
  virtual void OnClose(Link* link, const Status& why) = 0;
};

// A link id never used before in this process, whichever listener accepts
// the connection: the server keys identities, pending requests and replies
// by it, so two listeners must never hand out the same number.
uint64_t NextConnectionId();

}  // namespace arbor::net
