#include "test/sim/replica/sim_network.h"

namespace arbor::sim {

namespace {
constexpr size_t kMaxQueuedBytes = 32 << 20;  // as PeerTransportOptions::max_queued_bytes
}

Network::Network(World* world, std::vector<uint64_t> ids, DeliverFn deliver, LinkDownFn link_down)
    : world_(world), ids_(std::move(ids)), deliver_(std::move(deliver)), link_down_(std::move(link_down)) {
  for (uint64_t a : ids_) {
    for (uint64_t b : ids_) {
      if (a != b) links_[{a, b}] = Link{};
    }
  }
}

bool Network::Send(uint64_t from, uint64_t to, const proto::PeerFrame& frame) {
  Link& l = links_.at({from, to});
  if (!l.connected || l.queued_bytes > kMaxQueuedBytes) return false;
  auto f = std::make_shared<proto::PeerFrame>(frame);
  l.queued_bytes += f->ByteSizeLong();
  if (l.blocked) {
    l.held.push_back(std::move(f));
  } else {
    Launch(from, to, std::move(f));
  }
  if (frame.has_forward() && reset_after_forward_.erase({from, to}) != 0) {
    world_->Trace("FAULT reset connection ", from, "<->", to, " with a forwarded write in flight");
    ResetLink(from, to);
  }
  return true;
}

void Network::Launch(uint64_t from, uint64_t to, std::shared_ptr<proto::PeerFrame> frame) {
  Link& l = links_.at({from, to});
  // In order: never before the previous frame on this connection.
  int64_t at = std::max(world_->now() + world_->Between(1, 4), l.last_delivery);
  l.last_delivery = at;
  uint64_t epoch = l.epoch;
  world_->At(at - world_->now(), [this, from, to, epoch, frame] {
    Link& link = links_.at({from, to});
    if (link.epoch != epoch) return;  // the connection was reset: lost
    if (link.blocked) {
      link.held.push_back(frame);  // partitioned while in flight: retransmitted later
      return;
    }
    link.queued_bytes -= std::min(link.queued_bytes, frame->ByteSizeLong());
    proto::PeerFrame copy = *frame;
    deliver_(from, to, std::move(copy));
  });
}

bool Network::Connected(uint64_t from, uint64_t to) const { return links_.at({from, to}).connected; }

size_t Network::QueuedBytes(uint64_t from, uint64_t to) const {
  const Link& l = links_.at({from, to});
  return l.connected ? l.queued_bytes : 0;
}

void Network::Block(uint64_t from, uint64_t to) {
  Link& l = links_.at({from, to});
  if (l.blocked) return;
  l.blocked = true;
  l.blocked_since = world_->now();
  // TCP gives up on an unacknowledged connection eventually (keepalive,
  // retransmission limits); here somewhere between 1 and 15 seconds.
  l.patience_ms = world_->Between(1000, 15000);
  uint64_t epoch = l.epoch;
  world_->At(l.patience_ms, [this, from, to, epoch] { CheckPatience(from, to, epoch); });
}

void Network::CheckPatience(uint64_t from, uint64_t to, uint64_t epoch) {
  Link& l = links_.at({from, to});
  if (l.epoch != epoch || !l.blocked || !l.connected) return;
  Reset(from, to, /*reconnect=*/false);  // stays disconnected until healed
}

void Network::HealAll() {
  for (auto& [key, l] : links_) {
    if (!l.blocked) continue;
    l.blocked = false;
    auto [from, to] = key;
    if (!l.connected) {
      if (!l.down) {
        uint64_t epoch = l.epoch;
        world_->At(world_->Between(50, 500), [this, from = from, to = to, epoch] {
          Link& link = links_.at({from, to});
          if (link.epoch == epoch && !link.blocked && !link.down) link.connected = true;
        });
      }
      continue;
    }
    std::deque<std::shared_ptr<proto::PeerFrame>> held;
    held.swap(l.held);
    for (auto& f : held) Launch(from, to, std::move(f));
  }
}

void Network::Reset(uint64_t from, uint64_t to, bool reconnect) {
  Link& l = links_.at({from, to});
  bool was_connected = l.connected;
  ++l.epoch;
  l.held.clear();
  l.queued_bytes = 0;
  l.connected = false;
  if (was_connected) {
    // Each end notices its connection closed.
    world_->At(world_->Between(0, 3), [this, from = from, to = to] { link_down_(from, to); });
    world_->At(world_->Between(0, 3), [this, from = from, to = to] { link_down_(to, from); });
  }
  if (reconnect && !l.down && !l.blocked) {
    uint64_t epoch = l.epoch;
    world_->At(world_->Between(50, 300), [this, from, to, epoch] {
      Link& link = links_.at({from, to});
      if (link.epoch == epoch && !link.blocked && !link.down) link.connected = true;
    });
  }
}

void Network::ResetLink(uint64_t a, uint64_t b) {
  Reset(a, b, /*reconnect=*/true);
  Reset(b, a, /*reconnect=*/true);
}

void Network::ServerDown(uint64_t id) {
  for (uint64_t other : ids_) {
    if (other == id) continue;
    links_.at({other, id}).down = true;
    links_.at({id, other}).down = true;
    Reset(other, id, false);
    Reset(id, other, false);
  }
}

void Network::ServerUp(uint64_t id) {
  for (uint64_t other : ids_) {
    if (other == id) continue;
    for (auto key : {std::make_pair(other, id), std::make_pair(id, other)}) {
      Link& l = links_.at(key);
      l.down = false;
      if (l.blocked) continue;  // reconnects when healed
      uint64_t epoch = l.epoch;
      world_->At(world_->Between(50, 500), [this, key, epoch] {
        Link& link = links_.at(key);
        if (link.epoch == epoch && !link.blocked && !link.down) link.connected = true;
      });
    }
  }
}

}  // namespace arbor::sim
