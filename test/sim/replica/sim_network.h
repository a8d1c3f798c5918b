// The simulated peer network: one TCP-like connection per ordered pair of
// servers. A connection delivers frames in order after a small random
// latency. A partition holds frames (TCP retransmits) and, if it lasts past
// the connection's patience, resets the connection: frames in flight are
// lost and both ends are told their link went down. A crashed server's
// connections reset at once; a restarted server is reachable again after a
// redial delay. Faults can also reset a live connection.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "proto/peer.pb.h"
#include "server/core/env.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

class Network {
 public:
  // deliver(from, to, frame): hand a frame to server `to`.
  // link_down(at, peer): tell server `at` its connection with `peer` closed.
  using DeliverFn = std::function<void(uint64_t from, uint64_t to, proto::PeerFrame&& frame)>;
  using LinkDownFn = std::function<void(uint64_t at, uint64_t peer)>;

  Network(World* world, std::vector<uint64_t> ids, DeliverFn deliver, LinkDownFn link_down);

  bool Send(uint64_t from, uint64_t to, const proto::PeerFrame& frame);
  bool Connected(uint64_t from, uint64_t to) const;
  size_t QueuedBytes(uint64_t from, uint64_t to) const;

  // Faults.
  void Block(uint64_t from, uint64_t to);  // one direction
  void HealAll();
  void ResetLink(uint64_t a, uint64_t b);  // both directions
  // The connection from -> to resets right after the next forwarded write is
  // sent on it, losing that write in flight.
  void ResetAfterNextForward(uint64_t from, uint64_t to) { reset_after_forward_.insert({from, to}); }
  void ServerDown(uint64_t id);
  void ServerUp(uint64_t id);
  bool blocked(uint64_t from, uint64_t to) const { return links_.at({from, to}).blocked; }

 private:
  struct Link {
    bool connected = true;
    bool blocked = false;
    bool down = false;  // the receiving server is down
    uint64_t epoch = 0;  // bumped on reset: frames of older epochs are lost
    int64_t last_delivery = 0;
    size_t queued_bytes = 0;
    std::deque<std::shared_ptr<proto::PeerFrame>> held;  // partitioned
    int64_t blocked_since = 0;
    int64_t patience_ms = 0;  // reset after being blocked this long
  };
  void Launch(uint64_t from, uint64_t to, std::shared_ptr<proto::PeerFrame> frame);
  void Reset(uint64_t from, uint64_t to, bool reconnect);
  void CheckPatience(uint64_t from, uint64_t to, uint64_t epoch);

  World* world_;
  std::vector<uint64_t> ids_;
  DeliverFn deliver_;
  LinkDownFn link_down_;
  std::map<std::pair<uint64_t, uint64_t>, Link> links_;
  std::set<uint64_t> down_servers_;
  std::set<std::pair<uint64_t, uint64_t>> reset_after_forward_;
};

}  // namespace arbor::sim
