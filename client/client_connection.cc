#include "client/client_connection.h"

#include <cassert>
#include <cstring>

#include "common/frame.h"

namespace arbor::client {
namespace {

struct WriteReq {
  uv_write_t req;
  std::string bytes;
  ClientConnection* conn;
};

Status UvError(const char* what, const HostPort& s, int err) {
  return Status::IOError(std::string(what) + " " + s.host + ":" + std::to_string(s.port) + ": " + uv_strerror(err));
}

}  // namespace

ClientConnection::ClientConnection(uv_loop_t* loop, const HostPort& server, size_t max_frame_bytes,
                                   ConnectionHandler* handler)
    : loop_(loop), server_(server), max_frame_bytes_(max_frame_bytes), handler_(handler) {}

ClientConnection* ClientConnection::Open(uv_loop_t* loop, const HostPort& server, size_t max_frame_bytes,
                                         const tls::TlsContext* tls, ConnectionHandler* handler, Status* error) {
  auto* c = new ClientConnection(loop, server, max_frame_bytes, handler);
  c->tls_ctx_ = tls;
  uv_tcp_init(loop, &c->tcp_);
  c->tcp_.data = c;
  c->refs_ = 1;  // the tcp handle, released in CloseCb
  c->resolve_req_.data = c;
  addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(loop, &c->resolve_req_, ResolvedCb, server.host.c_str(),
                          std::to_string(server.port).c_str(), &hints);
  if (rc != 0) {
    *error = UvError("resolving", server, rc);
    c->Close();
    return nullptr;
  }
  ++c->refs_;
  return c;
}

void ClientConnection::ResolvedCb(uv_getaddrinfo_t* req, int status, struct addrinfo* res) {
  auto* c = static_cast<ClientConnection*>(req->data);
  if (!c->closed_ && !c->failed_) {
    if (status != 0 || res == nullptr) {
      c->Fail(UvError("resolving", c->server_, status != 0 ? status : UV_EAI_NONAME));
    } else {
      // One address per attempt: the first IPv4 one if any ("localhost" often
      // lists ::1 first while servers bind 127.0.0.1), else the first.
      const addrinfo* pick = res;
      for (const addrinfo* a = res; a != nullptr; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
          pick = a;
          break;
        }
      }
      c->connect_req_.data = c;
      int rc = uv_tcp_connect(&c->connect_req_, &c->tcp_, pick->ai_addr, ConnectCb);
      if (rc == 0) {
        ++c->refs_;
      } else {
        c->Fail(UvError("connecting to", c->server_, rc));
      }
    }
  }
  if (res != nullptr) uv_freeaddrinfo(res);
  c->Unref();
}

void ClientConnection::ConnectCb(uv_connect_t* req, int status) {
  auto* c = static_cast<ClientConnection*>(req->data);
  if (!c->closed_ && !c->failed_) {
    if (status != 0) {
      c->Fail(UvError("connecting to", c->server_, status));
    } else {
      c->connected_ = true;
      uv_tcp_nodelay(&c->tcp_, 1);
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp_), AllocCb, ReadCb);
      if (c->tls_ctx_ != nullptr) {
        // The handshake frame the handler sends next waits inside the engine
        // until TLS is up; a refused certificate fails the connection.
        c->tls_ = std::make_unique<tls::TlsEngine>(c->tls_ctx_->NewSsl(), tls::TlsEngine::Role::kClient,
                                                   c->server_.host);
        Status st = c->tls_->Start();
        c->FlushTls();
        if (!st.ok()) {
          c->Fail(Status::IOError("TLS to " + c->server_.host + ":" + std::to_string(c->server_.port) + ": " +
                                  st.message()));
          c->Unref();
          return;
        }
      }
      if (!c->closed_ && !c->failed_) c->handler_->OnConnected(c);
    }
  }
  c->Unref();
}

void ClientConnection::AllocCb(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<ClientConnection*>(h->data);
  *buf = uv_buf_init(c->chunk_, sizeof(c->chunk_));
}

void ClientConnection::ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<ClientConnection*>(s->data);
  if (c->closed_ || c->failed_) return;
  if (nread < 0) {
    c->Fail(nread == UV_EOF ? Status::IOError("server " + c->server_.host + ":" + std::to_string(c->server_.port) +
                                              " closed the connection")
                            : UvError("reading from", c->server_, static_cast<int>(nread)));
    return;
  }
  if (c->tls_) {
    Status st = c->tls_->Feed(std::string_view(c->chunk_, static_cast<size_t>(nread)), &c->input_);
    c->FlushTls();
    if (c->closed_ || c->failed_) return;
    if (!st.ok()) {
      c->Fail(Status::IOError("TLS to " + c->server_.host + ":" + std::to_string(c->server_.port) + ": " +
                              st.message()));
      return;
    }
  } else {
    c->input_.append(c->chunk_, static_cast<size_t>(nread));
  }
  size_t offset = 0;
  while (!c->closed_ && !c->failed_) {
    std::string_view payload;
    size_t consumed = 0;
    Status st = PeekFrame(std::string_view(c->input_).substr(offset), c->max_frame_bytes_, &payload, &consumed);
    if (!st.ok()) {
      c->Fail(st);
      return;
    }
    if (consumed == 0) break;
    c->handler_->OnFrame(c, payload);
    offset += consumed;
  }
  // `c` stays allocated until CloseCb, which runs on a later loop iteration.
  c->input_.erase(0, offset);
}

bool ClientConnection::Send(std::string framed) {
  if (closed_ || failed_ || !connected_) return false;
  if (!tls_) return WriteRaw(std::move(framed));
  if (!tls_->Write(framed).ok()) return false;
  FlushTls();
  return !failed_ && !closed_;
}

void ClientConnection::FlushTls() {
  std::string out = tls_->TakeOutput();
  if (!out.empty() && !WriteRaw(std::move(out)) && !failed_ && !closed_) {
    Fail(Status::IOError("writing to " + server_.host + ":" + std::to_string(server_.port) + " failed"));
  }
}

bool ClientConnection::WriteRaw(std::string bytes) {
  if (closed_ || failed_) return false;
  auto* w = new WriteReq{{}, std::move(bytes), this};
  w->req.data = w;
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, WriteCb);
  if (rc != 0) {
    // Nothing was written; the caller decides (it drops the connection).
    delete w;
    return false;
  }
  ++refs_;
  return true;
}

void ClientConnection::WriteCb(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  ClientConnection* c = w->conn;
  delete w;
  if (status != 0 && !c->closed_ && !c->failed_) c->Fail(UvError("writing to", c->server_, status));
  c->Unref();
}

void ClientConnection::Fail(const Status& why) {
  assert(!failed_ && !closed_);
  failed_ = true;
  if (connected_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  handler_->OnClosed(this, why);
}

void ClientConnection::Close() {
  assert(!closed_);
  closed_ = true;
  handler_ = nullptr;
  // Cancels the pending connect/writes; their callbacks run before CloseCb.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), CloseCb);
}

void ClientConnection::CloseCb(uv_handle_t* h) { static_cast<ClientConnection*>(h->data)->Unref(); }

void ClientConnection::Unref() {
  assert(refs_ > 0);
  if (--refs_ == 0) delete this;
}

}  // namespace arbor::client
