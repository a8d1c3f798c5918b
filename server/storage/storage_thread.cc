#include "server/storage/storage_thread.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include <chrono>
#include <fstream>
#include <thread>

// Slow-disk failpoint for the fault suite (test/fault, docs/RELIABILITY.md):
// every group commit sleeps this long before its LMDB write + fsync, so the
// server acknowledges nothing faster than a slow disk would let it.
DEFINE_int32(failpoint_sync_delay_ms, 0, "test only: sleep this long before every log commit (slow disk)");
DEFINE_string(failpoint_sync_delay_file, "",
              "test only: a file holding a number of milliseconds, re-read at most every 100 ms, that "
              "overrides --failpoint_sync_delay_ms while it exists, so a harness can slow the disk live");

namespace arbor::storage {

namespace {

// The delay in force now. The file is re-read at most every 100 ms so a
// busy log does not stat it per commit; a missing or unreadable file means
// the flag's value.
int SyncDelayMs() {
  if (FLAGS_failpoint_sync_delay_file.empty()) return FLAGS_failpoint_sync_delay_ms;
  static auto last_read = std::chrono::steady_clock::time_point{};
  static int cached = 0;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_read >= std::chrono::milliseconds(100)) {
    last_read = now;
    std::ifstream in(FLAGS_failpoint_sync_delay_file);
    int ms = 0;
    cached = (in >> ms) ? ms : FLAGS_failpoint_sync_delay_ms;
  }
  return cached;
}

}  // namespace

void CompletionQueue::Push(const std::vector<Completion>& done) {
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_.insert(pending_.end(), done.begin(), done.end());
  }
  if (notify_) notify_();
}

std::vector<Completion> CompletionQueue::Drain() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Completion> out;
  out.swap(pending_);
  return out;
}

StorageThread::StorageThread(LogStore* log, SnapshotStore* snapshots, CompletionFn on_complete)
    : log_(log), snapshots_(snapshots), on_complete_(std::move(on_complete)) {}

StorageThread::~StorageThread() { Stop(); }

void StorageThread::Start() {
  CHECK(!thread_.joinable()) << "StorageThread started twice";
  thread_ = std::thread([this] { Run(); });
}

void StorageThread::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<uint64_t> StorageThread::Submit(WriteBatch batch) {
  const StorageOptions& o = log_->options();
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    const raft::Entry& e = batch.entries[i];
    if (e.data().size() > o.max_entry_bytes) {
      return Status::InvalidArgument("entry " + std::to_string(e.index()) + " has " + std::to_string(e.data().size()) +
                                     " bytes, more than --storage_max_entry_bytes=" +
                                     std::to_string(o.max_entry_bytes));
    }
    if (i > 0 && e.index() != batch.entries[i - 1].index() + 1) {
      return Status::InvalidArgument("entries not consecutive at index " + std::to_string(e.index()));
    }
  }
  Op op{Completion::Kind::kWrite, 0, std::move(batch), {}};
  return Enqueue(std::move(op), /*bounded=*/true);
}

Result<uint64_t> StorageThread::SubmitSnapshotSaved(const raft::SnapshotMetadata& meta) {
  return Enqueue(Op{Completion::Kind::kSnapshotRecorded, 0, {}, meta}, /*bounded=*/false);
}

Result<uint64_t> StorageThread::SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) {
  return Enqueue(Op{Completion::Kind::kSnapshotInstalled, 0, {}, meta}, /*bounded=*/false);
}

// Snapshot operations are rare and one at a time, so they skip the bound
// rather than make a finished snapshot wait for room.
Result<uint64_t> StorageThread::Enqueue(Op op, bool bounded) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return Status::Unavailable("storage thread stopped");
    if (bounded && queue_.size() >= log_->options().queue_batches_max) {
      return Status::Busy("storage queue full (" + std::to_string(queue_.size()) +
                          " batches waiting for the disk); retry after completions arrive");
    }
    seq = next_seq_++;
    op.seq = seq;
    queue_.push_back(std::move(op));
  }
  cv_.notify_one();
  return seq;
}

bool StorageThread::QueueFull() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() >= log_->options().queue_batches_max;
}

uint64_t StorageThread::groups_committed() const {
  std::lock_guard<std::mutex> l(mu_);
  return groups_;
}

uint64_t StorageThread::batches_committed() const {
  std::lock_guard<std::mutex> l(mu_);
  return batches_;
}

