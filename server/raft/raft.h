// The Raft state machine of one peer (Raft paper sections 5-7, thesis
// chapters 3, 4, 6, 9). Pure: input is ticks, messages and proposals; output
// accumulates in the outboxes below, which RawNode turns into a Ready.
//
// Roles switch the step function (StepFollower / StepCandidate /
// StepLeader); the term-level rules common to all roles are in Step.
// Not thread-safe: one caller at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/raft.pb.h"
#include "server/raft/conf_change.h"
#include "server/raft/config.h"
#include "server/raft/rand.h"
#include "server/raft/raft_log.h"
#include "server/raft/read_only.h"
#include "server/raft/tracker.h"

namespace arbor::raft {

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role r);

// The answer to a ReadIndex request: once the local state machine has
// applied `index`, a read issued with `context` sees every write committed
// before the request was made.
struct ReadState {
  uint64_t index = 0;
  std::string context;
};

// MsgVote context that marks a leadership-transfer campaign (bypasses the
// leader lease of check-quorum).
inline constexpr char kCampaignTransfer[] = "CampaignTransfer";

class Raft {
 public:
  // Loads hard state, membership and log bounds from config.storage.
  static Result<std::unique_ptr<Raft>> Create(const Config& config);

  void Tick();
  // Feeds a message from a peer or a local one (MSG_SNAP_STATUS,
  // MSG_UNREACHABLE, MSG_TRANSFER_LEADER, MSG_READ_INDEX with term 0).
  Status Step(const Message& m);

  Status Propose(std::string data);
  Status ProposeConfChange(const ConfChange& cc);
  Status ReadIndex(std::string context);
  Status TransferLeadership(uint64_t to);
  // Called by the application when it applies a committed conf change entry
  // (in log order). Returns the applied membership after it (what the
  // application persists with its state). An invalid change (e.g. adding an
  // existing voter) is a no-op. The core itself already uses the change
  // since it was appended (thesis 4.1); see raft_membership.cc.
  ConfState ApplyConfChange(const ConfChange& cc);
  // Starts an election now (tests, or bootstrapping a single node).
  void Campaign();

  // The application made durable everything up to (last_index, last_term)
  // and/or the snapshot at snapshot_index; self_msgs are the acks that were
  // waiting for that write (the leader's own append ack, a candidate's own
  // vote). Called by RawNode.
  void OnPersisted(bool has_entries, uint64_t last_index, uint64_t last_term,
                   uint64_t snapshot_index, const std::vector<Message>& self_msgs);
  // Leader: committed entries handed out for application no longer count
  // against max_uncommitted_bytes.
  void ReduceUncommittedSize(const std::vector<Entry>& committed);

  HardState hard_state() const;
  uint64_t id() const { return config_.id; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  Role role() const { return role_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  const Membership& membership() const { return tracker_.membership(); }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  ProgressTracker& tracker() { return tracker_; }
  const ProgressTracker& tracker() const { return tracker_; }
  const Config& config() const { return config_; }

  // Outboxes, drained by RawNode::GetReady.
  std::vector<Message> msgs_;                // may be sent at once
  std::vector<Message> msgs_after_persist_;  // only after the pending write
  std::vector<Message> self_msgs_;           // stepped once the pending write is durable
  std::vector<ReadState> read_states_;

 private:
  using StepFn = Status (Raft::*)(const Message&);

  explicit Raft(const Config& config);

  // --- roles and elections (raft.cc) ---
  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Reset(uint64_t term);
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void TickHeartbeat();
  void Hup(bool transfer);
  void StartCampaign(bool pre_vote, bool transfer);
  void HandleVoteRequest(const Message& m);
  bool Promotable() const { return tracker_.membership().IsVoter(config_.id); }
  bool HasUnappliedConfChanges() const;
  bool CommittedEntryInCurrentTerm() const;
  void Send(Message m);

  // --- membership (raft_membership.cc) ---
  void RecomputeMembership();
  void OnConfEntryAppended(uint64_t index, const ConfChange& cc);
  bool AppendTouchesMembership(const std::vector<Entry>& ents) const;

  // --- follower and candidate (raft_follower.cc) ---
  Status StepFollower(const Message& m);
  Status StepCandidate(const Message& m);
  void HandleAppendEntries(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  bool RestoreSnapshot(const SnapshotMetadata& s);

  // --- leader (raft_leader.cc) ---
  Status StepLeader(const Message& m);
  bool AppendEntries(std::vector<Entry> ents);
  bool SendAppend(uint64_t to, bool send_if_empty);
  bool SendSnapshot(uint64_t to, Progress* pr);
  void BcastAppend();
  void BcastHeartbeat(const std::string& context);
  bool MaybeCommit();
  void HandleAppendResponse(const Message& m, Progress* pr);
  void HandleHeartbeatResponse(const Message& m, Progress* pr);
  void HandleReadIndexAtLeader(const Message& m);
  void StartReadIndexRound(const Message& m);
  void AnswerRead(const Message& req, uint64_t index);
  void HandleTransferAtLeader(uint64_t transferee);
  void SendTimeoutNow(uint64_t to);
  void AbortLeaderTransfer() { lead_transferee_ = 0; }

  Config config_;
  SplitMix64 rng_;
  RaftLog log_;
  ProgressTracker tracker_;
  ReadOnly read_only_;
  std::deque<Message> pending_reads_;  // ReadIndex before the first commit of the term

  uint64_t term_ = 0;
  uint64_t vote_ = 0;
  uint64_t lead_ = 0;
  Role role_ = Role::kFollower;
  StepFn step_ = &Raft::StepFollower;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;

  uint64_t lead_transferee_ = 0;
  // Index of the newest conf change a leader may have unapplied; a new one
  // is refused until applied >= it (one change at a time).
  uint64_t pending_conf_index_ = 0;
  uint64_t uncommitted_bytes_ = 0;

  // Membership as of the last conf change the application applied, and the
  // index of that change; tracker_ holds the newest membership in the log.
  Membership applied_membership_;
  uint64_t applied_conf_index_ = 0;
  // Indexes of conf change entries in the log after applied_conf_index_.
  std::set<uint64_t> conf_indexes_;
};

}  // namespace arbor::raft
