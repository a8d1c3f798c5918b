#include "test/sim/replica/sim_disk.h"

#include <glog/logging.h>

namespace arbor::sim {
namespace {

class StringBodyReader : public storage::SnapshotBodyReader {
 public:
  explicit StringBodyReader(std::shared_ptr<const std::string> body) : body_(std::move(body)) {}
  uint64_t body_bytes() const override { return body_->size(); }
  Status ReadExactly(size_t n, std::string* out) override {
    if (body_->size() - pos_ < n) return Status::Corruption("truncated snapshot body");
    out->assign(body_->data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  bool AtEnd() const override { return pos_ == body_->size(); }

 private:
  std::shared_ptr<const std::string> body_;
  size_t pos_ = 0;
};

class StringBodyWriter : public storage::SnapshotBodyWriter {
 public:
  StringBodyWriter(SimDisk* disk, raft::SnapshotMetadata meta) : disk_(disk), meta_(std::move(meta)) {}
  Status Append(std::string_view bytes) override {
    body_.append(bytes.data(), bytes.size());
    return Status::Ok();
  }
  Status Commit() override {
    disk_->StoreSnapshot(meta_, std::move(body_));
    return Status::Ok();
  }

 private:
  SimDisk* disk_;
  raft::SnapshotMetadata meta_;
  std::string body_;
};

}  // namespace

Status SimDisk::WriteNow(storage::WriteBatch batch) {
  MakeDurable(Op{storage::Completion::Kind::kWrite, 0, std::move(batch), {}});
  return Status::Ok();
}

void SimDisk::Start(CompletionFn on_done) {
  on_done_ = std::move(on_done);
  started_ = true;
}

void SimDisk::Stop() {
  // A clean stop makes everything queued durable, as StorageThread::Stop does.
  ++incarnation_;
  while (!queue_.empty()) {
    MakeDurable(queue_.front());
    queue_.pop_front();
  }
  sync_scheduled_ = false;
  saving_ = false;
  started_ = false;
  on_done_ = nullptr;
}

void SimDisk::Crash() {
  ++incarnation_;
  queue_.clear();
  sync_scheduled_ = false;
  saving_ = false;
  started_ = false;
  on_done_ = nullptr;
}

Result<uint64_t> SimDisk::Submit(storage::WriteBatch batch) {
  if (QueueFull()) return Status::Busy("storage queue full");
  uint64_t seq = next_seq_++;
  queue_.push_back(Op{storage::Completion::Kind::kWrite, seq, std::move(batch), {}});
  ScheduleSync();
  return seq;
}

Result<uint64_t> SimDisk::SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) {
  uint64_t seq = next_seq_++;
  queue_.push_back(Op{storage::Completion::Kind::kSnapshotInstalled, seq, {}, meta});
  ScheduleSync();
  return seq;
}

void SimDisk::ScheduleSync() {
  if (sync_scheduled_ || !started_) return;
  sync_scheduled_ = true;
  uint64_t inc = incarnation_;
  int64_t delay = sync_delay_ms_ != 0 ? sync_delay_ms_ : slow_ ? world_->Between(100, 600) : world_->Between(1, 8);
  world_->At(delay, [this, inc] {
    if (inc == incarnation_) Sync();
  });
}

void SimDisk::Sync() {
  sync_scheduled_ = false;
  ++syncs_;
  std::vector<storage::Completion> done;
  while (!queue_.empty()) {
    const Op& op = queue_.front();
    MakeDurable(op);
    storage::Completion c;
    c.kind = op.kind;
    c.seq = op.seq;
    c.last_index = log_.LastIndex();
    c.last_term = log_.Term(log_.LastIndex()).ok() ? *log_.Term(log_.LastIndex()) : 0;
    done.push_back(c);
    queue_.pop_front();
  }
  if (!done.empty() && on_done_) on_done_(done);
}

void SimDisk::MakeDurable(const Op& op) {
  switch (op.kind) {
    case storage::Completion::Kind::kWrite:
      if (!op.batch.entries.empty()) CHECK(log_.Append(op.batch.entries).ok());
      if (op.batch.hard_state) log_.SetHardState(*op.batch.hard_state);
      if (op.batch.conf_state) log_.SetConfState(*op.batch.conf_state);
      break;
    case storage::Completion::Kind::kSnapshotInstalled:
      if (log_.ApplySnapshot(op.meta).ok()) {
        log_.SetConfState(op.meta.conf_state());
        Record(op.meta);
      }
      break;
    case storage::Completion::Kind::kSnapshotRecorded:
      break;
  }
}

void SimDisk::Record(const raft::SnapshotMetadata& meta) {
  recorded_ = meta;
  // Keep only the recorded snapshot and anything newer (a received body
  // waiting for its MSG_SNAP).
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    it = it->first.first < meta.index() ? snapshots_.erase(it) : std::next(it);
  }
}

std::optional<raft::SnapshotMetadata> SimDisk::RecoveredSnapshot() const { return recorded_; }

Result<std::unique_ptr<storage::SnapshotBodyReader>> SimDisk::OpenSnapshot(const raft::SnapshotMetadata& meta) {
  auto it = snapshots_.find({meta.index(), meta.term()});
  if (it == snapshots_.end()) return Status::NotFound("no snapshot at " + std::to_string(meta.index()));
  return std::unique_ptr<storage::SnapshotBodyReader>(new StringBodyReader(it->second));
}

Result<std::unique_ptr<storage::SnapshotBodyWriter>> SimDisk::CreateSnapshot(const raft::SnapshotMetadata& meta) {
  return std::unique_ptr<storage::SnapshotBodyWriter>(new StringBodyWriter(this, meta));
}

void SimDisk::StoreSnapshot(const raft::SnapshotMetadata& meta, std::string body) {
  snapshots_[{meta.index(), meta.term()}] = std::make_shared<const std::string>(std::move(body));
}

Status SimDisk::SaveSnapshot(const raft::SnapshotMetadata& meta, std::shared_ptr<const std::string> image) {
  if (saving_) return Status::Busy("a snapshot is already being written");
  saving_ = true;
  uint64_t inc = incarnation_;
  world_->At(world_->Between(5, 50), [this, inc, meta, image] {
    if (inc != incarnation_) return;  // crashed while writing: the file never became final
    saving_ = false;
    if (meta.index() <= log_.Snapshot().index() || meta.index() > log_.LastIndex()) return;
    snapshots_[{meta.index(), meta.term()}] = image;
    CHECK(log_.CreateSnapshot(meta.index(), meta.conf_state()).ok());
    Record(meta);
    // Keep a margin of entries behind the snapshot, as the LMDB store does,
    // so a follower slightly behind still catches up from the log.
    uint64_t margin = 50;
    if (meta.index() > margin && meta.index() - margin >= log_.FirstIndex()) {
      CHECK(log_.Compact(meta.index() - margin).ok());
    }
  });
  return Status::Ok();
}

}  // namespace arbor::sim
