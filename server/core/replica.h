// Replica: one Arbor server's logic, with its world injected (server/core/env.h).
//
//   clients ─► ClientSession (codec + FIFO pipeline) ─► this (ClientService)
//   reads:  StateMachine::Read against the local tree, watches in the local WatchManager
//   writes: WriteRouter ─► leader: RaftDriver::Propose | follower: forward to the leader
//   every committed entry, on every replica: StateMachine::Apply ─► the waiting
//           client's answer (WriteRouter) + watch events (SessionManager's clients)
//
// The rooms: SessionManager (connections, identities, liveness), WriteRouter
// (writes, handshakes, syncs, forwarding), SnapshotKeeper (taking, sending,
// receiving, installing snapshots), RaftDriver (the Ready contract), the
// StateMachine and WatchManager. This class wires them and decides the
// order of events; it reads no clock and touches no socket or file, so
// test/sim runs whole replicas under a seed. arbord's host is ArborServer.
//
// The host calls Tick() every tick_ms, Poll() when the Waker asks, hands in
// peer frames and link losses, and creates a ClientSession per accepted
// client with this as its ClientService.
//
// Threading: the loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "proto/log_entry.pb.h"
#include "server/core/backup.h"
#include "server/core/env.h"
#include "server/core/raft_driver.h"
#include "server/core/server_options.h"
#include "server/core/server_status.h"
#include "server/core/snapshot_keeper.h"
#include "server/core/write_router.h"
#include "server/net/client_session.h"
#include "server/session/session_manager.h"
#include "server/tree/state_machine.h"
#include "server/tree/watch_manager.h"

namespace arbor::core {

class Replica : public net::ClientService, public Applier {
 public:
  Replica(ServerOptions options, Env env);
  ~Replica() override;

  // Restores the newest snapshot, records the membership of a new data
  // directory, and starts Raft.
  Status Start();
  // Stops Raft and the disk writer (queued writes become durable).
  void Stop();
  bool stopped() const { return stopped_; }

  void Tick();
  void Poll();
  void OnPeerFrame(uint64_t from, proto::PeerFrame&& frame);
  // A connection to or from `peer` closed; frames in flight on it may be lost.
  void OnPeerLinkDown(uint64_t peer);

  // Graceful shutdown, in phases, each bounded: (1) stop taking new work
  // (the host stops accepting) and let in-flight writes, handshakes and
  // syncs finish — closing this server's sessions first when
  // options.close_sessions_on_shutdown; (2) a leader hands leadership to a
  // connected follower, so the cluster does not wait an election timeout;
  // (3) Stop(), then `stopped` runs.
  void Shutdown(std::function<void()> stopped);

  ServerStatus GetStatus() const;
  // Answers clients: a leader is known and this server knows its reports of
  // session liveness reach it (SessionManager::InContact).
  bool serving() const { return serving_; }
  // Called after every entry this replica applies (tests, metrics).
  using ApplyObserver = std::function<void(const proto::LogEntry& entry, int64_t zxid,
                                           const tree::ApplyResult& result)>;
  void set_apply_observer(ApplyObserver observer) { apply_observer_ = std::move(observer); }
  const RaftDriver& raft() const { return *raft_; }
  const tree::StateMachine& state() const { return *sm_; }
  const session::SessionManager& sessions() const { return sessions_; }
  const tree::WatchManager& watches() const { return watches_; }
  uint64_t snapshots_installed() const { return snapshots_installed_; }

  // ---- net::ClientService ----
  void Connect(net::ClientSession* session, const proto::ConnectRequest& request) override;
  bool IsLocal(const proto::Request& request) const override;
  void StartAsync(net::ClientSession* session, uint64_t seq, const proto::Request& request) override;
  proto::Response RunLocal(net::ClientSession* session, const proto::Request& request) override;
  void Touched(net::ClientSession* session) override;
  void Disconnected(net::ClientSession* session) override;

  // ---- Applier ----
  void ApplyEntry(const raft::Entry& entry) override;
  void AfterApply(uint64_t index) override;
  void OnSoftState(const raft::SoftState& soft, uint64_t term) override;
  void OnReadState(const raft::ReadState& rs) override;
  void InstallSnapshot(const raft::SnapshotMetadata& meta) override;
  void SendSnapshot(const raft::Message& msg_snap) override;

 private:
  Status Recover();
  void DeliverResult(const proto::LogEntry& entry, tree::ApplyResult* result);
  void ProposeExpiries(int64_t now);
  void ProposeReap(int64_t now);
  void ReportHeartbeats();
  void DropUncoveredClients(int64_t now);
  void UpdateServing(int64_t now);
  void StopServing(const std::string& why);
  void Resume(net::ClientSession* s, const proto::ConnectRequest& req);
  void OnRevalidate(uint64_t from, const proto::SessionRevalidate& r);
  proto::ErrorCode Admit(const proto::LogEntry& entry) const;
  int64_t Stamp();
  // A new leader's look at the entries of earlier terms in its log: their
  // stamps, and the sessions they end.
  void NoteInheritedEntries(const std::vector<raft::Entry>& entries);
  std::vector<uint64_t> Voters() const;
  void AdvanceShutdown(int64_t now);
  bool StartLeadershipTransfer();
  void FinishShutdown();
  int64_t NextSessionId() { return next_session_id_++; }

  ServerOptions options_;
  Env env_;
  std::unique_ptr<metrics::ServerMetrics> own_metrics_;  // when the Env brings none
  std::unique_ptr<tree::StateMachine> sm_;
  tree::WatchManager watches_;
  session::SessionManager sessions_;
  std::unique_ptr<RaftDriver> raft_;
  std::unique_ptr<WriteRouter> router_;
  std::unique_ptr<SnapshotKeeper> snapshots_;
  BackupSource backups_;  // online backups (BackupRequest), served in RunLocal

  ApplyObserver apply_observer_;
  uint64_t leader_ = 0;
  uint64_t term_ = 0;
  uint64_t applied_index_ = 0;
  uint64_t snapshots_installed_ = 0;
  // The latest time stamped on any entry this replica applied or holds in
  // its log as leader: stamps never go back across leader changes, so
  // ctime/mtime and TTL and container deadlines never do either.
  int64_t last_stamp_ms_ = 0;
  // Follower: when a Raft message from the current leader last arrived.
  int64_t last_leader_message_ms_ = -(int64_t{1} << 62);
  bool serving_ = false;
  int64_t next_session_id_ = 0;
  int64_t last_reap_ms_ = 0;
  bool started_ = false;
  bool stopped_ = false;

  enum class ShutdownPhase { kNone, kDraining, kTransferring };
  ShutdownPhase shutdown_phase_ = ShutdownPhase::kNone;
  std::function<void()> on_shutdown_;  // set while a graceful shutdown waits
  int64_t shutdown_deadline_ms_ = 0;
};

}  // namespace arbor::core
