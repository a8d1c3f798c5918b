// WriteRouter: every write, handshake and sync of this server's clients
// from the moment it is taken until its answer.
//
//   leader:   stamp the entry (time) and propose it;
//   follower: forward it to the leader, which proposes it or answers
//             ForwardRefused;
//   anywhere: answer the waiting client when this server applies the entry
//             (the origin server answers, whoever proposed it).
// Syncs are ReadIndex requests answered once this server applied the
// returned index. When leadership changes, everything outstanding is
// aborted: its outcome is unknown, so the client's connection is closed
// (CONNECTIONLOSS) rather than answered with a guess.
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "proto/client.pb.h"
#include "proto/log_entry.pb.h"
#include "proto/peer.pb.h"
#include "server/core/env.h"
#include "server/core/raft_driver.h"
#include "server/session/session_manager.h"
#include "server/tree/state_machine.h"

namespace arbor::core {

class WriteRouter {
 public:
  // Where the answer to an async request goes.
  struct Waiter {
    uint64_t conn = 0;
    uint64_t seq = 0;  // pipeline slot; 0 for a handshake
  };

  // `applied_zxid` reads the local state's last applied zxid.
  WriteRouter(uint64_t self_id, int64_t sync_timeout_ms, const Env& env, RaftDriver* raft,
              session::SessionManager* sessions, std::function<int64_t()> applied_zxid);

  // A fresh entry with this server as origin.
  proto::LogEntry NewEntry(int64_t session_id, int32_t xid) const;
  // Proposes (leader) or forwards (follower). OK when taken; otherwise the
  // code to answer with (nothing was sent).
  proto::ErrorCode Submit(proto::LogEntry entry);

  // A client's write (or closeSession) in pipeline slot `seq`.
  void StartWrite(session::ClientHandle* client, uint64_t seq, const proto::Request& request);
  // A new session's handshake; `entry` carries its CreateSessionOp.
  void StartConnect(session::ClientHandle* client, proto::LogEntry entry);
  void StartSync(session::ClientHandle* client, uint64_t seq, const proto::Request& request);

  // Leader: a follower forwarded one of its clients' entries.
  void OnForwarded(uint64_t from, proto::LogEntry entry);
  // Follower: the leader could not propose what we forwarded.
  void OnForwardRefused(const proto::ForwardRefused& refused);

  // An entry was applied here: answer its waiter if it came through us.
  void OnApplied(const proto::LogEntry& entry, tree::ApplyResult* result);
  void OnReadState(const std::string& context, uint64_t index);
  // Answers the syncs whose read index has been applied.
  void FinishSyncs();
  // Fails the syncs past their deadline (the ReadIndex answer can be lost).
  void ExpireSyncs(int64_t now_ms);
  // Leadership changed: the outcome of everything in flight is unknown.
  void AbortAll(const std::string& why);

  bool idle() const { return writes_.empty() && connects_.empty() && syncs_.empty(); }
  size_t outstanding() const { return writes_.size() + connects_.size() + syncs_.size(); }

 private:
  struct PendingSync {
    Waiter waiter;
    int32_t xid = 0;
    std::string path;
    uint64_t read_index = 0;  // 0 until the ReadState arrives
    int64_t deadline_ms = 0;
  };

  void Fail(const Waiter& w, int32_t xid, proto::ErrorCode error);

  const uint64_t self_id_;
  const int64_t sync_timeout_ms_;
  Env env_;
  RaftDriver* raft_;
  session::SessionManager* sessions_;
  std::function<int64_t()> applied_zxid_;

  std::map<std::pair<int64_t, int32_t>, Waiter> writes_;  // (session, xid)
  std::map<int64_t, Waiter> connects_;                   // new session id -> handshake
  std::map<uint64_t, PendingSync> syncs_;                // ReadIndex context -> sync
  uint64_t next_sync_ctx_ = 1;
};

}  // namespace arbor::core