// Takes either a run of write batches (up to group_bytes_max, at least one)
// or a single snapshot operation. False once stopped with nothing queued.
bool StorageThread::TakeGroup(std::vector<Op>* group) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return stop_ || !queue_.empty() || compact_target_ > log_->base().index; });
  if (queue_.empty()) return !stop_;
  if (queue_.front().kind != Completion::Kind::kWrite) {
    group->push_back(std::move(queue_.front()));
    queue_.pop_front();
    return true;
  }
  uint64_t bytes = 0;
  while (!queue_.empty() && queue_.front().kind == Completion::Kind::kWrite) {
    uint64_t b = queue_.front().batch.ByteSize();
    if (!group->empty() && bytes + b > log_->options().group_bytes_max) break;
    bytes += b;
    group->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return true;
}

void StorageThread::Run() {
  std::vector<Op> group;
  std::vector<Completion> done;
  while (true) {
    group.clear();
    done.clear();
    if (!TakeGroup(&group)) break;
    if (!group.empty() && group.front().kind == Completion::Kind::kWrite) {
      CommitWrites(&group, &done);
    } else if (!group.empty()) {
      ApplySnapshotOp(group.front(), &done);
    }
    if (!done.empty() && on_complete_) on_complete_(done);
    CompactOneChunk();
  }
}

void StorageThread::CommitWrites(std::vector<Op>* group, std::vector<Completion>* done) {
  std::vector<const WriteBatch*> batches;
  batches.reserve(group->size());
  for (const Op& op : *group) batches.push_back(&op.batch);
  if (const int delay_ms = SyncDelayMs(); delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
  const auto write_start = std::chrono::steady_clock::now();
  Status s = log_->Write(batches);
  if (!s.ok()) {
    // Never retry: after a failed commit or fsync the kernel may have
    // dropped the dirty pages, so a retry could report lost data durable.
    LOG(FATAL) << "storage: writing " << group->size() << " batches to " << log_->data_file()
               << " failed: " << s.ToString() << ". Exiting; the log on disk is intact up to the last "
               << "acknowledged write (fix the disk or --storage_map_size_mb, then restart).";
  }
  const uint64_t last = log_->LastIndex();
  Result<uint64_t> term = log_->Term(last);
  CHECK(term.ok()) << term.status().ToString();
  for (const Op& op : *group) done->push_back(Completion{Completion::Kind::kWrite, op.seq, last, *term, {}});
  if (group_observer_) {
    uint64_t entries = 0;
    uint64_t bytes = 0;
    for (const Op& op : *group) {
      entries += op.batch.entries.size();
      bytes += op.batch.ByteSize();
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - write_start);
    group_observer_(static_cast<uint64_t>(us.count()), group->size(), entries, bytes);
  }
  std::lock_guard<std::mutex> l(mu_);
  ++groups_;
  batches_ += group->size();
}

void StorageThread::ApplySnapshotOp(const Op& op, std::vector<Completion>* done) {
  Status s;
  const bool install = op.kind == Completion::Kind::kSnapshotInstalled;
  if (install) {
    s = log_->InstallSnapshot(op.snapshot);
    if (s.ok()) compact_target_ = 0;
  } else if (op.snapshot.index() > log_->Snapshot().index()) {
    s = log_->RecordSnapshot(op.snapshot);
    const uint64_t margin = log_->options().compact_margin_entries;
    if (s.ok() && op.snapshot.index() > margin) compact_target_ = op.snapshot.index() - margin;
  }
  if (!s.ok() && s.code() != Status::Code::kInvalidArgument) {
    LOG(FATAL) << "storage: recording snapshot " << op.snapshot.index() << " in " << log_->data_file()
               << " failed: " << s.ToString() << ". Exiting.";
  }
  if (s.ok() && snapshots_ != nullptr) {
    Status p = snapshots_->Prune(log_->options().snapshots_keep, log_->Snapshot().index());
    if (!p.ok()) LOG(WARNING) << "storage: pruning old snapshots: " << p.ToString();
  }
  const uint64_t last = log_->LastIndex();
  Result<uint64_t> term = log_->Term(last);
  CHECK(term.ok()) << term.status().ToString();
  done->push_back(Completion{op.kind, op.seq, last, *term, s});
}

void StorageThread::CompactOneChunk() {
  if (compact_target_ <= log_->base().index) return;
  bool more = false;
  Status s = log_->CompactChunk(compact_target_, log_->options().compact_chunk_entries, &more);
  if (!s.ok()) {
    LOG(FATAL) << "storage: compacting " << log_->data_file() << " failed: " << s.ToString() << ". Exiting.";
  }
  if (!more) compact_target_ = 0;  // done, or capped by the commit index / snapshot
}

}  // namespace arbor::storage
