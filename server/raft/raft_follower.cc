// Follower and candidate behaviour: accepting AppendEntries (5.3),
// heartbeats, InstallSnapshot (7), tallying votes (5.2), and forwarding
// ReadIndex and transfer requests to the leader.
#include <algorithm>

#include <glog/logging.h>

#include "server/raft/raft.h"

namespace arbor::raft {

Status Raft::StepFollower(const Message& m) {
  switch (m.type()) {
    case MSG_APP:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleAppendEntries(m);
      break;
    case MSG_HEARTBEAT:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleHeartbeat(m);
      break;
    case MSG_SNAP:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleSnapshot(m);
      break;
    case MSG_TRANSFER_LEADER:
    case MSG_READ_INDEX: {
      if (lead_ == 0) return Status::NotLeader("no known leader to forward to");
      Message fwd = m;
      fwd.set_to(lead_);
      fwd.set_term(0);
      Send(std::move(fwd));
      break;
    }
    case MSG_READ_INDEX_RESP:
      read_states_.push_back(ReadState{m.index(), m.context()});
      break;
    case MSG_TIMEOUT_NOW:
      // The leader asks us to take over (thesis 3.10): campaign without
      // pre-vote and past other followers' leader lease.
      Hup(true);
      break;
    default:
      break;  // e.g. a late response addressed to a former leader
  }
  return Status::Ok();
}

Status Raft::StepCandidate(const Message& m) {
  const MessageType my_resp = role_ == Role::kPreCandidate ? MSG_PRE_VOTE_RESP : MSG_VOTE_RESP;
  switch (m.type()) {
    case MSG_APP:
      BecomeFollower(m.term(), m.from());  // a leader exists in this term
      HandleAppendEntries(m);
      break;
    case MSG_HEARTBEAT:
      BecomeFollower(m.term(), m.from());
      HandleHeartbeat(m);
      break;
    case MSG_SNAP:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      break;
    case MSG_TRANSFER_LEADER:
    case MSG_READ_INDEX:
      return Status::NotLeader("campaigning: no leader yet");
    case MSG_VOTE_RESP:
    case MSG_PRE_VOTE_RESP: {
      if (m.type() != my_resp) break;
      tracker_.RecordVote(m.from(), !m.reject());
      switch (tracker_.TallyVotes()) {
        case VoteResult::kWon:
          if (role_ == Role::kPreCandidate) {
            StartCampaign(false, false);
          } else if (!tracker_.Voted(config_.id)) {
            // A quorum of others agreed, but our own term and vote are not
            // durable yet. Leading now could, after a crash that loses them,
            // let us win this term a second time with a different log.
            // Our self-vote arrives when the write completes.
          } else {
            BecomeLeader();
            BcastAppend();
          }
          break;
        case VoteResult::kLost:
          BecomeFollower(term_, 0);
          break;
        case VoteResult::kPending:
          break;
      }
      break;
    }
    default:
      break;
  }
  return Status::Ok();
}

void Raft::HandleAppendEntries(const Message& m) {
  Message resp;
  resp.set_type(MSG_APP_RESP);
  resp.set_to(m.from());
  if (m.index() < log_.committed()) {
    // Everything up to our commit index matches the leader already.
    resp.set_index(log_.committed());
    Send(std::move(resp));
    return;
  }
  std::vector<Entry> ents(m.entries().begin(), m.entries().end());
  const bool membership_may_change = AppendTouchesMembership(ents);
  if (auto last_new = log_.MaybeAppend(m.index(), m.log_term(), m.commit(), ents)) {
    if (membership_may_change) RecomputeMembership();
    resp.set_index(*last_new);
    Send(std::move(resp));
    return;
  }
  // Reject with a hint (fast back-off): the largest index <= m.index whose
  // term is <= the leader's term at m.index. The leader can skip every entry
  // after it, and if it has hint_term at reject_hint, resume right there.
  const uint64_t hint = std::min(m.index(), log_.LastIndex());
  auto [hint_index, hint_term] = log_.FindConflictByTerm(hint, m.log_term());
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(hint_index);
  resp.set_hint_term(hint_term);
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  // The leader sends min(our acknowledged match, its commit): durable here.
  log_.CommitTo(std::min(m.commit(), log_.LastIndex()));
  Message resp;
  resp.set_type(MSG_HEARTBEAT_RESP);
  resp.set_to(m.from());
  resp.set_context(m.context());
  Send(std::move(resp));
}

void Raft::HandleSnapshot(const Message& m) {
  Message resp;
  resp.set_type(MSG_APP_RESP);
  resp.set_to(m.from());
  // Either way the answer goes out only after the snapshot (if installed)
  // is durable, because MSG_APP_RESP waits for the pending write.
  resp.set_index(RestoreSnapshot(m.snapshot()) ? log_.LastIndex() : log_.committed());
  Send(std::move(resp));
}

bool Raft::RestoreSnapshot(const SnapshotMetadata& s) {
  if (s.index() <= log_.committed()) return false;  // stale or already have it
  if (role_ != Role::kFollower) return false;
  if (log_.MatchTerm(s.index(), s.term())) {
    // We already have the entry the snapshot ends with: fast-forward commit.
    log_.CommitTo(s.index());
    return false;
  }
  log_.Restore(s);
  applied_membership_ = Membership::FromConfState(s.conf_state());
  applied_conf_index_ = s.index();
  conf_indexes_.clear();
  tracker_.SetMembership(applied_membership_, log_.LastIndex() + 1);
  return true;
}

}  // namespace arbor::raft
