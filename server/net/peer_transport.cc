#include "server/net/peer_transport.h"

#include <glog/logging.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>

#include "common/frame.h"

namespace arbor::net {

bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  *host = address.substr(0, colon);
  char* end = nullptr;
  long p = strtol(address.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p <= 0 || p > 65535) return false;
  *port = static_cast<int>(p);
  return true;
}

namespace {

// Splits frames off `input` and parses each as a PeerFrame.
Status DecodeFrames(std::string* input, size_t max_frame,
                    const std::function<Status(proto::PeerFrame&&)>& each) {
  size_t offset = 0;
  Status result;
  while (result.ok()) {
    std::string_view payload;
    size_t consumed = 0;
    result = PeekFrame(std::string_view(*input).substr(offset), max_frame, &payload, &consumed);
    if (!result.ok() || consumed == 0) break;
    proto::PeerFrame f;
    if (!f.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      result = Status::InvalidArgument("malformed peer frame");
      break;
    }
    offset += consumed;
    result = each(std::move(f));
  }
  input->erase(0, offset);
  return result;
}

}  // namespace

// A peer's connection to us: first frame must be its hello.
class PeerTransport::InboundHandler : public ConnectionHandler {
 public:
  explicit InboundHandler(PeerTransport* t) : t_(t) {}
  Status OnData(Link* conn, std::string* input) override {
    return DecodeFrames(input, t_->options_.max_frame_bytes, [&](proto::PeerFrame&& f) -> Status {
      if (from_ == 0) {
        if (!f.has_hello() || f.hello().server_id() == 0) {
          return Status::InvalidArgument("peer connection did not start with a hello");
        }
        if (f.hello().cluster_name() != t_->options_.cluster_name) {
          return Status::InvalidArgument("peer " + std::to_string(f.hello().server_id()) + " belongs to cluster '" +
                                         f.hello().cluster_name() + "', not '" + t_->options_.cluster_name + "'");
        }
        from_ = f.hello().server_id();
        return Status::Ok();
      }
      t_->on_frame_(from_, std::move(f));
      return Status::Ok();
    });
  }
  void OnClose(Link*, const Status&) override {
    if (from_ != 0 && !t_->closed_ && t_->on_link_down_) t_->on_link_down_(from_);
  }

 private:
  PeerTransport* t_;
  uint64_t from_ = 0;
};

// Our dialed connection: we only write; anything read is ignored.
class PeerTransport::OutboundHandler : public ConnectionHandler {
 public:
  OutboundHandler(PeerTransport* t, Outbound* out) : t_(t), out_(out) {}
  Status OnData(Link*, std::string* input) override {
    input->clear();
    return Status::Ok();
  }
  void OnClose(Link*, const Status& why) override;

 private:
  PeerTransport* t_;
  Outbound* out_;
};

struct PeerTransport::Outbound {
  uint64_t id;
  std::string host;
  int port;
  Connection* conn = nullptr;     // set once connected; freed by its on_released
  Connection* dialing = nullptr;  // while uv_tcp_connect is in progress
  bool connecting = false;
  int backoff_ms = 0;
  uv_timer_t timer;
  uv_getaddrinfo_t resolve_req;
  uv_connect_t connect_req;
  std::unique_ptr<OutboundHandler> handler;
  PeerTransport* transport;
};

void PeerTransport::OutboundHandler::OnClose(Link*, const Status& why) {
  out_->conn = nullptr;
  if (!t_->closed_) {
    LOG(INFO) << "peer " << out_->id << " connection lost" << (why.ok() ? "" : ": " + why.ToString());
    t_->ScheduleRedial(out_);
    if (t_->on_link_down_) t_->on_link_down_(out_->id);
  }
}

PeerTransport::PeerTransport(uv_loop_t* loop, PeerTransportOptions options, FrameHandler on_frame,
                             LinkDownHandler on_link_down)
    : loop_(loop),
      options_(std::move(options)),
      on_frame_(std::move(on_frame)),
      on_link_down_(std::move(on_link_down)),
      listener_(loop, [&] {
        ListenerOptions l = options_.listen;
        l.limits.max_input_bytes = options_.max_frame_bytes + kFrameHeaderBytes;
        return l;
      }(), [this](Connection*) { return std::make_unique<InboundHandler>(this); }) {}

PeerTransport::~PeerTransport() = default;

Status PeerTransport::Start() {
  ARBOR_RETURN_IF_ERROR(listener_.Listen());
  for (auto& [id, address] : options_.peers) {
    auto out = std::make_unique<Outbound>();
    out->id = id;
    out->transport = this;
    if (!SplitHostPort(address, &out->host, &out->port)) {
      return Status::InvalidArgument("peer " + std::to_string(id) + " has a bad address '" + address +
                                     "' (want host:port)");
    }
    uv_timer_init(loop_, &out->timer);
    out->timer.data = out.get();
    Outbound* raw = out.get();
    outbound_[id] = std::move(out);
    Dial(raw);
  }
  return Status::Ok();
}

