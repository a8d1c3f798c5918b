// WriteRouter: every write, handshake, session resume and sync of this
// server's clients, from the moment it is taken until its answer.
//
//   leader:   stamp the entry (time) and propose it;
//   follower: forward it to the leader, which proposes it or answers
//             ForwardRefused;
//   anywhere: answer the waiting client when this server applies the entry
//             (the origin server answers, whoever proposed it), matched by
//             the entry's origin_request id, never by an xid a client may
//             reuse after reconnecting.
// Entries that cannot be sent now (no leader known, a leadership transfer or
// the leader's uncommitted bound in the way) are parked in arrival order and
// sent once a leader takes them; once anything is parked, later entries park
// behind it, so a session's writes never overtake each other. A parked entry
// that waited past its deadline is answered CONNECTIONLOSS: it was never sent.
//
// Anything already sent has an unknown outcome when leadership changes, the
// link to the leader drops, or this server loses leader contact: the client's
// connection is closed (CONNECTIONLOSS), as a ZooKeeper follower does, never
// answered with a guess and never with an error code a client may not know.
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <deque>
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

struct RouterOptions {
  uint64_t self_id = 0;
  int64_t sync_timeout_ms = 2000;    // a ReadIndex answer can be lost
  int64_t sync_retry_ms = 300;       // asked again this often until answered
  int64_t park_timeout_ms = 2000;    // longest wait for a leader
  int64_t resume_timeout_ms = 1000;  // longest wait for the leader's word on a resumed session
  size_t max_parked = 10000;
  // Leader: refuses a client's entry before it is proposed (limits every
  // replica must agree on are checked here once, never inside Apply).
  // Returns OK or the error to answer.
  std::function<proto::ErrorCode(const proto::LogEntry&)> admit;
  // Leader: the time to stamp on the next entry (never before an earlier
  // entry's, whatever the local clock says).
  std::function<int64_t()> stamp;
  // Leader: called for each client entry once proposed.
  std::function<void(const proto::LogEntry&)> proposed;
};

class WriteRouter {
 public:
  // `applied_index` reads the index this replica has applied (no-ops and
  // membership changes included); `applied_zxid` the state's last zxid.
  WriteRouter(RouterOptions options, const Env& env, RaftDriver* raft, session::SessionManager* sessions,
              std::function<uint64_t()> applied_index, std::function<int64_t()> applied_zxid);

  // A fresh entry with this server as origin.
  proto::LogEntry NewEntry(int64_t session_id, int32_t xid) const;
  // Leader only: proposes an entry of the server's own (expiry, reap) now.
  proto::ErrorCode ProposeOwn(proto::LogEntry entry);

  // A client's write (or closeSession) in pipeline slot `seq`.
  void StartWrite(session::ClientHandle* client, uint64_t seq, const proto::Request& request);
  // A new session's handshake; `entry` carries its CreateSessionOp.
  void StartConnect(session::ClientHandle* client, proto::LogEntry entry);
  // A handshake resuming `session_id` on this follower: asks the leader.
  void StartResume(session::ClientHandle* client, int64_t session_id, const std::string& password,
                   std::function<void(session::ClientHandle*, proto::SessionRevalidated::Result)> done);
  void StartSync(session::ClientHandle* client, uint64_t seq, const proto::Request& request);
  // Closing sessions at shutdown: routed like a write, with no one waiting.
  void SubmitUnanswered(proto::LogEntry entry);

  // Leader: a follower forwarded one of its clients' entries.
  void OnForwarded(uint64_t from, proto::LogEntry entry);
  // Follower: the leader could not propose what we forwarded.
  void OnForwardRefused(const proto::ForwardRefused& refused);
  void OnRevalidated(const proto::SessionRevalidated& answer);

  // An entry was applied here: answer its waiter if it came through us.
  void OnApplied(const proto::LogEntry& entry, tree::ApplyResult* result);
  void OnReadState(const std::string& context, uint64_t index);
  // Answers the syncs whose read index has been applied.
  void FinishSyncs();
  // Every tick: sends parked entries if a leader takes them now; ends
  // parked entries, syncs and resumes past their deadlines.
  void Tick(int64_t now_ms);
  // A leader is known (again): send what is parked.
  void Flush();
  // The outcome of everything sent is unknown (leadership changed, the link
  // to the leader dropped, a snapshot replaced the state): close the
  // connections waiting for it. Parked entries stay parked.
  void AbortInFlight(const std::string& why);
  // Fails parked entries too (this server stops serving).
  void AbortAll(const std::string& why);

  bool idle() const { return writes_.empty() && resumes_.empty() && syncs_.empty() && parked_.empty(); }
  size_t outstanding() const { return writes_.size() + resumes_.size() + syncs_.size() + parked_.size(); }

 private:
  // Where the answer goes. seq 0 with handshake: a ConnectResponse.
  struct Waiter {
    uint64_t conn = 0;
    uint64_t seq = 0;
    int32_t xid = 0;
    bool handshake = false;
    bool none = false;  // nobody waits (shutdown's closeSession)
  };
  struct Parked {
    proto::LogEntry entry;
    Waiter waiter;
    int64_t deadline_ms;
  };
  struct PendingSync {
    Waiter waiter;
    std::string path;
    uint64_t read_index = 0;  // 0 until the ReadState arrives
    int64_t deadline_ms = 0;
    int64_t asked_ms = 0;  // when the ReadIndex was last sent
  };
  struct PendingResume {
    uint64_t conn;
    int64_t deadline_ms;
    std::function<void(session::ClientHandle*, proto::SessionRevalidated::Result)> done;
  };
  enum class Sent { kYes, kNotNow, kRefused };

  void Route(proto::LogEntry entry, const Waiter& w);
  Sent TrySend(proto::LogEntry* entry, proto::ErrorCode* refused);
  void Answer(const Waiter& w, proto::ErrorCode error);
  void CloseWaiter(const Waiter& w, const std::string& why);

  RouterOptions options_;
  Env env_;
  RaftDriver* raft_;
  session::SessionManager* sessions_;
  std::function<uint64_t()> applied_index_;
  std::function<int64_t()> applied_zxid_;
  // Request ids and ReadIndex contexts must never repeat, even across
  // restarts of this server or between servers: a random base per process.
  uint64_t next_request_;
  std::string sync_prefix_;

  std::map<uint64_t, Waiter> writes_;  // origin_request -> sent, waiting for apply
  std::deque<Parked> parked_;
  std::map<uint64_t, PendingResume> resumes_;  // request id -> resume
  std::map<uint64_t, PendingSync> syncs_;      // request id -> sync
};

}  // namespace arbor::core
