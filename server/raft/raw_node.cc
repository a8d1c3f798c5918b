#include "server/raft/raw_node.h"

#include <glog/logging.h>

namespace arbor::raft {

namespace {
bool SameHardState(const HardState& a, const HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}
}  // namespace

RawNode::RawNode(std::unique_ptr<Raft> r) : raft_(std::move(r)) {
  prev_soft_ = SoftState{raft_->lead(), raft_->role()};
  prev_hard_ = raft_->hard_state();
}

Result<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  auto r = Raft::Create(config);
  if (!r.ok()) return r.status();
  return std::unique_ptr<RawNode>(new RawNode(std::move(r).value()));
}

Status RawNode::Step(const Message& m) {
  // Local-only types must not arrive from the network.
  if (m.term() != 0 && (m.type() == MSG_SNAP_STATUS || m.type() == MSG_UNREACHABLE)) {
    return Status::InvalidArgument("local message type received from a peer");
  }
  return raft_->Step(m);
}

bool RawNode::HasReady() const {
  if (awaiting_advance_) return false;
  const Raft& r = *raft_;
  if (SoftState{r.lead(), r.role()} != prev_soft_) return true;
  if (!SameHardState(r.hard_state(), prev_hard_)) return true;
  if (r.log().unstable().HasNextEntries() || r.log().unstable().NextSnapshot() != nullptr) return true;
  if (!r.msgs_.empty() || !r.msgs_after_persist_.empty() || !r.self_msgs_.empty()) return true;
  if (!r.read_states_.empty()) return true;
  return r.log().HasNextCommittedEntries();
}

Ready RawNode::GetReady() {
  CHECK(!awaiting_advance_) << "GetReady before the previous Ready was advanced";
  Raft& r = *raft_;
  Ready rd;
  SoftState soft{r.lead(), r.role()};
  if (soft != prev_soft_) rd.soft_state = prev_soft_ = soft;
  HardState hard = r.hard_state();
  if (!SameHardState(hard, prev_hard_)) rd.hard_state = prev_hard_ = hard;
  Unstable& u = r.log().unstable();
  rd.entries = u.NextEntries();
  if (const SnapshotMetadata* s = u.NextSnapshot()) rd.snapshot = *s;
  u.AcceptInProgress();
  rd.committed_entries = r.log().NextCommittedEntries();
  rd.messages.swap(r.msgs_);
  rd.messages_after_persist.swap(r.msgs_after_persist_);
  rd.read_states.swap(r.read_states_);

  applying_to_ = 0;
  if (rd.snapshot) applying_to_ = rd.snapshot->index();
  if (!rd.committed_entries.empty()) applying_to_ = rd.committed_entries.back().index();
  r.ReduceUncommittedSize(rd.committed_entries);

  if (rd.MustPersist() || !rd.messages_after_persist.empty() || !r.self_msgs_.empty()) {
    PendingWrite w;
    w.persist_id = rd.persist_id = next_persist_id_++;
    w.has_entries = !rd.entries.empty();
    w.last_index = w.has_entries ? rd.entries.back().index() : 0;
    w.last_term = w.has_entries ? rd.entries.back().term() : 0;
    w.snapshot_index = rd.snapshot ? rd.snapshot->index() : 0;
    w.self_msgs.swap(r.self_msgs_);
    pending_writes_.push_back(std::move(w));
  }
  awaiting_advance_ = true;
  return rd;
}

void RawNode::Advance() {
  CHECK(awaiting_advance_) << "Advance without GetReady";
  awaiting_advance_ = false;
  if (applying_to_ != 0) raft_->log().AppliedTo(applying_to_);
  applying_to_ = 0;
}

void RawNode::OnPersisted(uint64_t persist_id) {
  CHECK(!pending_writes_.empty()) << "OnPersisted(" << persist_id << ") with no write pending";
  PendingWrite& w = pending_writes_.front();
  CHECK_EQ(w.persist_id, persist_id) << "writes must be acknowledged in Ready order";
  CHECK(!awaiting_advance_ || persist_id + 1 < next_persist_id_)
      << "OnPersisted before the Ready was advanced";
  PendingWrite done = std::move(w);
  pending_writes_.pop_front();
  raft_->OnPersisted(done.has_entries, done.last_index, done.last_term, done.snapshot_index,
                     done.self_msgs);
}

}  // namespace arbor::raft