// Each dial looks the host up again (asynchronously): a peer named by a
// hostname that moved to another address is found on the next attempt.
void PeerTransport::Dial(Outbound* out) {
  out->connecting = true;
  out->resolve_req.data = out;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(loop_, &out->resolve_req, &PeerTransport::OnResolved, out->host.c_str(),
                          std::to_string(out->port).c_str(), &hints);
  if (rc != 0) {
    LOG_EVERY_N(WARNING, 20) << "peer " << out->id << ": cannot look up " << out->host << ": " << uv_strerror(rc);
    out->connecting = false;
    ScheduleRedial(out);
  }
}

void PeerTransport::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* out = static_cast<Outbound*>(req->data);
  PeerTransport* t = out->transport;
  sockaddr_in addr{};
  bool found = status == 0 && res != nullptr && res->ai_addrlen <= sizeof(addr);
  if (found) std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  if (res != nullptr) uv_freeaddrinfo(res);
  if (t->closed_) {
    out->connecting = false;
    return;
  }
  if (!found) {
    LOG_EVERY_N(WARNING, 20) << "peer " << out->id << ": cannot look up " << out->host << ": "
                             << (status == 0 ? "no address" : uv_strerror(status)) << "; trying again";
    out->connecting = false;
    t->ScheduleRedial(out);
    return;
  }
  auto* conn = new Connection(t->loop_, /*id=*/out->id, t->options_.listen.limits);
  conn->on_released = [](Connection* c) { delete c; };
  out->dialing = conn;
  out->connect_req.data = out;
  if (!out->handler) out->handler = std::make_unique<OutboundHandler>(t, out);
  int rc = uv_tcp_connect(&out->connect_req, conn->tcp(), reinterpret_cast<sockaddr*>(&addr), &PeerTransport::OnConnect);
  if (rc != 0) {
    out->dialing = nullptr;
    out->connecting = false;
    conn->Close(Status::Ok());
    t->ScheduleRedial(out);
  }
}

void PeerTransport::OnConnect(uv_connect_t* req, int status) {
  auto* out = static_cast<Outbound*>(req->data);
  Connection* conn = out->dialing;
  PeerTransport* t = out->transport;
  out->dialing = nullptr;
  out->connecting = false;
  if (status != 0 || t->closed_) {
    conn->Close(Status::Ok());
    if (!t->closed_) t->ScheduleRedial(out);
    return;
  }
  out->backoff_ms = 0;
  out->conn = conn;
  conn->Start(out->handler.get());
  proto::PeerFrame hello;
  hello.mutable_hello()->set_server_id(t->options_.self_id);
  hello.mutable_hello()->set_cluster_name(t->options_.cluster_name);
  std::string bytes;
  AppendFrame(hello.SerializeAsString(), &bytes);
  conn->Write(std::move(bytes));
}

void PeerTransport::ScheduleRedial(Outbound* out) {
  if (closed_) return;
  out->backoff_ms = out->backoff_ms == 0 ? options_.redial_min_ms
                                         : std::min(out->backoff_ms * 2, options_.redial_max_ms);
  uv_timer_start(&out->timer, &PeerTransport::OnRedialTimer, static_cast<uint64_t>(out->backoff_ms), 0);
}

void PeerTransport::OnRedialTimer(uv_timer_t* t) {
  auto* out = static_cast<Outbound*>(t->data);
  if (!out->transport->closed_ && out->conn == nullptr && !out->connecting) out->transport->Dial(out);
}

bool PeerTransport::Send(uint64_t to, const proto::PeerFrame& frame) {
  auto it = outbound_.find(to);
  if (it == outbound_.end() || it->second->conn == nullptr ||
      it->second->conn->output_queued_bytes() > options_.max_queued_bytes) {
    ++dropped_;
    return false;
  }
  std::string bytes;
  AppendFrame(frame.SerializeAsString(), &bytes);
  return it->second->conn->Write(std::move(bytes));
}

bool PeerTransport::Connected(uint64_t to) const {
  auto it = outbound_.find(to);
  return it != outbound_.end() && it->second->conn != nullptr;
}

size_t PeerTransport::QueuedBytes(uint64_t to) const {
  auto it = outbound_.find(to);
  if (it == outbound_.end() || it->second->conn == nullptr) return 0;
  return it->second->conn->output_queued_bytes();
}

void PeerTransport::Close() {
  if (closed_) return;
  closed_ = true;
  listener_.Close(Status::Ok());
  for (auto& [id, out] : outbound_) {
    uv_timer_stop(&out->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&out->timer), nullptr);
    if (out->conn != nullptr) out->conn->Close(Status::Ok());
    if (out->dialing != nullptr) out->dialing->Close(Status::Ok());  // cancels the connect
  }
}

}  // namespace arbor::net
