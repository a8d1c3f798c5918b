#include "test/sim/replica/sim_client.h"

#include <glog/logging.h>

#include "common/frame.h"

namespace arbor::sim {

namespace {
constexpr int32_t kPingXid = -2;
}

SimClient::SimClient(World* world, int index, std::vector<uint64_t> server_ids, Servers servers, int32_t timeout_ms,
                     ClientObserver* observer)
    : world_(world),
      index_(index),
      server_ids_(std::move(server_ids)),
      servers_(std::move(servers)),
      timeout_ms_(timeout_ms),
      observer_(observer) {
  next_server_ = world_->Uniform(server_ids_.size());
}

void SimClient::Start() {
  TryConnect();
  Watchdog();
}

void SimClient::TryConnect() {
  if (link_ != 0 || state_ == State::kConnected) return;
  server_ = server_ids_[next_server_++ % server_ids_.size()];
  link_ = (static_cast<uint64_t>(index_ + 1) << 32) | ++next_link_;
  handshaking_ = true;
  pings_in_flight_.clear();
  attempt_started_ = world_->now();
  input_.clear();
  SimNode* node = servers_(server_);
  if (node == nullptr || cut_[server_] ||
      node->Accept(this, link_, "10.0.1." + std::to_string(index_ + 1) + ":" + std::to_string(40000 + next_link_)) ==
          nullptr) {
    uint64_t link = link_;
    world_->At(world_->Between(1, 5), [this, link] { OnClosed(link); });  // refused (or unreachable)
    return;
  }
  proto::ClientFrame f;
  auto* c = f.mutable_connect();
  c->set_protocol_version(1);
  c->set_timeout_ms(timeout_ms_);
  c->set_session_id(session_id_);
  c->set_password(password_);
  c->set_last_zxid_seen(last_zxid_);
  Send(f);
}

void SimClient::Send(const proto::ClientFrame& frame) {
  if (link_ == 0) return;
  last_send_ = world_->now();
  std::string bytes;
  AppendFrame(frame.SerializeAsString(), &bytes);
  if (cut_[server_]) {
    held_[server_].push_back(Held{link_, std::move(bytes), false});
    return;
  }
  DeliverToServer(server_, link_, std::move(bytes));
}

void SimClient::DeliverToServer(uint64_t server, uint64_t link, std::string bytes) {
  int64_t at = std::max(world_->now() + world_->Between(1, 3), last_to_server_);
  last_to_server_ = at;
  world_->At(at - world_->now(), [this, server, link, bytes = std::move(bytes)]() mutable {
    SimNode* node = servers_(server);
    if (node == nullptr) return;
    node->Run(node->incarnation(), [node, link, bytes = std::move(bytes)]() mutable {
      if (ServerLink* l = node->FindLink(link)) l->FromClient(std::move(bytes));
    });
  });
}

void SimClient::DeliverClose(uint64_t server, uint64_t link) {
  int64_t at = std::max(world_->now() + world_->Between(1, 3), last_to_server_);
  last_to_server_ = at;
  world_->At(at - world_->now(), [this, server, link] {
    SimNode* node = servers_(server);
    if (node == nullptr) return;
    node->Run(node->incarnation(), [node, link] {
      if (ServerLink* l = node->FindLink(link)) l->ClientClosed();
    });
  });
}

void SimClient::Call(proto::Request request, Callback cb) {
  if (state_ != State::kConnected) {
    proto::Response r;
    r.set_xid(request.xid());
    r.set_error(proto::CONNECTIONLOSS);
    cb(r);
    return;
  }
  int32_t xid = next_xid_++;
  request.set_xid(xid);
  world_->Trace("client ", index_, " sends xid ", xid, " op ", static_cast<int>(request.op_case()), " to server ",
                server_);
  proto::ClientFrame f;
  *f.mutable_request() = request;
  pending_[xid] = Pending{std::move(request), std::move(cb), world_->now()};
  Send(f);
}

void SimClient::OnBytes(uint64_t link_id, std::string bytes) {
  if (link_id != link_ || link_ == 0) return;  // (bytes on the way when a cut began still arrive)
  last_recv_ = world_->now();
  input_ += bytes;
  for (;;) {
    std::string_view payload;
    size_t consumed = 0;
    if (!PeekFrame(input_, 64 << 20, &payload, &consumed).ok() || consumed == 0) return;
    proto::ServerFrame frame;
    CHECK(frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) << "server sent garbage";
    input_.erase(0, consumed);
    uint64_t link = link_;
    HandleFrame(frame);
    if (link_ != link) return;  // the frame ended this connection
  }
}

void SimClient::HandleFrame(const proto::ServerFrame& frame) {
  if (frame.has_connect()) {
    HandleConnect(frame.connect());
    return;
  }
  if (frame.has_event()) {
    if (frame.event().zxid() > last_zxid_) last_zxid_ = frame.event().zxid();
    observer_->OnEvent(this, frame.event());
    return;
  }
  if (!frame.has_response()) return;
  const proto::Response& r = frame.response();
  if (r.zxid() > last_zxid_) last_zxid_ = r.zxid();
  if (r.xid() == kPingXid) {
    if (!pings_in_flight_.empty()) {
      last_confirmed_ = std::max(last_confirmed_, pings_in_flight_.front());
      pings_in_flight_.pop_front();
    }
    return;
  }
  auto it = pending_.find(r.xid());
  if (it == pending_.end()) return;  // a reply to a request this client gave up on
  Pending p = std::move(it->second);
  pending_.erase(it);
  last_confirmed_ = std::max(last_confirmed_, p.sent_at);
  observer_->OnResponse(this, p.request, r);
  if (r.error() == proto::SESSIONEXPIRED) {
    if (p.cb) p.cb(r);
    Lost(/*expired=*/true);
    return;
  }
  if (p.cb) p.cb(r);
}

void SimClient::HandleConnect(const proto::ConnectResponse& r) {
  handshaking_ = false;
  if (r.error() == proto::SESSIONEXPIRED || (r.error() == proto::OK && r.timeout_ms() <= 0)) {
    uint64_t link = link_;
    link_ = 0;
    state_ = State::kExpired;
    expired_at_ = world_->now();
    observer_->OnExpired(this, /*on_live_connection=*/false);
    (void)link;
    session_id_ = 0;
    password_.clear();
    state_ = State::kConnecting;
    world_->At(world_->Between(1, 20), [this] { TryConnect(); });
    return;
  }
  if (r.error() != proto::OK) return;  // the server closes; OnClosed tries the next one
  bool resumed = session_id_ != 0;
  session_id_ = r.session_id();
  password_ = r.password();
  state_ = State::kConnected;
  connected_since_ = world_->now();
  last_recv_ = world_->now();
  last_confirmed_ = attempt_started_;
  observer_->OnConnected(this, resumed);
}

void SimClient::OnClosed(uint64_t link_id) {
  if (link_id != link_ || link_ == 0) return;
  Lost(/*expired=*/false);
}

void SimClient::Disconnect() {
  if (link_ == 0) return;
  Lost(false);
}

void SimClient::Lost(bool expired) {
  uint64_t link = link_;
  uint64_t server = server_;
  link_ = 0;
  handshaking_ = false;
  // Close our end (the server sees EOF, once packets flow).
  if (cut_[server]) {
    held_[server].push_back(Held{link, "", true});
  } else {
    DeliverClose(server, link);
  }
  bool was_connected = state_ == State::kConnected;
  std::map<int32_t, Pending> pending;
  pending.swap(pending_);
  if (was_connected) {
    disconnected_at_ = world_->now();
    observer_->OnDisconnected(this);
  }
  if (expired) {
    expired_at_ = world_->now();
    state_ = State::kExpired;
    observer_->OnExpired(this, /*on_live_connection=*/was_connected);
    session_id_ = 0;
    password_.clear();
  }
  state_ = State::kConnecting;
  for (auto& [xid, p] : pending) {
    proto::Response r;
    r.set_xid(xid);
    r.set_error(expired ? proto::SESSIONEXPIRED : proto::CONNECTIONLOSS);
    if (p.cb) p.cb(r);
  }
  world_->At(world_->Between(5, 50), [this] { TryConnect(); });
}

void SimClient::Watchdog() {
  int64_t now = world_->now();

  if (link_ != 0) {
    if (handshaking_ && now - attempt_started_ > 2 * timeout_ms_ / 3) {
      Lost(false);
    } else if (state_ == State::kConnected && now - last_confirmed_ > 2 * timeout_ms_ / 3) {
      observer_->OnReadTimeout(this, server_);
      Lost(false);  // nothing heard: the connection is presumed dead
    } else if (state_ == State::kConnected && now - last_send_ >= timeout_ms_ / 3) {
      proto::ClientFrame f;
      f.mutable_request()->set_xid(kPingXid);
      f.mutable_request()->mutable_ping();
      pings_in_flight_.push_back(now);
      Send(f);
    }
  }
  world_->At(timeout_ms_ / 10, [this] { Watchdog(); });
}

void SimClient::SetCut(uint64_t server, bool cut) {
  if (cut_[server] == cut) return;
  cut_[server] = cut;
  cut_changed_[server] = world_->now();
  if (SimNode* node = servers_(server)) {
    if (ServerLink* l = node->FindLink(link_)) l->set_cut(cut);
  }
  if (cut) return;
  std::deque<Held> held;
  held.swap(held_[server]);
  for (Held& h : held) {
    if (h.close) {
      DeliverClose(server, h.link);
    } else {
      DeliverToServer(server, h.link, std::move(h.bytes));
    }
  }
}

int64_t SimClient::oldest_pending_ms() const {
  int64_t oldest = -1;
  for (const auto& [xid, p] : pending_) {
    if (oldest < 0 || p.sent_at < oldest) oldest = p.sent_at;
  }
  return oldest;
}

}  // namespace arbor::sim
