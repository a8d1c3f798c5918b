#include "server/net/tcp_listener.h"

#include <glog/logging.h>

#include <utility>

#include "server/net/client_budget.h"

namespace arbor::net {

TcpListener::TcpListener(uv_loop_t* loop, ListenerOptions options, HandlerFactory factory)
    : loop_(loop), options_(std::move(options)), factory_(std::move(factory)) {
  uv_tcp_init(loop_, &server_);
  server_.data = this;
}

TcpListener::~TcpListener() {
  // Connections still present here were never released by libuv; the owner
  // must have called Close() and run the loop. Drop them without callbacks.
  for (auto& [id, slot] : conns_) slot.conn->on_released = nullptr;
}

Status TcpListener::Listen() {
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(options_.bind.c_str(), options_.port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(options_.bind.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr));
  std::string where = options_.bind + ":" + std::to_string(options_.port);
  if (rc != 0) return Status::InvalidArgument("bad bind address " + where + ": " + uv_strerror(rc));
  rc = uv_tcp_bind(&server_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&server_), options_.backlog, &TcpListener::OnConnection);
  if (rc != 0) {
    return Status::IOError("cannot listen on " + where + ": " + uv_strerror(rc) +
                           " (is another server using the port? pick another with the port flag)");
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&server_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listening_ = true;
  return Status::Ok();
}

void TcpListener::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<TcpListener*>(server->data);
  if (status != 0) {
    LOG(WARNING) << "accept failed: " << uv_strerror(status);
    return;
  }
  self->Accept();
}

void TcpListener::Accept() {
  Connection::Id id = NextConnectionId();
  auto conn = std::make_unique<Connection>(loop_, id, options_.limits);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&server_), reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) {
    Connection* raw = conn.release();
    raw->on_released = [](Connection* c) { delete c; };
    raw->Close(Status::Ok());
    return;
  }
  Status admitted = Status::Ok();
  ClientBudget* budget = options_.limits.budget;
  conn->Accepted();
  std::string ip = IpOf(conn->peer());
  if (budget != nullptr) {
    admitted = budget->Admit(ip);
  } else if (conns_.size() >= options_.max_connections) {
    admitted = Status::Busy(std::to_string(conns_.size()) + " open, the limit is " +
                            std::to_string(options_.max_connections) +
                            " (raise --max_connections if this is expected)");
  }
  if (!admitted.ok()) {
    ++rejected_total_;
    LOG_EVERY_N(WARNING, 100) << "refusing a connection from " << conn->peer() << ": " << admitted.message();
    Connection* raw = conn.release();
    raw->on_released = [](Connection* c) { delete c; };
    raw->Close(Status::Ok());
    return;
  }
  ++accepted_total_;
  Connection* raw = conn.get();
  raw->on_released = [this, budget, ip](Connection* c) {
    if (budget != nullptr) budget->Leave(ip);
    conns_.erase(c->id());
  };
  Slot& slot = conns_[id];
  slot.conn = std::move(conn);
  slot.handler = factory_(raw);
  raw->Start(slot.handler.get());
}

Connection* TcpListener::Find(Connection::Id id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second.conn->closing()) return nullptr;
  return it->second.conn.get();
}

void TcpListener::StopAccepting() {
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&server_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&server_), nullptr);
  }
  listening_ = false;
}

void TcpListener::Close(const Status& why) {
  StopAccepting();
  // Close() may erase from conns_ via callbacks later, not now: iterate a copy of ids.
  std::vector<Connection::Id> ids;
  for (auto& [id, slot] : conns_) ids.push_back(id);
  for (auto id : ids) {
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second.conn->Close(why);
  }
}

}  // namespace arbor::net
