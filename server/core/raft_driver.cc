#include "server/core/raft_driver.h"

#include <glog/logging.h>

#include <limits>
#include <utility>

namespace arbor::core {

namespace {
constexpr uint64_t kNotSubmitted = std::numeric_limits<uint64_t>::max();
}  // namespace

RaftDriver::RaftDriver(uv_loop_t* loop, RaftDriverOptions options, storage::LogStore* log,
                       storage::SnapshotStore* snapshots, SendFn send, Applier* applier)
    : loop_(loop),
      options_(std::move(options)),
      log_(log),
      snapshots_(snapshots),
      send_(std::move(send)),
      applier_(applier) {}

RaftDriver::~RaftDriver() { CHECK(!started_ || stopped_) << "RaftDriver destroyed without Stop()"; }

Status RaftDriver::Start() {
  options_.raft.storage = log_;
  auto node = raft::RawNode::Create(options_.raft);
  if (!node.ok()) return node.status();
  node_ = std::move(node).value();
  applied_ = options_.raft.applied;

  uv_async_init(loop_, &storage_async_, &RaftDriver::OnStorageDone);
  storage_async_.data = this;
  completions_ = std::make_unique<storage::CompletionQueue>([this] { uv_async_send(&storage_async_); });
  storage_thread_ = std::make_unique<storage::StorageThread>(
      log_, snapshots_, [this](const std::vector<storage::Completion>& done) { completions_->Push(done); });
  storage_thread_->Start();

  uv_timer_init(loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_start(&tick_timer_, &RaftDriver::OnTick, options_.tick_ms, options_.tick_ms);
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  started_ = true;
  Kick();
  return Status::Ok();
}

void RaftDriver::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  uv_timer_stop(&tick_timer_);
  uv_idle_stop(&idle_);
  storage_thread_->Stop();  // everything queued is durable after this
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&storage_async_), nullptr);
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

void RaftDriver::OnTick(uv_timer_t* t) {
  auto* self = static_cast<RaftDriver*>(t->data);
  self->node_->Tick();
  self->Kick();
}

void RaftDriver::Kick() {
  if (stopped_ || idle_active_) return;
  idle_active_ = true;
  uv_idle_start(&idle_, &RaftDriver::OnIdle);
}

void RaftDriver::OnIdle(uv_idle_t* h) {
  auto* self = static_cast<RaftDriver*>(h->data);
  self->idle_active_ = false;
  uv_idle_stop(&self->idle_);
  // Bounded work per loop iteration, so client I/O is not starved.
  for (int i = 0; i < 16 && !self->stopped_ && self->node_->HasReady(); ++i) self->HandleReady();
  if (!self->stopped_ && self->node_->HasReady()) self->Kick();
}

void RaftDriver::HandleReady() {
  raft::Ready rd = node_->GetReady();
  if (rd.soft_state) applier_->OnSoftState(*rd.soft_state);
  // 1. Start the write: the snapshot install first, then entries + hard state.
  PendingPersist p{0, rd.persist_id, std::move(rd.messages_after_persist)};
  if (rd.snapshot) {
    Result<uint64_t> seq = storage_thread_->SubmitSnapshotInstalled(*rd.snapshot);
    CHECK(seq.ok()) << "storage refused to install snapshot " << rd.snapshot->index() << ": "
                    << seq.status().ToString();
    p.storage_seq = *seq;
  }
  if (rd.hard_state || !rd.entries.empty()) {
    storage::WriteBatch batch;
    batch.hard_state = rd.hard_state;
    batch.entries = std::move(rd.entries);
    Result<uint64_t> seq = storage_thread_->Submit(std::move(batch));
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
  }
  for (const raft::Entry& e : rd.committed_entries) {
    if (e.type() == raft::ENTRY_CONF_CHANGE) {
      raft::ConfChange cc;
      if (!cc.ParseFromString(e.data())) LOG(FATAL) << "undecodable conf change at index " << e.index();
      raft::ConfState cs = node_->ApplyConfChange(cc);
      storage::WriteBatch batch;
      batch.conf_state = cs;
      CHECK(storage_thread_->Submit(std::move(batch)).ok());
    } else {
      applier_->ApplyEntry(e);
    }
    applied_ = e.index();
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

void RaftDriver::OnStorageDone(uv_async_t* a) {
  auto* self = static_cast<RaftDriver*>(a->data);
  // Every operation of the storage thread completes in submission order, so
  // the highest completed seq covers all before it.
  for (const storage::Completion& c : self->completions_->Drain()) {
    CHECK(c.status.ok() || c.kind == storage::Completion::Kind::kSnapshotRecorded)
        << "storage operation " << c.seq << " failed: " << c.status.ToString();
    if (!c.status.ok()) LOG(ERROR) << "snapshot not recorded: " << c.status.ToString();
    if (c.seq > self->durable_seq_) self->durable_seq_ = c.seq;
  }
  if (self->stopped_) return;
  self->ResolvePersisted();
  self->Kick();
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
