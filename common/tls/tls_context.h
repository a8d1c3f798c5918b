// TLS configuration from files (OpenSSL), shared by the server's listeners,
// the peer transport and the client library.
//
// A TlsContext holds the current SSL_CTX; each connection takes its SSL
// from it when it opens and keeps it (OpenSSL counts references), so
// Reload() changes what later connections get without touching open ones.
// Reload() re-reads every file and swaps only if all of them load and the
// key matches the certificate: a half-written file during a rotation leaves
// the old credentials in force (the error is returned and logged by the
// caller).
//
// Threading: one thread (the owner's loop).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace arbor::tls {

// Whether a server asks for and checks client certificates (ZooKeeper's
// ssl.clientAuth).
enum class ClientAuth {
  kNone,  // never asks
  kWant,  // asks; a certificate that is sent must verify, none is fine
  kNeed,  // asks; no verified certificate, no connection
};

// "none", "want", "need" (ZooKeeper's spellings); false otherwise.
bool ParseClientAuth(const std::string& text, ClientAuth* out);

struct TlsFiles {
  std::string cert_file;  // PEM: this side's certificate (chain), optional for a client
  std::string key_file;   // PEM: its private key
  std::string ca_file;    // PEM: the CAs that sign the other side's certificates
  // Servers only.
  ClientAuth client_auth = ClientAuth::kWant;
  // Clients only: check the server's certificate (chain and host name).
  bool verify_peer = true;
};

class TlsContext {
 public:
  enum class Role { kServer, kClient };

  // Loads the files now; InvalidArgument naming the file and OpenSSL's
  // reason when one does not load.
  static Result<std::shared_ptr<TlsContext>> Create(Role role, TlsFiles files);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Re-reads the files (see above). OK when the new credentials are in force.
  Status Reload();
  // A new SSL for one connection from the current credentials (owned by the
  // caller: SSL_free). Null only when OpenSSL is out of memory.
  SSL* NewSsl() const;

  Role role() const { return role_; }
  const TlsFiles& files() const { return files_; }
  uint64_t reloads() const { return reloads_; }

 private:
  TlsContext(Role role, TlsFiles files) : role_(role), files_(std::move(files)) {}
  static Result<SSL_CTX*> Build(Role role, const TlsFiles& files);

  Role role_;
  TlsFiles files_;
  SSL_CTX* ctx_ = nullptr;
  uint64_t reloads_ = 0;
};

// OpenSSL's error queue as one line (emptied), for messages.
std::string DrainErrors();

}  // namespace arbor::tls
