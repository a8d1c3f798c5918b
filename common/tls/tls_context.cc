#include "common/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace arbor::tls {

bool ParseClientAuth(const std::string& text, ClientAuth* out) {
  if (text == "none") *out = ClientAuth::kNone;
  else if (text == "want") *out = ClientAuth::kWant;
  else if (text == "need") *out = ClientAuth::kNeed;
  else return false;
  return true;
}

std::string DrainErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Result<SSL_CTX*> TlsContext::Build(Role role, const TlsFiles& files) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(role == Role::kServer ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr) return Status::Internal("SSL_CTX_new: " + DrainErrors());
  auto fail = [ctx](const std::string& what) -> Status {
    std::string why = what + ": " + DrainErrors();
    SSL_CTX_free(ctx);
    return Status::InvalidArgument(why);
  };
  // TLS 1.2 is what ZooKeeper 3.8 clients (Java 11+, kazoo's ssl module)
  // all speak; nothing older.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Reads and writes go through memory BIOs on an event loop: a partial
  // write is fine, and the buffer may move between retries.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!files.cert_file.empty() && SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1) {
    return fail("certificate " + files.cert_file);
  }
  if (!files.key_file.empty()) {
    if (SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("private key " + files.key_file);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return fail("private key " + files.key_file + " does not match certificate " + files.cert_file);
    }
  }
  if (role == Role::kServer && (files.cert_file.empty() || files.key_file.empty())) {
    SSL_CTX_free(ctx);
    return Status::InvalidArgument("a TLS server needs a certificate and a key file");
  }
  if (!files.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, files.ca_file.c_str(), nullptr) != 1) {
    return fail("CA file " + files.ca_file);
  }
  int mode = SSL_VERIFY_NONE;
  if (role == Role::kServer) {
    if (files.client_auth != ClientAuth::kNone) {
      if (files.ca_file.empty()) {
        SSL_CTX_free(ctx);
        return Status::InvalidArgument("checking client certificates needs a CA file");
      }
      mode = SSL_VERIFY_PEER;
      if (files.client_auth == ClientAuth::kNeed) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      // Tell clients which CAs we accept (some choose their certificate by it).
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_file.c_str());
      if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    }
  } else if (files.verify_peer) {
    if (files.ca_file.empty()) SSL_CTX_set_default_verify_paths(ctx);  // the system's CAs
    mode = SSL_VERIFY_PEER;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Create(Role role, TlsFiles files) {
  auto ctx = Build(role, files);
  if (!ctx.ok()) return ctx.status();
  std::shared_ptr<TlsContext> c(new TlsContext(role, std::move(files)));
  c->ctx_ = *ctx;
  return c;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Status TlsContext::Reload() {
  auto ctx = Build(role_, files_);
  if (!ctx.ok()) return ctx.status();
  SSL_CTX_free(ctx_);  // connections opened from it hold their own references
  ctx_ = *ctx;
  ++reloads_;
  return Status::Ok();
}

SSL* TlsContext::NewSsl() const { return SSL_new(ctx_); }

}  // namespace arbor::tls
