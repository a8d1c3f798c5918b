// One simulated server: a core::Replica over a simulated Env (clock with a
// possible wall-clock skew, wake-ups as zero-delay events, seeded entropy,
// the simulated peer network, a SimDisk), its client connections, and the
// process-level faults: crash (kill -9), restart, pause (SIGSTOP/SIGCONT).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "server/core/env.h"
#include "server/core/replica.h"
#include "server/net/client_session.h"
#include "server/net/link.h"
#include "test/sim/replica/sim_disk.h"
#include "test/sim/replica/sim_network.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

class SimNode;

// The client's side of a simulated connection (implemented by SimClient).
class ClientEnd {
 public:
  virtual ~ClientEnd() = default;
  virtual void OnBytes(uint64_t link_id, std::string bytes) = 0;
  virtual void OnClosed(uint64_t link_id) = 0;
};

// The server's side of one client connection: a net::Link carrying a
// ClientSession (native codec), so the same handshake, pipeline and codec
// code runs as in arbord.
class ServerLink : public net::Link {
 public:
  ServerLink(SimNode* node, ClientEnd* client, Id id, std::string peer);
  ~ServerLink() override;

  Id id() const override { return id_; }
  const std::string& peer() const override { return peer_; }
  bool Write(std::string bytes) override;
  void PauseReading() override { reading_ = false; }
  void ResumeReading() override { reading_ = true; }
  void ProcessBuffered() override;
  void Close(const Status& why, bool flush_first = false) override;
  bool closing() const override { return closing_; }
  size_t output_queued_bytes() const override { return 0; }

  // Bytes from the client arrived.
  void FromClient(std::string bytes);
  // The client closed its end (EOF).
  void ClientClosed();
  // The server process died: the client sees a reset; nothing runs here.
  void Kill();
  // While cut, bytes (and a close) wait, as TCP retransmits them; they go
  // out in order once the cut heals.
  void set_cut(bool cut);

 private:
  friend class SimNode;
  void Feed();

  SimNode* node_;
  ClientEnd* client_;
  Id id_;
  std::string peer_;
  std::unique_ptr<net::ClientSession> session_;
  std::string input_;
  bool reading_ = true;
  bool closing_ = false;
  bool dead_ = false;
  bool cut_ = false;  // partitioned from the client: output waits in held_
  std::deque<std::string> held_;
  bool close_held_ = false;
  int64_t last_to_client_ = 0;
  void Deliver(std::string bytes);
  void DeliverClose();
};

class SimNode : public core::Clock, public core::Waker, public core::Entropy, public core::PeerNetwork {
 public:
  SimNode(World* world, Network* network, uint64_t id, core::ServerOptions options);
  ~SimNode() override;

  Status Boot();
  void Crash();
  void Pause(int64_t ms);
  bool up() const { return replica_ != nullptr; }
  bool paused() const { return paused_; }
  // Since when the process has run without a pause (its boot or last resume).
  int64_t available_since() const { return available_since_; }
  uint64_t id() const { return id_; }
  core::Replica* replica() { return replica_.get(); }
  SimDisk& disk() { return disk_; }
  void set_skew_ms(int64_t skew) { skew_ms_ = skew; }

  // A client opens a connection; null if the server is down.
  ServerLink* Accept(ClientEnd* client, uint64_t link_id, const std::string& peer);
  ServerLink* FindLink(uint64_t link_id);
  // Runs `fn` in this server's process: dropped if it died since `incarnation`,
  // held while it is paused.
  void Run(uint64_t incarnation, std::function<void()> fn);
  uint64_t incarnation() const { return incarnation_; }
  World* world() { return world_; }

  // ---- core::Env ----
  int64_t NowMs() const override { return world_->now(); }
  int64_t WallMs() const override { return kEpochMs + world_->now() + skew_ms_; }
  void Wake() override;
  void Fill(size_t n, std::string* out) override;
  uint64_t Next64() override { return world_->rng().Next(); }
  bool Send(uint64_t to, const proto::PeerFrame& frame) override { return network_->Send(id_, to, frame); }
  bool Connected(uint64_t to) const override { return network_->Connected(id_, to); }
  size_t QueuedBytes(uint64_t to) const override { return network_->QueuedBytes(id_, to); }

 private:
  friend class ServerLink;
  static constexpr int64_t kEpochMs = 1800000000000;  // 2027-01-15: any fixed wall time
  void ScheduleTick();
  void LinkClosed(ServerLink* link);

  World* world_;
  Network* network_;
  uint64_t id_;
  core::ServerOptions options_;
  SimDisk disk_;
  std::unique_ptr<core::Replica> replica_;
  std::map<uint64_t, std::unique_ptr<ServerLink>> links_;
  uint64_t incarnation_ = 0;
  bool poll_pending_ = false;
  bool paused_ = false;
  int64_t skew_ms_ = 0;
  int64_t available_since_ = 0;
  std::deque<std::function<void()>> held_;  // events that arrived while paused
};

}  // namespace arbor::sim
