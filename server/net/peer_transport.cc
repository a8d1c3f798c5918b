#include "server/net/peer_transport.h"

#include <glog/logging.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>

#include "common/frame.h"
#include "server/net/peer_auth.h"
#include "server/net/tls_link.h"

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

// A peer's connection to us: its hello, the challenge when the cluster has a
// secret, then its frames.
class PeerTransport::InboundHandler : public ConnectionHandler {
 public:
  explicit InboundHandler(PeerTransport* t) : t_(t) {}
  Status OnData(Link* conn, std::string* input) override {
    return DecodeFrames(input, t_->options_.max_frame_bytes, [&](proto::PeerFrame&& f) -> Status {
      switch (state_) {
        case State::kHello:
          return OnHello(conn, f);
        case State::kProof:
          return OnProof(conn, f);
        case State::kReady:
          break;
      }
      if (f.has_hello() || f.has_challenge() || f.has_proof()) {
        return Status::InvalidArgument("peer " + std::to_string(from_) + " sent a second handshake frame");
      }
      t_->on_frame_(from_, std::move(f));
      return Status::Ok();
    });
  }
  void OnClose(Link* conn, const Status& why) override {
    if (state_ == State::kReady && !t_->closed_ && t_->on_link_down_) t_->on_link_down_(from_);
    // Closed before it proved anything, for a reason we did not give (a
    // failed TLS handshake, a malformed frame): refused all the same.
    if (state_ != State::kReady && !refused_ && !why.ok() && !t_->closed_) (void)Refuse(conn, why.message());
  }

 private:
  enum class State { kHello, kProof, kReady };

  Status Refuse(Link* conn, const std::string& why) {
    refused_ = true;
    return t_->Refuse(conn->peer(), why);
  }

  Status OnHello(Link* conn, const proto::PeerFrame& f) {
    const PeerTransportOptions& o = t_->options_;
    if (!f.has_hello()) return Refuse(conn, "the connection did not start with a hello");
    const proto::PeerHello& h = f.hello();
    std::string who = "server " + std::to_string(h.server_id());
    if (h.cluster_name() != o.cluster_name) {
      return Refuse(conn, who + " belongs to cluster '" + h.cluster_name() + "', not '" +
                                          o.cluster_name + "'");
    }
    if (h.server_id() == 0 || o.peers.count(h.server_id()) == 0) {
      return Refuse(conn, who + " is not a member of this cluster");
    }
    if (h.to_server_id() != 0 && h.to_server_id() != o.self_id) {
      return Refuse(conn, who + " meant to reach server " + std::to_string(h.to_server_id()) +
                                          ", this is " + std::to_string(o.self_id) + " (check --peers)");
    }
    if (o.tls_server) {
      std::string host;
      int port = 0;
      SplitHostPort(o.peers.at(h.server_id()), &host, &port);
      if (!conn->CertificateMatchesHost(host)) {
        return Refuse(conn, who + "'s certificate (" + conn->verified_subject() + ") is not valid for " + host +
                                ", its host in --peers");
      }
    }
    from_ = h.server_id();
    if (o.secret.empty()) {
      state_ = State::kReady;
      return Status::Ok();
    }
    if (h.nonce().size() != kPeerNonceBytes) {
      return Refuse(conn, who + " sent no challenge nonce: give every member the same "
                                            "--peer_secret_file");
    }
    transcript_ = PeerTranscript{o.cluster_name, from_, o.self_id, h.nonce(), NewPeerNonce()};
    proto::PeerFrame challenge;
    challenge.mutable_challenge()->set_server_id(o.self_id);
    challenge.mutable_challenge()->set_nonce(transcript_.acceptor_nonce);
    challenge.mutable_challenge()->set_proof(ComputePeerProof(o.secret, transcript_, PeerRole::kAcceptor));
    std::string bytes;
    AppendFrame(challenge.SerializeAsString(), &bytes);
    conn->Write(std::move(bytes));
    state_ = State::kProof;
    return Status::Ok();
  }

