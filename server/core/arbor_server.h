// ArborServer: one replica, wired together on one libuv loop.
//
//   clients ─► TcpListener ─► ClientSession (codec + FIFO pipeline) ─► this (ClientService)
//   reads:  StateMachine::Read against the local tree, watches in the local WatchManager
//   writes: LogEntry ─► leader: RaftDriver::Propose | follower: forward to the leader
//   every committed entry, on every replica: StateMachine::Apply ─► response to the
//           client waiting here (if the write came through this server) + watch events
//
// Sessions: heartbeats are local; followers report the sessions they hear
// from to the leader, whose ExpiryTracker proposes ExpireSessionsOp. A new
// leader renews every session before expiring any. Pending writes of this
// server fail with CONNECTIONLOSS when leadership changes (their outcome is
// unknown: the client must check), and their connections are closed.
//
// Threading: loop thread only; storage and snapshot files run on their own
// threads inside RaftDriver / SnapshotSaver.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "proto/log_entry.pb.h"
#include "server/auth/acl.h"
#include "server/auth/authenticator.h"
#include "server/core/raft_driver.h"
#include "server/core/snapshot_transfer.h"
#include "server/net/client_session.h"
#include "server/net/peer_transport.h"
#include "server/net/tcp_listener.h"
#include "server/session/expiry_tracker.h"
#include "server/storage/data_dir.h"
#include "server/storage/snapshot_saver.h"
#include "server/storage/snapshot_store.h"
#include "server/tree/state_machine.h"
#include "server/tree/watch_manager.h"
#include "server/zk/zk_codec.h"

namespace arbor::core {

struct ServerOptions {
  uint64_t id = 1;
  std::string cluster_name = "arbor";
  std::map<uint64_t, std::string> peers;  // every voter, self included: id -> host:peer_port
  std::string bind = "127.0.0.1";
  int client_port = 7181;
  int peer_port = 7182;
  std::string data_dir = "./data";
  storage::StorageOptions storage;
  tree::TreeOptions tree;
  int tick_ms = 100;
  int election_ticks = 10;
  uint64_t raft_max_uncommitted_bytes = 64 << 20;  // proposals beyond it: THROTTLEDOP
  int32_t min_session_timeout_ms = 2000;
  int32_t max_session_timeout_ms = 60000;
  size_t max_connections = 10000;
  size_t max_outstanding_per_connection = 1000;
  size_t max_frame_bytes = (1 << 20) + (16 << 10);
  int reap_interval_ms = 1000;
  uint64_t snapshot_every_entries = 100000;
  uint64_t seed = 0;  // 0: from the clock (session passwords, election jitter)
  bool close_sessions_on_shutdown = false;
  auth::AuthConfig auth;  // --superdigest  // SIGTERM closes the sessions of this server's clients
  // Apache ZooKeeper's client protocol (server/zk): port 0 = not served.
  int zk_port = 0;
  size_t zk_max_frame_bytes = 0xfffff;  // jute.maxbuffer
  std::string four_letter_words = "srvr,ruok,stat,mntr,conf,isro,envi";  // 4lw.commands.whitelist; "*" = all
};

class ArborServer : public net::ClientService, public Applier {
 public:
  ArborServer(uv_loop_t* loop, ServerOptions options);
  ~ArborServer() override;

  // Recovers from the data directory (newest valid snapshot + log), then
  // listens on the client and peer ports.
  Status Start();
  // Closes listeners and connections, makes queued writes durable. Run the
  // loop afterwards until it ends.
  void Stop();
  // SIGTERM, in phases, each bounded: (1) stop taking new work and let
  // in-flight writes, handshakes and syncs finish — closing this server's
  // sessions first when options.close_sessions_on_shutdown; (2) a leader
  // hands leadership to a connected follower, so the cluster does not wait
  // an election timeout; (3) Stop(). `stopped` runs once Stop() was called.
  void Shutdown(std::function<void()> stopped);

  int client_port() const;
  int peer_port() const;
  int zk_port() const;
  const RaftDriver& raft() const { return *raft_; }
  const tree::StateMachine& state() const { return *sm_; }

  // ---- net::ClientService ----
  void Connect(net::ClientSession* session, const proto::ConnectRequest& request) override;
  bool IsLocal(const proto::Request& request) const override;
  void StartAsync(net::ClientSession* session, uint64_t seq, const proto::Request& request) override;
  proto::Response RunLocal(net::ClientSession* session, const proto::Request& request) override;
  void Touched(net::ClientSession* session) override;
  void Disconnected(net::ClientSession* session) override;

