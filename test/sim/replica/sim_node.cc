#include "test/sim/replica/sim_node.h"

#include <glog/logging.h>

#include "server/net/client_codec.h"

namespace arbor::sim {

// ---- ServerLink -------------------------------------------------------------

ServerLink::ServerLink(SimNode* node, ClientEnd* client, Id id, std::string peer)
    : node_(node), client_(client), id_(id), peer_(std::move(peer)) {}

ServerLink::~ServerLink() = default;

bool ServerLink::Write(std::string bytes) {
  if (closing_ || dead_) return false;
  if (cut_) {
    held_.push_back(std::move(bytes));
  } else {
    Deliver(std::move(bytes));
  }
  return true;
}

void ServerLink::Deliver(std::string bytes) {
  World* w = node_->world();
  int64_t at = std::max(w->now() + w->Between(1, 3), last_to_client_);
  last_to_client_ = at;
  ClientEnd* client = client_;
  Id id = id_;
  w->At(at - w->now(), [client, id, bytes = std::move(bytes)]() mutable { client->OnBytes(id, std::move(bytes)); });
}

void ServerLink::DeliverClose() {
  World* w = node_->world();
  int64_t at = std::max(w->now() + w->Between(1, 3), last_to_client_);
  last_to_client_ = at;
  ClientEnd* client = client_;
  Id id = id_;
  w->At(at - w->now(), [client, id] { client->OnClosed(id); });
}

void ServerLink::set_cut(bool cut) {
  cut_ = cut;
  if (cut) return;
  while (!held_.empty()) {
    Deliver(std::move(held_.front()));
    held_.pop_front();
  }
  if (close_held_) {
    close_held_ = false;
    DeliverClose();
  }
}

void ServerLink::Close(const Status& why, bool) {
  if (closing_ || dead_) return;
  closing_ = true;
  World* w = node_->world();
  if (cut_) {
    close_held_ = true;
  } else {
    DeliverClose();
  }
  // As libuv: the handler hears of the close on a later loop iteration.
  SimNode* node = node_;
  uint64_t inc = node->incarnation();
  w->At(0, [node, inc, id = id_, why] {
    node->Run(inc, [node, id, why] {
      ServerLink* link = node->FindLink(id);
      if (link == nullptr) return;
      link->session_->OnClose(link, why);
      node->LinkClosed(link);
    });
  });
}

void ServerLink::FromClient(std::string bytes) {
  if (closing_ || dead_) return;
  input_ += bytes;
  Feed();
}

void ServerLink::Feed() {
  if (!reading_ || closing_ || input_.empty()) return;
  Status s = session_->OnData(this, &input_);
  if (!s.ok()) Close(s);
}

void ServerLink::ProcessBuffered() { Feed(); }

void ServerLink::ClientClosed() {
  if (closing_ || dead_) return;
  Close(Status::Ok());
}

void ServerLink::Kill() {
  if (dead_) return;
  dead_ = true;
  // The client hears of it (a reset) once packets flow again.
  if (cut_) {
    close_held_ = true;
    return;
  }
  held_.clear();
  DeliverClose();
}

// ---- SimNode ------------------------------------------------------------------

SimNode::SimNode(World* world, Network* network, uint64_t id, core::ServerOptions options)
    : world_(world), network_(network), id_(id), options_(std::move(options)), disk_(world) {}

SimNode::~SimNode() {
  if (replica_) Crash();
}

Status SimNode::Boot() {
  ++incarnation_;
  poll_pending_ = false;
  paused_ = false;
  held_.clear();
  available_since_ = world_->now();
  core::Env env{this, this, this, this, &disk_};
  replica_ = std::make_unique<core::Replica>(options_, env);
  Status s = replica_->Start();
  if (!s.ok()) {
    replica_->Stop();
    replica_.reset();
    return s;
  }
  ScheduleTick();
  return Status::Ok();
}

void SimNode::Crash() {
  if (!replica_) return;
  ++incarnation_;
  for (auto& [id, link] : links_) link->Kill();
  links_.clear();
  held_.clear();
  disk_.Crash();  // before Stop: nothing queued becomes durable
  replica_->Stop();
  replica_.reset();
}

void SimNode::Pause(int64_t ms) {
  if (!replica_ || paused_) return;
  paused_ = true;
  uint64_t inc = incarnation_;
  world_->At(ms, [this, inc] {
    if (inc != incarnation_) return;
    paused_ = false;
    available_since_ = world_->now();
    std::deque<std::function<void()>> held;
    held.swap(held_);
    for (auto& fn : held) {
      if (inc != incarnation_ || paused_) break;
      fn();
    }
  });
}

void SimNode::Run(uint64_t incarnation, std::function<void()> fn) {
  if (incarnation != incarnation_ || !replica_) return;
  if (paused_) {
    held_.push_back(std::move(fn));
    return;
  }
  fn();
}

void SimNode::Wake() {
  if (poll_pending_) return;
  poll_pending_ = true;
  uint64_t inc = incarnation_;
  world_->At(0, [this, inc] {
    if (inc != incarnation_) return;
    poll_pending_ = false;
    Run(inc, [this] { replica_->Poll(); });
  });
}

void SimNode::Fill(size_t n, std::string* out) {
  out->resize(n);
  for (size_t i = 0; i < n; ++i) (*out)[i] = static_cast<char>(world_->rng().Next());
}

void SimNode::ScheduleTick() {
  uint64_t inc = incarnation_;
  world_->At(options_.tick_ms, [this, inc] {
    if (inc != incarnation_ || !replica_) return;
    if (!paused_) replica_->Tick();  // a stopped process's timer fires once on resume, not per tick
    if (inc == incarnation_ && replica_) ScheduleTick();
  });
}

ServerLink* SimNode::Accept(ClientEnd* client, uint64_t link_id, const std::string& peer) {
  if (!replica_) return nullptr;
  auto link = std::make_unique<ServerLink>(this, client, link_id, peer);
  link->session_ = std::make_unique<net::ClientSession>(link.get(), net::NewNativeCodec(options_.max_frame_bytes),
                                                        replica_.get(), net::ClientSessionOptions{1000});
  ServerLink* raw = link.get();
  links_[link_id] = std::move(link);
  return raw;
}

ServerLink* SimNode::FindLink(uint64_t link_id) {
  auto it = links_.find(link_id);
  return it == links_.end() ? nullptr : it->second.get();
}

void SimNode::LinkClosed(ServerLink* link) {
  uint64_t id = link->id();
  // Freed after this event returns (the caller still holds `link`).
  auto it = links_.find(id);
  if (it == links_.end()) return;
  std::shared_ptr<ServerLink> doomed(it->second.release());
  links_.erase(it);
  world_->At(0, [doomed] {});
}

}  // namespace arbor::sim