  Status OnProof(Link* conn, const proto::PeerFrame& f) {
    std::string who = "server " + std::to_string(from_);
    if (!f.has_proof()) return Refuse(conn, who + " sent a frame before its proof");
    std::string expected = ComputePeerProof(t_->options_.secret, transcript_, PeerRole::kDialer);
    if (!PeerProofMatches(expected, f.proof().proof())) {
      return Refuse(conn, who + " failed the challenge (a different --peer_secret_file?)");
    }
    state_ = State::kReady;
    VLOG(1) << "peer " << from_ << " at " << conn->peer() << " proved membership";
    return Status::Ok();
  }

  PeerTransport* t_;
  State state_ = State::kHello;
  uint64_t from_ = 0;
  PeerTranscript transcript_;
  bool refused_ = false;
};

// Our dialed connection: we only write, once the peer has answered our
// challenge (with a secret); anything read after that is ignored.
class PeerTransport::OutboundHandler : public ConnectionHandler {
 public:
  OutboundHandler(PeerTransport* t, Outbound* out) : t_(t), out_(out) {}
  Status OnData(Link* conn, std::string* input) override;
  void OnClose(Link*, const Status& why) override;

 private:
  PeerTransport* t_;
  Outbound* out_;
};

struct PeerTransport::Outbound {
  uint64_t id;
  std::string host;
  int port;
  Link* conn = nullptr;           // set once connected (the TlsLink with TLS); freed by on_released
  Connection* dialing = nullptr;  // while uv_tcp_connect is in progress
  bool connecting = false;
  bool ready = false;  // the peer proved membership (or there is no secret): frames may go
  std::string nonce;   // ours, in the hello of the current connection
  int backoff_ms = 0;
  uv_timer_t timer;
  uv_getaddrinfo_t resolve_req;
  uv_connect_t connect_req;
  std::unique_ptr<OutboundHandler> handler;
  PeerTransport* transport;
};

Status PeerTransport::OutboundHandler::OnData(Link* conn, std::string* input) {
  if (out_->ready) {
    input->clear();
    return Status::Ok();
  }
  return DecodeFrames(input, t_->options_.max_frame_bytes, [&](proto::PeerFrame&& f) -> Status {
    if (out_->ready) return Status::Ok();
    std::string who = "server " + std::to_string(out_->id);
    if (!f.has_challenge()) return t_->Refuse(conn->peer(), who + " did not answer with a challenge");
    const proto::PeerChallenge& c = f.challenge();
    if (c.server_id() != out_->id) {
      return t_->Refuse(conn->peer(), "server " + std::to_string(c.server_id()) + " answered at the address of " +
                                          who + " (check --peers)");
    }
    PeerTranscript transcript{t_->options_.cluster_name, t_->options_.self_id, out_->id, out_->nonce, c.nonce()};
    std::string expected = ComputePeerProof(t_->options_.secret, transcript, PeerRole::kAcceptor);
    if (c.nonce().size() != kPeerNonceBytes || !PeerProofMatches(expected, c.proof())) {
      return t_->Refuse(conn->peer(), who + " failed the challenge (a different --peer_secret_file?)");
    }
    proto::PeerFrame proof;
    proof.mutable_proof()->set_proof(ComputePeerProof(t_->options_.secret, transcript, PeerRole::kDialer));
    std::string bytes;
    AppendFrame(proof.SerializeAsString(), &bytes);
    conn->Write(std::move(bytes));
    out_->ready = true;
    out_->backoff_ms = 0;
    uv_timer_stop(&out_->timer);
    return Status::Ok();
  });
}

void PeerTransport::OutboundHandler::OnClose(Link*, const Status& why) {
  out_->conn = nullptr;
  bool was_ready = out_->ready;
  out_->ready = false;
  if (!t_->closed_) {
    LOG(INFO) << "peer " << out_->id << " connection lost" << (why.ok() ? "" : ": " + why.ToString());
    t_->ScheduleRedial(out_);
    if (was_ready && t_->on_link_down_) t_->on_link_down_(out_->id);
  }
}

