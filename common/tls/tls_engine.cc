#include "common/tls/tls_engine.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "common/tls/tls_context.h"
#include "common/tls/x509_name.h"

namespace arbor::tls {
namespace {

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsEngine::TlsEngine(SSL* ssl, Role role, const std::string& verify_host) : ssl_(ssl), role_(role) {
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  // An empty memory BIO means "no data yet" (retry), not end of file.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  if (role_ == Role::kServer) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    if (!verify_host.empty()) {
      if (IsIpAddress(verify_host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), verify_host.c_str());
      } else {
        SSL_set1_host(ssl_, verify_host.c_str());
        SSL_set_tlsext_host_name(ssl_, verify_host.c_str());
      }
    }
  }
}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

Status TlsEngine::Failure(const char* what, int rc) {
  int err = SSL_get_error(ssl_, rc);
  std::string why = std::string(what) + " failed";
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) why += std::string(": certificate: ") + X509_verify_cert_error_string(verify);
  if (err == SSL_ERROR_SSL || ERR_peek_error() != 0) why += ": " + DrainErrors();
  return Status::Unavailable(why);
}

Status TlsEngine::Start() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) done_ = true;
  int err = SSL_get_error(ssl_, rc);
  if (rc != 1 && err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return Failure("TLS handshake", rc);
  return Status::Ok();
}

Status TlsEngine::Feed(std::string_view ciphertext, std::string* plain) {
  if (!ciphertext.empty() && BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size())) <= 0) {
    return Status::Internal("BIO_write: " + DrainErrors());
  }
  return Advance(plain);
}

Status TlsEngine::Advance(std::string* plain) {
  ERR_clear_error();
  if (!done_) {
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Status::Ok();
      return Failure("TLS handshake", rc);
    }
    done_ = true;
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (cert != nullptr && SSL_get_verify_result(ssl_) == X509_V_OK) peer_subject_ = SubjectName(cert);
    if (!pending_.empty()) {
      std::string held;
      held.swap(pending_);
      ARBOR_RETURN_IF_ERROR(Write(held));
    }
  }
  char buf[16 << 10];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) {
      plain->append(buf, static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Status::Ok();
    if (err == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      return Status::Ok();
    }
    return Failure("TLS read", n);
  }
}

Status TlsEngine::Write(std::string_view plain) {
  if (!done_) {
    pending_.append(plain.data(), plain.size());
    return Status::Ok();
  }
  ERR_clear_error();
  size_t off = 0;
  while (off < plain.size()) {
    // Memory BIOs grow as needed, so a write never waits for the network.
    int n = SSL_write(ssl_, plain.data() + off, static_cast<int>(std::min<size_t>(plain.size() - off, 1 << 30)));
    if (n <= 0) return Failure("TLS write", n);
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string TlsEngine::TakeOutput() {
  std::string out;
  size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return out;
  out.resize(pending);
  int n = BIO_read(out_, out.data(), static_cast<int>(pending));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

void TlsEngine::Shutdown() {
  if (done_) SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TlsEngine::PeerMatchesHost(const std::string& host) const {
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr || peer_subject_.empty() || host.empty()) return false;
  if (IsIpAddress(host)) return X509_check_ip_asc(cert, host.c_str(), 0) == 1;
  return X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
}

}  // namespace arbor::tls
