// Leader behaviour: proposals, pipelined replication with flow control
// (5.3), the commit rule (5.4.2), snapshots for lagging followers (7),
// ReadIndex (thesis 6.4), leadership transfer (thesis 3.10) and the
// conf-change admission rules (thesis 4.1).
#include <algorithm>

#include <glog/logging.h>

#include "server/raft/raft.h"

namespace arbor::raft {

Status Raft::Propose(std::string data) {
  if (role_ != Role::kLeader) {
    return Status::NotLeader("not the leader (leader hint: " + std::to_string(lead_) + ")");
  }
  if (lead_transferee_ != 0) {
    return Status::Busy("leadership transfer to " + std::to_string(lead_transferee_) + " in progress");
  }
  std::vector<Entry> ents(1);
  ents[0].set_data(std::move(data));
  if (!AppendEntries(std::move(ents))) {
    return Status::Busy("too many uncommitted bytes (max_uncommitted_bytes=" +
                        std::to_string(config_.max_uncommitted_bytes) + "); retry later");
  }
  BcastAppend();
  return Status::Ok();
}

Status Raft::ProposeConfChange(const ConfChange& cc) {
  if (role_ != Role::kLeader) return Status::NotLeader("only the leader changes membership");
  if (lead_transferee_ != 0) return Status::Busy("leadership transfer in progress");
  if (pending_conf_index_ > log_.applied()) {
    return Status::Busy("a membership change is still pending (index " +
                        std::to_string(pending_conf_index_) + " not applied)");
  }
  // Thesis 4.1 (the 2015 fix): no conf entry before an entry of the
  // leader's own term is committed.
  if (!CommittedEntryInCurrentTerm()) {
    return Status::Busy("leader has not committed an entry of its term yet");
  }
  ARBOR_RETURN_IF_ERROR(ValidateConfChange(tracker_.membership(), cc));
  std::vector<Entry> ents(1);
  ents[0].set_type(ENTRY_CONF_CHANGE);
  ents[0].set_data(cc.SerializeAsString());
  if (!AppendEntries(std::move(ents))) return Status::Busy("too many uncommitted bytes");
  pending_conf_index_ = log_.LastIndex();
  OnConfEntryAppended(pending_conf_index_, cc);
  BcastAppend();
  return Status::Ok();
}

Status Raft::ReadIndex(std::string context) {
  Message m;
  m.set_type(MSG_READ_INDEX);
  m.set_context(std::move(context));
  if (role_ == Role::kLeader) {
    if (read_only_.size() + pending_reads_.size() >= config_.max_pending_reads) {
      return Status::Busy("too many pending ReadIndex requests");
    }
    m.set_from(config_.id);
    HandleReadIndexAtLeader(m);
    return Status::Ok();
  }
  return Step(m);  // followers forward to the leader
}

Status Raft::TransferLeadership(uint64_t to) {
  Message m;
  m.set_type(MSG_TRANSFER_LEADER);
  m.set_index(to);  // the transferee travels in `index`
  return Step(m);
}

bool Raft::AppendEntries(std::vector<Entry> ents) {
  uint64_t bytes = 0;
  for (const Entry& e : ents) bytes += e.data().size();
  // An empty log (nothing uncommitted) always takes one proposal, so a
  // single entry larger than the bound is not refused forever.
  if (uncommitted_bytes_ > 0 && bytes > 0 && uncommitted_bytes_ + bytes > config_.max_uncommitted_bytes) {
    return false;
  }
  uncommitted_bytes_ += bytes;
  uint64_t index = log_.LastIndex();
  for (Entry& e : ents) {
    e.set_term(term_);
    e.set_index(++index);
  }
  const uint64_t last = log_.Append(ents);
  // Thesis 10.2.1: we count ourselves only once these are durable locally.
  Message ack;
  ack.set_type(MSG_APP_RESP);
  ack.set_to(config_.id);
  ack.set_index(last);
  Send(std::move(ack));
  return true;
}

bool Raft::SendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = tracker_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  const uint64_t prev = pr->next - 1;
  auto prev_term = log_.Term(prev);
  auto ents = log_.Slice(pr->next, log_.LastIndex() + 1, config_.max_msg_bytes,
                         config_.max_entries_per_msg);
  if (ents.ok() && ents->empty() && !send_if_empty) return false;
  if (!prev_term.ok() || !ents.ok()) return SendSnapshot(to, pr);  // compacted
  Message m;
  m.set_type(MSG_APP);
  m.set_to(to);
  m.set_index(prev);
  m.set_log_term(*prev_term);
  m.set_commit(log_.committed());
  const size_t n = ents->size();
  const uint64_t last = n == 0 ? prev : ents->back().index();
  for (Entry& e : *ents) *m.add_entries() = std::move(e);
  pr->SentEntries(last, n);
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(uint64_t to, Progress* pr) {
  // Only to a peer that is up; a snapshot is expensive.
  if (!pr->recent_active) return false;
  SnapshotMetadata snap = log_.Snapshot();
  CHECK_NE(snap.index(), 0u) << "log compacted but no snapshot exists";
  pr->BecomeSnapshot(snap.index());
  Message m;
  m.set_type(MSG_SNAP);
  m.set_to(to);
  *m.mutable_snapshot() = std::move(snap);
  Send(std::move(m));
  return true;
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : tracker_.progress()) {
    if (id != config_.id) SendAppend(id, true);
  }
}

void Raft::BcastHeartbeat(const std::string& context) {
  for (auto& [id, pr] : tracker_.progress()) {
    if (id == config_.id) continue;
    Message m;
    m.set_type(MSG_HEARTBEAT);
    m.set_to(id);
    // Never more than the follower is known to have: it must not commit an
    // entry it may not hold (or hold in a different version).
    m.set_commit(std::min(pr.match, log_.committed()));
    m.set_context(context);
    Send(std::move(m));
  }
}

