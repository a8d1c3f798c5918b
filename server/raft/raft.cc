// Roles, elections and the term rules common to every role (Raft 5.1, 5.2,
// thesis 9.6 pre-vote, 6.2 check-quorum).
#include "server/raft/raft.h"

#include <algorithm>

#include <glog/logging.h>

namespace arbor::raft {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kPreCandidate: return "pre-candidate";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "?";
}

Raft::Raft(const Config& config)
    : config_(config),
      rng_(config.seed ^ (config.id * 0x9e3779b97f4a7c15ULL)),
      log_(config.storage, config.max_committed_bytes_per_ready),
      tracker_(config.max_inflight_msgs) {}

Result<std::unique_ptr<Raft>> Raft::Create(const Config& config) {
  ARBOR_RETURN_IF_ERROR(config.Validate());
  HardState hs;
  ConfState cs;
  ARBOR_RETURN_IF_ERROR(config.storage->InitialState(&hs, &cs));
  std::unique_ptr<Raft> r(new Raft(config));
  const uint64_t last = r->log_.LastIndex();
  // Entries are applied only once durable, so applied <= last; an applied
  // entry is committed, so commit may be raised to it.
  const uint64_t applied = std::max(config.applied, r->log_.FirstIndex() - 1);
  const uint64_t commit = std::max(hs.commit(), applied);
  if (commit > last) {
    return Status::Corruption("raft: commit/applied index " + std::to_string(commit) +
                              " is past the last persisted entry " + std::to_string(last));
  }
  r->log_.CommitTo(commit);
  r->log_.AppliedTo(applied);
  // cs is the membership as of `applied`; conf changes later in the log
  // take effect already (they were in effect when appended).
  r->applied_membership_ = Membership::FromConfState(cs);
  r->applied_conf_index_ = applied;
  r->RecomputeMembership();
  r->BecomeFollower(hs.term(), 0);
  r->vote_ = hs.vote();
  return r;
}

HardState Raft::hard_state() const {
  HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

void Raft::Send(Message m) {
  m.set_from(config_.id);
  const auto t = m.type();
  if (t == MSG_VOTE || t == MSG_PRE_VOTE || t == MSG_VOTE_RESP || t == MSG_PRE_VOTE_RESP) {
    CHECK_NE(m.term(), 0u) << "vote messages carry an explicit term";
  } else if (t != MSG_READ_INDEX) {
    // MSG_READ_INDEX is forwarded like a local message (term 0): the leader
    // answers with its own term and commit index.
    m.set_term(term_);
  }
  if (m.to() == config_.id) {
    self_msgs_.push_back(std::move(m));
  } else if (t == MSG_APP_RESP || t == MSG_VOTE_RESP || t == MSG_PRE_VOTE_RESP) {
    // These acknowledge log entries or promise a vote: they must not leave
    // before the entries / term / vote they depend on are durable.
    msgs_after_persist_.push_back(std::move(m));
  } else {
    msgs_.push_back(std::move(m));
  }
}

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = 0;
  }
  lead_ = 0;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  tracker_.ResetVotes();
  const uint64_t last = log_.LastIndex();
  // Only what is durable locally counts as our own match.
  const uint64_t durable = std::min(last, log_.unstable().offset() - 1);
  for (auto& [id, pr] : tracker_.progress()) {
    pr = Progress(last + 1, tracker_.max_inflight(), pr.is_learner);
    if (id == config_.id) pr.match = durable;
  }
  pending_conf_index_ = 0;
  uncommitted_bytes_ = 0;
  read_only_.Reset();
  pending_reads_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      config_.election_tick + static_cast<int>(rng_.Uniform(config_.election_tick));
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  step_ = &Raft::StepFollower;
  Reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  CHECK(role_ != Role::kLeader) << "leader cannot become pre-candidate";
  // Pre-vote changes neither term nor vote: nothing to persist.
  step_ = &Raft::StepCandidate;
  tracker_.ResetVotes();
  lead_ = 0;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  CHECK(role_ != Role::kLeader) << "leader cannot become candidate";
  step_ = &Raft::StepCandidate;
  Reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  CHECK(role_ == Role::kCandidate) << "only a candidate becomes leader";
  step_ = &Raft::StepLeader;
  Reset(term_);
  lead_ = config_.id;
  role_ = Role::kLeader;
  if (Progress* self = tracker_.Get(config_.id)) self->BecomeReplicate();
  // Any conf change in the log may be unapplied: allow none until all are.
  pending_conf_index_ = log_.LastIndex();
  // 5.4.2 / thesis 3.6.2: commit an entry of our own term first; it also
  // commits every earlier entry and unblocks ReadIndex and conf changes.
  std::vector<Entry> noop(1);
  CHECK(AppendEntries(std::move(noop))) << "an empty entry is always accepted";
}

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Hup(false);
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_tick) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      // The leader is always in contact with itself, however slow its own
      // disk: its own append acks must not decide whether it steps down.
      if (Progress* self = tracker_.Get(config_.id)) self->recent_active = true;
      if (!tracker_.QuorumActive()) {
        BecomeFollower(term_, 0);  // cannot reach a quorum: stop serving
        return;
      }
      for (auto& [id, pr] : tracker_.progress()) pr.recent_active = (id == config_.id);
    }
    // A transfer that did not finish within an election timeout is abandoned.
    AbortLeaderTransfer();
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    BcastHeartbeat(read_only_.LastPendingContext());
  }
}

void Raft::Campaign() { Hup(false); }

