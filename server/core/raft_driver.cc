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
  // Everything queued is durable after this. Writes still held back were
  // never acknowledged to anyone (acks wait for durability): dropping them
  // is a crash's worth of loss, which Raft tolerates.
  disk_->Stop();
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
  if (rd.snapshot) p.storage_seq = SubmitSnapshot(*rd.snapshot, &p.deferred_id);
  if (rd.hard_state || !rd.entries.empty()) {
    storage::WriteBatch batch;
    batch.hard_state = rd.hard_state;
    batch.entries = std::move(rd.entries);
    p.storage_seq = SubmitWrite(std::move(batch), &p.deferred_id);
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
      uint64_t ignored_deferred = 0;
      SubmitWrite(std::move(batch), &ignored_deferred);
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

namespace {

// Appends `next` to `into` as one write: later entries replace earlier ones
// from their first index on (a follower's log truncation), later hard state
// and membership win.
void Merge(storage::WriteBatch* into, storage::WriteBatch next) {
  if (!next.entries.empty()) {
    uint64_t first = next.entries.front().index();
    while (!into->entries.empty() && into->entries.back().index() >= first) into->entries.pop_back();
    for (raft::Entry& e : next.entries) into->entries.push_back(std::move(e));
  }
  if (next.hard_state) into->hard_state = std::move(next.hard_state);
  if (next.conf_state) into->conf_state = std::move(next.conf_state);
}

}  // namespace

uint64_t RaftDriver::SubmitWrite(storage::WriteBatch batch, uint64_t* deferred_id) {
  // Only the loop submits, so a queue with room now still has it below.
  if (deferred_.empty() && !disk_->QueueFull()) {
    Result<uint64_t> seq = disk_->Submit(std::move(batch));
    // Anything but a full queue (a malformed batch) means the core broke
    // its own contract; dropping it would break persist-before-acknowledge.
    CHECK(seq.ok()) << "storage refused a Raft write: " << seq.status().ToString();
    return *seq;
  }
  if (deferred_.empty()) {
    ++deferred_writes_;
    LOG_EVERY_N(WARNING, 100) << "storage queue full (slow disk?): holding Raft writes back until it drains";
  }
  if (deferred_.empty() || !deferred_.back().batch) {
    deferred_.push_back(DeferredWrite{next_deferred_id_++, storage::WriteBatch{}, std::nullopt});
  }
  Merge(&*deferred_.back().batch, std::move(batch));
  *deferred_id = deferred_.back().id;
  return 0;
}

uint64_t RaftDriver::SubmitSnapshot(const raft::SnapshotMetadata& meta, uint64_t* deferred_id) {
  if (deferred_.empty() && !disk_->QueueFull()) {
    Result<uint64_t> seq = disk_->SubmitSnapshotInstalled(meta);
    CHECK(seq.ok()) << "storage refused to install snapshot " << meta.index() << ": " << seq.status().ToString();
    return *seq;
  }
  deferred_.push_back(DeferredWrite{next_deferred_id_++, std::nullopt, meta});
  *deferred_id = deferred_.back().id;
  return 0;
}

void RaftDriver::FlushDeferred() {
  while (!deferred_.empty() && !disk_->QueueFull()) {
    DeferredWrite& d = deferred_.front();
    Result<uint64_t> seq =
        d.batch ? disk_->Submit(std::move(*d.batch)) : disk_->SubmitSnapshotInstalled(*d.snapshot);
    CHECK(seq.ok()) << "storage refused a held-back write: " << seq.status().ToString();
    for (PendingPersist& p : pending_) {
      if (p.deferred_id == d.id) {
        p.deferred_id = 0;
        p.storage_seq = *seq;
      }
    }
    deferred_.pop_front();
  }
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
  FlushDeferred();
  ResolvePersisted();
  Kick();
}

void RaftDriver::ResolvePersisted() {
  while (!pending_.empty()) {
    PendingPersist& p = pending_.front();
    if (p.deferred_id != 0) break;  // not even handed to the disk yet
    if (p.storage_seq != 0 && p.storage_seq > durable_seq_) break;
    SendAll(&p.messages);
    if (p.persist_id != 0) node_->OnPersisted(p.persist_id);
    pending_.pop_front();
  }
}

}  // namespace arbor::core