bool Raft::MaybeCommit() {
  const bool first_in_term = !CommittedEntryInCurrentTerm();
  if (!log_.MaybeCommit(tracker_.Committed(), term_, config_.testing_unsafe_commit_by_counting)) {
    return false;
  }
  if (first_in_term && CommittedEntryInCurrentTerm()) {
    // ReadIndex requests that waited for the term's first commit.
    std::deque<Message> waiting;
    waiting.swap(pending_reads_);
    for (const Message& m : waiting) StartReadIndexRound(m);
  }
  return true;
}

Status Raft::StepLeader(const Message& m) {
  if (m.type() == MSG_READ_INDEX) {
    HandleReadIndexAtLeader(m);
    return Status::Ok();
  }
  if (m.type() == MSG_TRANSFER_LEADER) {
    HandleTransferAtLeader(m.index());
    return Status::Ok();
  }
  Progress* pr = tracker_.Get(m.from());
  if (pr == nullptr) return Status::Ok();  // not (or no longer) a member
  switch (m.type()) {
    case MSG_APP_RESP:
      HandleAppendResponse(m, pr);
      break;
    case MSG_HEARTBEAT_RESP:
      HandleHeartbeatResponse(m, pr);
      break;
    case MSG_SNAP_STATUS:
      if (pr->state != Progress::State::kSnapshot) break;
      if (m.reject()) pr->pending_snapshot = 0;  // failed: probe from match
      pr->BecomeProbe();
      // Wait for a heartbeat answer before probing, so a follower that is
      // still installing is not flooded.
      pr->probe_sent = true;
      break;
    case MSG_UNREACHABLE:
      if (pr->state == Progress::State::kReplicate) pr->BecomeProbe();
      break;
    default:
      break;
  }
  return Status::Ok();
}

void Raft::HandleAppendResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject()) {
    uint64_t next_probe = m.reject_hint();
    if (m.hint_term() > 0) {
      next_probe = log_.FindConflictByTerm(m.reject_hint(), m.hint_term()).first;
    }
    if (pr->MaybeDecrTo(m.index(), next_probe)) {
      if (pr->state == Progress::State::kReplicate) pr->BecomeProbe();
      SendAppend(m.from(), true);
    }
    return;
  }
  if (!pr->MaybeUpdate(m.index())) return;
  switch (pr->state) {
    case Progress::State::kProbe:
      pr->BecomeReplicate();
      break;
    case Progress::State::kSnapshot:
      if (pr->match + 1 >= log_.FirstIndex()) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case Progress::State::kReplicate:
      pr->inflights.FreeLE(m.index());
      break;
  }
  if (MaybeCommit()) {
    BcastAppend();
  } else if (m.from() != config_.id) {
    while (SendAppend(m.from(), false)) {
    }
  }
  if (m.from() == lead_transferee_ && pr->match == log_.LastIndex()) SendTimeoutNow(m.from());
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->probe_sent = false;
  if (pr->state == Progress::State::kReplicate && pr->inflights.Full()) {
    pr->inflights.FreeFirstOne();  // a lost MsgApp must not stall the window forever
  }
  if (pr->match < log_.LastIndex()) SendAppend(m.from(), true);
  if (m.context().empty()) return;
  const std::set<uint64_t>* acks = read_only_.RecvAck(m.from(), m.context());
  if (acks == nullptr) return;
  std::map<uint64_t, bool> votes;
  for (uint64_t id : *acks) votes[id] = true;
  if (MajorityVote(tracker_.membership().voters, votes) != VoteResult::kWon) return;
  for (const ReadRequest& r : read_only_.Advance(m.context())) AnswerRead(r.req, r.index);
}

void Raft::HandleReadIndexAtLeader(const Message& m) {
  if (tracker_.membership().voters.size() == 1 && tracker_.membership().IsVoter(config_.id)) {
    AnswerRead(m, log_.committed());  // nobody can depose us
    return;
  }
  if (!CommittedEntryInCurrentTerm()) {
    // Thesis 6.4 step 1: until our no-op commits we do not know the commit
    // index of the previous terms. Wait (bounded).
    if (pending_reads_.size() < config_.max_pending_reads) pending_reads_.push_back(m);
    return;
  }
  StartReadIndexRound(m);
}

void Raft::StartReadIndexRound(const Message& m) {
  if (read_only_.size() >= config_.max_pending_reads) return;  // dropped; the caller times out
  if (!read_only_.Add(log_.committed(), m, config_.id)) return;
  BcastHeartbeat(m.context());
}

void Raft::AnswerRead(const Message& req, uint64_t index) {
  if (req.from() == config_.id || req.from() == 0) {
    read_states_.push_back(ReadState{index, req.context()});
    return;
  }
  Message resp;
  resp.set_type(MSG_READ_INDEX_RESP);
  resp.set_to(req.from());
  resp.set_index(index);
  resp.set_context(req.context());
  Send(std::move(resp));
}

void Raft::HandleTransferAtLeader(uint64_t transferee) {
  if (!tracker_.membership().IsVoter(transferee)) return;  // learners cannot lead
  if (transferee == config_.id) return;
  if (lead_transferee_ == transferee) return;  // already under way
  AbortLeaderTransfer();
  // Must finish within an election timeout (TickHeartbeat aborts it).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  Progress* pr = tracker_.Get(transferee);
  if (pr->match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee, true);
  }
}

void Raft::SendTimeoutNow(uint64_t to) {
  Message m;
  m.set_type(MSG_TIMEOUT_NOW);
  m.set_to(to);
  Send(std::move(m));
}

}  // namespace arbor::raft