bool Raft::HasUnappliedConfChanges() const {
  if (log_.applied() >= log_.committed()) return false;
  auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, UINT64_MAX, UINT64_MAX);
  if (!ents.ok()) return true;  // be conservative
  for (const Entry& e : *ents) {
    if (e.type() == ENTRY_CONF_CHANGE) return true;
  }
  return false;
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return log_.TermOrZero(log_.committed()) == term_;
}

void Raft::Hup(bool transfer) {
  if (role_ == Role::kLeader) return;
  if (!Promotable()) return;
  // Our membership may be stale until committed conf changes are applied.
  if (HasUnappliedConfChanges()) return;
  StartCampaign(config_.pre_vote && !transfer, transfer);
}

void Raft::StartCampaign(bool pre_vote, bool transfer) {
  uint64_t vote_term;
  MessageType type;
  if (pre_vote) {
    BecomePreCandidate();
    vote_term = term_ + 1;
    type = MSG_PRE_VOTE;
    tracker_.RecordVote(config_.id, true);  // nothing to persist for a pre-vote
    if (tracker_.TallyVotes() == VoteResult::kWon) {
      StartCampaign(false, transfer);
      return;
    }
  } else {
    BecomeCandidate();
    vote_term = term_;
    type = MSG_VOTE;
    // Our own vote counts only once term and vote are durable.
    Message self;
    self.set_type(MSG_VOTE_RESP);
    self.set_to(config_.id);
    self.set_term(term_);
    Send(std::move(self));
  }
  for (uint64_t id : tracker_.membership().voters) {
    if (id == config_.id) continue;
    Message m;
    m.set_type(type);
    m.set_to(id);
    m.set_term(vote_term);
    m.set_index(log_.LastIndex());
    m.set_log_term(log_.LastTerm());
    if (transfer) m.set_context(kCampaignTransfer);
    Send(std::move(m));
  }
}

Status Raft::Step(const Message& m) {
  if (m.term() == 0) {
    // Local message: no term rules.
  } else if (m.term() > term_) {
    const bool vote_req = m.type() == MSG_VOTE || m.type() == MSG_PRE_VOTE;
    if (vote_req) {
      const bool force = m.context() == kCampaignTransfer;
      const bool in_lease =
          config_.check_quorum && lead_ != 0 && election_elapsed_ < config_.election_tick;
      // Thesis 4.2.3: a server that heard from a live leader within the
      // minimum election timeout ignores vote requests.
      if (!force && in_lease) return Status::Ok();
    }
    if (m.type() == MSG_PRE_VOTE || (m.type() == MSG_PRE_VOTE_RESP && !m.reject())) {
      // Pre-votes carry a future term that nobody adopts.
    } else if (m.type() == MSG_APP || m.type() == MSG_HEARTBEAT || m.type() == MSG_SNAP) {
      BecomeFollower(m.term(), m.from());
    } else {
      BecomeFollower(m.term(), 0);
    }
  } else if (m.term() < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type() == MSG_HEARTBEAT || m.type() == MSG_APP)) {
      // A stale leader that would otherwise never learn the new term (its
      // pre-votes are refused): answering with our term deposes it.
      Message resp;
      resp.set_type(MSG_APP_RESP);
      resp.set_to(m.from());
      Send(std::move(resp));
    } else if (m.type() == MSG_PRE_VOTE) {
      Message resp;
      resp.set_type(MSG_PRE_VOTE_RESP);
      resp.set_to(m.from());
      resp.set_term(term_);
      resp.set_reject(true);
      Send(std::move(resp));
    }
    return Status::Ok();
  }
  if (m.type() == MSG_VOTE || m.type() == MSG_PRE_VOTE) {
    HandleVoteRequest(m);
    return Status::Ok();
  }
  return (this->*step_)(m);
}

void Raft::HandleVoteRequest(const Message& m) {
  const bool pre = m.type() == MSG_PRE_VOTE;
  // 5.2: one vote per term (a repeated request from our choice is re-granted);
  // a pre-vote for a future term may be granted regardless.
  const bool can_vote = vote_ == m.from() || (vote_ == 0 && lead_ == 0) || (pre && m.term() > term_);
  Message resp;
  resp.set_type(pre ? MSG_PRE_VOTE_RESP : MSG_VOTE_RESP);
  resp.set_to(m.from());
  // 5.4.1: only for a candidate whose log is at least as up-to-date as ours.
  if (can_vote && log_.IsUpToDate(m.index(), m.log_term())) {
    resp.set_term(m.term());
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    resp.set_term(term_);
    resp.set_reject(true);
  }
  Send(std::move(resp));
}

void Raft::OnPersisted(bool has_entries, uint64_t last_index, uint64_t last_term,
                       uint64_t snapshot_index, const std::vector<Message>& self_msgs) {
  if (snapshot_index != 0) log_.unstable().StableSnapTo(snapshot_index);
  if (has_entries) log_.unstable().StableTo(last_index, last_term);
  for (const Message& m : self_msgs) {
    Status s = Step(m);
    CHECK(s.ok()) << s.ToString();
  }
}

void Raft::ReduceUncommittedSize(const std::vector<Entry>& committed) {
  if (role_ != Role::kLeader) return;
  uint64_t bytes = 0;
  for (const Entry& e : committed) bytes += e.data().size();
  uncommitted_bytes_ = bytes > uncommitted_bytes_ ? 0 : uncommitted_bytes_ - bytes;
}

}  // namespace arbor::raft