  // ---- Applier ----
  void ApplyEntry(const raft::Entry& entry) override;
  void OnSoftState(const raft::SoftState& soft) override;
  void OnReadState(const raft::ReadState& rs) override;
  void InstallSnapshot(const raft::SnapshotMetadata& meta) override;
  void SendSnapshot(const raft::Message& msg_snap) override;

 private:
  // Where the answer to an async request goes.
  struct Waiter {
    net::Connection::Id conn = 0;
    uint64_t seq = 0;  // pipeline slot; 0 for a handshake
  };
  struct PendingSync {
    Waiter waiter;
    proto::Request request;
    uint64_t read_index = 0;  // 0 until the ReadState arrives
    uint64_t deadline_ms = 0;  // uv_now; a ReadIndex may never be answered
  };

  Status Recover();
  Status StartRaft();
  void OnPeerFrame(uint64_t from, proto::PeerFrame&& frame);

  // Writes: stamp and propose (leader) or forward (follower).
  proto::LogEntry NewEntry(int64_t session_id, int32_t xid) const;
  const auth::Ids& IdsOf(const net::ClientSession* s);
  proto::ErrorCode Submit(proto::LogEntry entry);
  void FailWaiter(const Waiter& w, int32_t xid, proto::ErrorCode error);
  // Leader side of forwarding: propose, or tell the origin it was refused.
  void ProposeForwarded(uint64_t from, proto::LogEntry entry);
  net::ClientSession* Find(net::Connection::Id conn);

  // Apply side.
  void DeliverResult(const proto::LogEntry& entry, tree::ApplyResult& result, int64_t zxid);
  void FinishSyncs();
  void EndLocalSession(int64_t session_id, proto::ErrorCode why);

  // Periodic work (every tick): expiry, heartbeats, reaping, snapshots.
  static void OnTimer(uv_timer_t* t);
  void Periodic();
  void MaybeSnapshot();
  void WriteStatusFile();
  void AbortPendingWrites();
  void PumpSnapshots();
  void FinishShutdown();
  void AdvanceShutdown(int64_t now);  // called every tick while shutting down
  bool StartLeadershipTransfer();

  int64_t NextSessionId();
  // For the ZooKeeper port's four-letter words.
  zk::ServerFacts ZkFacts() const;
  int64_t WallMs() const;

  uv_loop_t* loop_;
  ServerOptions options_;
  std::unique_ptr<storage::DataDir> data_;
  std::unique_ptr<storage::SnapshotSaver> saver_;
  std::unique_ptr<tree::StateMachine> sm_;
  tree::WatchManager watches_;
  std::unique_ptr<net::PeerTransport> peers_;
  std::unique_ptr<RaftDriver> raft_;
  std::unique_ptr<net::TcpListener> clients_;
  zk::ZkCounters zk_counters_;
  zk::ZkCodecOptions zk_codec_options_;
  std::unique_ptr<net::TcpListener> zk_clients_;  // null unless options_.zk_port != 0
  session::ExpiryTracker expiry_;
  uv_timer_t timer_;
  std::mt19937_64 rng_;

  // Sessions attached to a connection on this server.
  std::unordered_map<int64_t, net::ClientSession*> by_session_;
  std::unordered_map<net::Connection::Id, net::ClientSession*> by_conn_;
  // Identities per connection (ZooKeeper keeps auth on the connection, not
  // the session): ip:<address> at first, plus each successful auth packet.
  std::unordered_map<net::Connection::Id, auth::Ids> conn_ids_;
  // Writes and handshakes of this server's clients, waiting to be applied.
  std::map<std::pair<int64_t, int32_t>, Waiter> pending_writes_;
  std::map<int64_t, Waiter> pending_connects_;  // new session id -> handshake
  std::map<uint64_t, PendingSync> pending_syncs_;  // ReadIndex context -> sync
  uint64_t next_sync_ctx_ = 1;
  std::set<int64_t> heard_from_;
  std::map<uint64_t, std::unique_ptr<SnapshotSender>> snapshot_senders_;  // by follower
  std::unique_ptr<SnapshotReceiver> snapshot_receiver_;  // follower: sessions to report to the leader
  int64_t next_session_id_ = 0;
  int64_t last_reap_ms_ = 0;
  int64_t last_status_ms_ = 0;
  uint64_t last_snapshot_index_ = 0;
  uint64_t leader_ = 0;
  bool stopped_ = false;
  bool timer_started_ = false;
  enum class ShutdownPhase { kNone, kDraining, kTransferring };
  ShutdownPhase shutdown_phase_ = ShutdownPhase::kNone;
  std::function<void()> on_shutdown_;  // set while a graceful shutdown waits
  int64_t shutdown_deadline_ms_ = 0;
};

}  // namespace arbor::core
