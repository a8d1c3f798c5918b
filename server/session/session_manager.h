// SessionManager: this server's clients and the liveness of their sessions.
//
// Owns
//   - the connections attached to this server (connection id -> handle) and
//     the identities each one authenticated (ZooKeeper keeps auth on the
//     connection, not the session);
//   - which connection currently carries each session (a session moves when
//     its client reconnects elsewhere or here);
//   - liveness: every frame from a client touches its session. On the leader
//     the ExpiryTracker decides expiry (proposed as a log entry by the
//     caller); a follower collects the sessions it heard from and reports
//     them to the leader every tick.
// The replicated half (which sessions exist, timeouts, passwords) is the
// SessionTable inside the state machine; this class never changes it.
//
// Time is injected (milliseconds, monotonic); no clock, no I/O.
// Threading: the replica's loop thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/client.pb.h"
#include "server/session/client_handle.h"
#include "server/session/expiry_tracker.h"
#include "server/session/session_table.h"

namespace arbor::session {

using Ids = google::protobuf::RepeatedPtrField<proto::Id>;

class SessionManager {
 public:
  explicit SessionManager(int64_t tick_ms) : expiry_(tick_ms) {}

  // ---- connections ----
  // A connection sent its handshake; `initial_ids` are the identities it
  // has before any auth packet (ip:<address>).
  void Attach(ClientHandle* client, Ids initial_ids);
  // The connection is gone: forgets it (its session lives on until it
  // expires or is closed).
  void Detach(ClientHandle* client);
  ClientHandle* Find(uint64_t connection_id) const;
  // The identities of a connection (empty for an unknown one).
  const Ids& IdsOf(uint64_t connection_id) const;
  Ids* MutableIdsOf(uint64_t connection_id);
  const std::unordered_map<uint64_t, ClientHandle*>& connections() const { return by_conn_; }

  // ---- sessions on this server ----
  // `client` now carries `session_id`; a connection that carried it before
  // is terminated with SESSIONMOVED.
  void Bind(int64_t session_id, ClientHandle* client);
  ClientHandle* Carrier(int64_t session_id) const;
  // The session ended (closed or expired): its connection here, if any, is
  // terminated with `why`, and its liveness is forgotten.
  void End(int64_t session_id, proto::ErrorCode why);
  const std::unordered_map<int64_t, ClientHandle*>& bound() const { return by_session_; }

  // ---- liveness ----
  // A frame from the client of `session_id` arrived at this server.
  void Touch(int64_t session_id, int64_t now_ms, bool leader);
  // A follower's report of sessions it heard from (leader only).
  void TouchReported(const std::vector<int64_t>& session_ids, int64_t now_ms);
  // Follower: the sessions heard from since the last report (then cleared).
  std::vector<int64_t> TakeHeartbeatReport();
  // A committed session create, on every server.
  void Created(int64_t session_id, int32_t timeout_ms, int64_t now_ms);
  // This server just became leader: it cannot know when followers last
  // heard from each session, so every session gets a fresh full timeout.
  void BecameLeader(const SessionTable& table, int64_t now_ms);
  // Leader: sessions whose timeout passed (each returned once, until
  // touched again or retried).
  std::vector<int64_t> TakeExpired(int64_t now_ms);
  // The expiry proposal for these failed: offer them again next time.
  void RetryExpiry(const std::vector<int64_t>& session_ids, int64_t now_ms);
  // Leader: an entry ending this session is in the log (an inherited expiry,
  // or a close): no resume may revive it.
  void MarkEnding(int64_t session_id) { expiry_.MarkExpiring(session_id); }
  // A snapshot replaced the replicated state: liveness restarts from it.
  void Reset(const SessionTable& table, int64_t now_ms);
  // Leader: a client wants to resume `session_id` here or on a follower. True
  // (and the session gets a fresh timeout) if it is tracked and its expiry
  // is not already on the way.
  bool Revive(int64_t session_id, int64_t now_ms);

  // ---- leader contact ----
  // A server may serve clients only while it knows its reports of session
  // liveness reach the leader; otherwise the majority could expire a
  // session whose client it keeps answering (docs/RELIABILITY.md).
  //   leader:   a majority of voters (itself included) reported within the
  //             window, each saying it hears the leader (both directions work);
  //   follower: the leader acknowledged one of its reports within the window.
  void ReportReceived(uint64_t from, int64_t now_ms) { last_report_[from] = now_ms; }
  // Follower: a report goes to the leader now; returns its sequence number.
  uint64_t ReportSent(int64_t now_ms);
  // Follower: the leader acknowledged report `seq`: it has every touch made
  // before that report was sent.
  void AckReceived(uint64_t seq, int64_t now_ms);
  void ContactLost() { last_ack_ = -(int64_t{1} << 62); }
  // Follower: may a client whose session times out after `timeout_ms` still
  // be answered? The leader has its touches up to the send time of the last
  // acknowledged report; the client, once answered, goes on believing it is
  // connected for two thirds of its timeout. So answers stop once that
  // report is older than a third of the timeout (less `margin_ms`), before
  // the leader could expire the session while its client still believes.
  bool Covers(int32_t timeout_ms, int64_t now_ms, int64_t margin_ms) const {
    return now_ms - acked_through_ <= timeout_ms / 3 - margin_ms;
  }
  bool InContact(int64_t now_ms, int64_t window_ms, bool leader, uint64_t self,
                 const std::vector<uint64_t>& voters) const;

  const ExpiryTracker& expiry() const { return expiry_; }

 private:
  std::unordered_map<uint64_t, ClientHandle*> by_conn_;
  std::unordered_map<uint64_t, Ids> ids_;
  std::unordered_map<int64_t, ClientHandle*> by_session_;
  ExpiryTracker expiry_;
  std::set<int64_t> heard_from_;
  std::map<uint64_t, int64_t> last_report_;  // leader: follower -> when its last report arrived
  int64_t last_ack_ = -(int64_t{1} << 62);   // follower: when the leader last acknowledged a report
  int64_t acked_through_ = -(int64_t{1} << 62);  // follower: send time of the newest acknowledged report
  std::map<uint64_t, int64_t> reports_in_flight_;  // follower: seq -> send time
  uint64_t next_report_seq_ = 1;
};

}  // namespace arbor::session