Status PeerTransport::Refuse(const std::string& peer, const std::string& why) {
  ++refused_;
  // An attacker can make these as fast as it connects: the first ones are
  // logged whole, then one in a hundred.
  if (refused_ <= 20 || refused_ % 100 == 0) {
    LOG(WARNING) << "refused peer connection from " << peer << ": " << why << " (" << refused_
                 << " refused so far)";
  }
  return Status::Unavailable("refused peer connection: " + why);
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
      }(), [this](Connection* c) -> std::unique_ptr<ConnectionHandler> {
        if (!options_.tls_server) return std::make_unique<InboundHandler>(this);
        return AcceptTls(c, *options_.tls_server, options_.max_frame_bytes + kFrameHeaderBytes,
                         [this](Link*) { return std::make_unique<InboundHandler>(this); });
      }) {}

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
  out->ready = false;
  if (t->options_.tls_client) {
    // The acceptor's certificate must be valid for the host we dialed.
    auto engine = std::make_unique<tls::TlsEngine>(t->options_.tls_client->NewSsl(), tls::TlsEngine::Role::kClient,
                                                   out->host);
    auto* link = new TlsLink(conn, std::move(engine), t->options_.max_frame_bytes + kFrameHeaderBytes);
    link->set_handler(out->handler.get());
    conn->on_released = [link](Connection* c) {
      delete link;
      delete c;
    };
    out->conn = link;
    conn->Start(link);
    link->Start();
  } else {
    out->conn = conn;
    conn->Start(out->handler.get());
  }
  if (out->conn == nullptr) return;  // TLS could not even start (closed, redial scheduled)
  proto::PeerFrame hello;
  hello.mutable_hello()->set_server_id(t->options_.self_id);
  hello.mutable_hello()->set_cluster_name(t->options_.cluster_name);
  hello.mutable_hello()->set_to_server_id(out->id);
  if (!t->options_.secret.empty()) {
    out->nonce = NewPeerNonce();
    hello.mutable_hello()->set_nonce(out->nonce);
  }
  std::string bytes;
  AppendFrame(hello.SerializeAsString(), &bytes);
  out->conn->Write(std::move(bytes));  // through TLS when it is on
  if (out->conn == nullptr) return;     // the write failed and closed it
  if (t->options_.secret.empty()) {
    out->ready = true;
    out->backoff_ms = 0;
  } else {
    // The timer is idle while connected: it bounds the wait for the challenge.
    uv_timer_start(&out->timer, &PeerTransport::OnRedialTimer, static_cast<uint64_t>(t->options_.handshake_timeout_ms),
                   0);
  }
}

void PeerTransport::ScheduleRedial(Outbound* out) {
  if (closed_) return;
  out->backoff_ms = out->backoff_ms == 0 ? options_.redial_min_ms
                                         : std::min(out->backoff_ms * 2, options_.redial_max_ms);
  uv_timer_start(&out->timer, &PeerTransport::OnRedialTimer, static_cast<uint64_t>(out->backoff_ms), 0);
}

void PeerTransport::OnRedialTimer(uv_timer_t* t) {
  auto* out = static_cast<Outbound*>(t->data);
  if (out->transport->closed_) return;
  if (out->conn != nullptr && !out->ready) {
    // Connected but never challenged: a member without the secret, or not a
    // member at all. Closing schedules the next dial.
    out->conn->Close(Status::Unavailable("server " + std::to_string(out->id) + " did not answer the hello within " +
                                         std::to_string(out->transport->options_.handshake_timeout_ms) +
                                         " ms (is --peer_secret_file set there?)"));
    return;
  }
  if (out->conn == nullptr && !out->connecting) out->transport->Dial(out);
}

bool PeerTransport::Send(uint64_t to, const proto::PeerFrame& frame) {
  auto it = outbound_.find(to);
  if (it == outbound_.end() || it->second->conn == nullptr || !it->second->ready ||
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
  return it != outbound_.end() && it->second->conn != nullptr && it->second->ready;
}

size_t PeerTransport::QueuedBytes(uint64_t to) const {
  auto it = outbound_.find(to);
  if (it == outbound_.end() || it->second->conn == nullptr || !it->second->ready) return 0;
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
