// A simulated ZooKeeper-style client on the native protocol, with the rules
// of Arbor's client library: pings at a third of the session timeout, the
// connection declared lost when no request sent in the last two thirds of
// it has been answered (measured from when the answered request was sent,
// not when its answer arrived: an answer delayed in the network proves
// nothing about the session now; ZooKeeper's own clients measure from the
// arrival, which is unsafe under long delays),
// reconnection to another server with the session id, password and the last
// zxid seen, requests in flight at a loss answered CONNECTIONLOSS (outcome
// unknown), a new session after SESSIONEXPIRED. Workloads drive it through
// Call(); the checker hears every state change through ClientObserver.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "proto/client.pb.h"
#include "test/sim/replica/sim_node.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

class SimClient;

class ClientObserver {
 public:
  virtual ~ClientObserver() = default;
  // The handshake succeeded; `resumed` when an existing session continues.
  virtual void OnConnected(SimClient* c, bool resumed) = 0;
  // The client stopped believing it is connected (loss noticed or closed).
  virtual void OnDisconnected(SimClient* c) = 0;
  // The server declared the session expired; `on_live_connection` when the
  // news ended an established connection (not a handshake answer).
  virtual void OnExpired(SimClient* c, bool on_live_connection) = 0;
  virtual void OnEvent(SimClient* c, const proto::WatchEvent& event) = 0;
  // The watchdog is giving up on server `server`: nothing arrived for two
  // thirds of the session timeout.
  virtual void OnReadTimeout(SimClient* c, uint64_t server) = 0;
  // Every response (for zxid and session-order checks).
  virtual void OnResponse(SimClient* c, const proto::Request& request, const proto::Response& response) = 0;
};

class SimClient : public ClientEnd {
 public:
  enum class State { kConnecting, kConnected, kExpired };
  using Callback = std::function<void(const proto::Response&)>;
  // Finds a server by id (null when it is down).
  using Servers = std::function<SimNode*(uint64_t id)>;

  SimClient(World* world, int index, std::vector<uint64_t> server_ids, Servers servers, int32_t timeout_ms,
            ClientObserver* observer);

  void Start();
  // Sends a request; `cb` gets its response, or CONNECTIONLOSS if the
  // connection is lost first (or there is none now).
  void Call(proto::Request request, Callback cb);
  // Forces a reconnect (the workload moves to another server).
  void Disconnect();
  // Cuts (or restores) the network between this client and server `id`.
  void SetCut(uint64_t server, bool cut);

  State state() const { return state_; }
  bool connected() const { return state_ == State::kConnected; }
  int index() const { return index_; }
  int64_t session_id() const { return session_id_; }
  uint64_t server() const { return server_; }
  int32_t timeout_ms() const { return timeout_ms_; }
  int64_t connected_since() const { return connected_since_; }
  // When the client last stopped believing it was connected (-1: never).
  int64_t disconnected_at() const { return disconnected_at_; }
  // When the client last learned its session expired (-1: never).
  int64_t expired_at() const { return expired_at_; }
  int64_t last_received() const { return last_recv_; }
  int64_t last_zxid() const { return last_zxid_; }
  // Requests without an answer, with their send time (for the hang check).
  int64_t oldest_pending_ms() const;
  // The last time the network between this client and `server` was cut or
  // restored.
  bool is_cut(uint64_t server) const {
    auto it = cut_.find(server);
    return it != cut_.end() && it->second;
  }
  int64_t cut_changed_at(uint64_t server) const {
    auto it = cut_changed_.find(server);
    return it == cut_changed_.end() ? 0 : it->second;
  }

  // ---- ClientEnd ----
  void OnBytes(uint64_t link_id, std::string bytes) override;
  void OnClosed(uint64_t link_id) override;

 private:
  struct Pending {
    proto::Request request;
    Callback cb;
    int64_t sent_at;
  };
  void TryConnect();
  void Send(const proto::ClientFrame& frame);
  void DeliverToServer(uint64_t server, uint64_t link, std::string bytes);
  void DeliverClose(uint64_t server, uint64_t link);
  void HandleFrame(const proto::ServerFrame& frame);
  void HandleConnect(const proto::ConnectResponse& r);
  void Lost(bool expired);
  void Watchdog();

  World* world_;
  int index_;
  std::vector<uint64_t> server_ids_;
  Servers servers_;
  int32_t timeout_ms_;
  ClientObserver* observer_;

  State state_ = State::kConnecting;
  int64_t session_id_ = 0;
  std::string password_;
  int64_t last_zxid_ = 0;
  uint64_t server_ = 0;     // the server of the current link
  uint64_t link_ = 0;       // 0: none
  uint64_t next_link_ = 0;  // link ids are unique per client: index << 32 | n
  size_t next_server_ = 0;
  bool handshaking_ = false;
  int64_t attempt_started_ = 0;
  int64_t connected_since_ = 0;
  int64_t disconnected_at_ = -1;
  int64_t expired_at_ = -1;
  int64_t last_recv_ = 0;
  int64_t last_confirmed_ = 0;  // send time of the newest answered request
  std::deque<int64_t> pings_in_flight_;  // send times (ping answers come in order)
  int64_t last_send_ = 0;
  int64_t last_to_server_ = 0;
  int32_t next_xid_ = 1;
  std::string input_;
  std::map<int32_t, Pending> pending_;
  std::map<uint64_t, bool> cut_;  // server -> cut
  // Output waiting for a cut to heal (TCP retransmits it), per server, in
  // order: bytes for a link, or its close (empty bytes with close set).
  struct Held {
    uint64_t link;
    std::string bytes;
    bool close;
  };
  std::map<uint64_t, std::deque<Held>> held_;
  std::map<uint64_t, int64_t> cut_changed_;
};

}  // namespace arbor::sim
