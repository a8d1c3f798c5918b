#include "server/core/raft_driver.h"

#include <glog/logging.h>

#include <utility>

namespace arbor::core {

RaftDriver::RaftDriver(RaftDriverOptions options, ReplicaDisk* disk, SendFn send, Applier* applier, Waker* waker)
    : options_(std::move(options)), disk_(disk), send_(std::move(send)), applier_(applier), waker_(waker) {}

RaftDriver::~RaftDriver() { CHECK(!started_ || stopped_) << "RaftDriver destroyed without Stop()"; }

Status RaftDriver::Start() {
  options_.raft.storage = disk_->log();
  auto node = raft::RawNode::Create(options_.raft);
  if (!node.ok()) return node.status();
  node_ = std::move(node).value();
  applied_ = options_.raft.applied;
  last_term_ = node_->term();
  disk_->Start([this](const std::vector<storage::Completion>& done) { OnDiskDone(done); });
  started_ = true;
  Kick();
  return Status::Ok();
}

void RaftDriver::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  disk_->Stop();  // everything queued is durable after this
}

Status RaftDriver::Propose(std::string data) {
  Status s = node_->Propose(std::move(data));
  if (s.ok()) Kick();
  return s;
}

Status RaftDriver::ReadIndex(std::string context) {
  Status s = node_->ReadIndex(std::move(context));
  if (s.ok()) Kick();
  return s;
}

Status RaftDriver::TransferLeadership(uint64_t to) {
  Status s = node_->TransferLeadership(to);
  Kick();
  return s;
}

void RaftDriver::Step(const raft::Message& m) {
  if (stopped_) return;
  Status s = node_->Step(m);
  if (!s.ok()) VLOG(1) << "raft step from " << m.from() << ": " << s.ToString();
  Kick();
}

void RaftDriver::Campaign() {
  node_->Campaign();
  Kick();
}

void RaftDriver::ReportSnapshot(uint64_t to, bool ok) {
  raft::Message m;
  m.set_type(raft::MSG_SNAP_STATUS);
  m.set_from(to);
  m.set_to(node_->id());
  m.set_reject(!ok);
  Step(m);
}

void RaftDriver::Tick() {
  if (stopped_) return;
  node_->Tick();
  Kick();
}

void RaftDriver::Kick() {
  if (!stopped_) waker_->Wake();
}

void RaftDriver::Poll() {
  // Bounded work per call, so client I/O is not starved.
  for (int i = 0; i < 16 && !stopped_ && node_->HasReady(); ++i) HandleReady();
  if (!stopped_ && node_->HasReady()) Kick();
}

void RaftDriver::HandleReady() {
  raft::Ready rd = node_->GetReady();
  if (rd.soft_state || node_->term() != last_term_) {
    last_term_ = node_->term();
    applier_->OnSoftState(raft::SoftState{node_->lead(), node_->role()}, node_->term());
  }
  // 1. Start the write: the snapshot install first, then entries + hard state.
  PendingPersist p{0, rd.persist_id, std::move(rd.messages_after_persist)};
  if (rd.snapshot) {
    Result<uint64_t> seq = disk_->SubmitSnapshotInstalled(*rd.snapshot);
    CHECK(seq.ok()) << "storage refused to install snapshot " << rd.snapshot->index() << ": "
                    << seq.status().ToString();
    p.storage_seq = *seq;
  }
  if (rd.hard_state || !rd.entries.empty()) {
    storage::WriteBatch batch;
    batch.hard_state = rd.hard_state;
    batch.entries = std::move(rd.entries);
    Result<uint64_t> seq = disk_->Submit(std::move(batch));
    // The queue bound is far above what Raft's own bounds can produce; being
    // over it means those bounds are misconfigured, and dropping a write
    // would break the persist-before-acknowledge rule.
    CHECK(seq.ok()) << "storage queue refused a Raft write: " << seq.status().ToString();
    p.storage_seq = *seq;
  }
  if (p.persist_id != 0 || !p.messages.empty()) pending_.push_back(std::move(p));

  // 2. Messages that need not wait for the write.
  SendAll(&rd.messages);

  // 3. Apply: the snapshot's state first, then the entries after it.
  if (rd.snapshot) {
    applier_->InstallSnapshot(*rd.snapshot);
    applied_ = rd.snapshot->index();
    applier_->AfterApply(applied_);
  }
  for (const raft::Entry& e : rd.committed_entries) {
    if (e.type() == raft::ENTRY_CONF_CHANGE) {
      raft::ConfChange cc;
      if (!cc.ParseFromString(e.data())) LOG(FATAL) << "undecodable conf change at index " << e.index();
      raft::ConfState cs = node_->ApplyConfChange(cc);
      storage::WriteBatch batch;
      batch.conf_state = cs;
      CHECK(disk_->Submit(std::move(batch)).ok());
    } else {
      applier_->ApplyEntry(e);
    }
    applied_ = e.index();
    applier_->AfterApply(applied_);
  }
  for (const raft::ReadState& rs : rd.read_states) applier_->OnReadState(rs);

  // 4.
  node_->Advance();
  // 5. Anything already durable (or with no write of its own) resolves now.
  ResolvePersisted();
}

void RaftDriver::SendAll(std::vector<raft::Message>* messages) {
  for (raft::Message& m : *messages) {
    if (m.to() == node_->id()) continue;  // the core handles self-messages internally
    if (m.type() == raft::MSG_SNAP) {
      applier_->SendSnapshot(m);  // the data goes first, out of band
      continue;
    }
    proto::PeerFrame f;
    *f.mutable_raft() = std::move(m);
    if (!send_(f.raft().to(), f) && f.raft().type() == raft::MSG_APP) {
      // Dropped (peer down or its queue full): stop pipelining to it and
      // probe again, as the core's contract asks.
      raft::Message u;
      u.set_type(raft::MSG_UNREACHABLE);
      u.set_from(f.raft().to());
      u.set_to(node_->id());
      (void)node_->Step(u);
    }
  }
}

void RaftDriver::OnDiskDone(const std::vector<storage::Completion>& done) {
  // Every operation completes in submission order, so the highest
  // completed seq covers all before it.
  for (const storage::Completion& c : done) {
    CHECK(c.status.ok() || c.kind == storage::Completion::Kind::kSnapshotRecorded)
        << "storage operation " << c.seq << " failed: " << c.status.ToString();
    if (!c.status.ok()) LOG(ERROR) << "snapshot not recorded: " << c.status.ToString();
    if (c.seq > durable_seq_) durable_seq_ = c.seq;
  }
  if (stopped_) return;
  ResolvePersisted();
  Kick();
}

void RaftDriver::ResolvePersisted() {
  while (!pending_.empty()) {
    PendingPersist& p = pending_.front();
    if (p.storage_seq != 0 && p.storage_seq > durable_seq_) break;
    SendAll(&p.messages);
    if (p.persist_id != 0) node_->OnPersisted(p.persist_id);
    pending_.pop_front();
  }
}

}  // namespace arbor::core
