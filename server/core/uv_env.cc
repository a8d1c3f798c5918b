#include "server/core/uv_env.h"

#include <glog/logging.h>
#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "server/storage/snapshot_file.h"

namespace arbor::core {

int64_t UvClock::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SystemEntropy::Fill(size_t n, std::string* out) {
  out->assign(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out->data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    // getrandom on Linux >= 3.17 does not fail for small requests once the
    // pool is initialized; anything else means no safe passwords can be made.
    PCHECK(r > 0) << "getrandom";
    got += static_cast<size_t>(r);
  }
}

uint64_t SystemEntropy::Next64() {
  std::string b;
  Fill(sizeof(uint64_t), &b);
  uint64_t v;
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

// ---- UvPump ----------------------------------------------------------------

UvPump::UvPump(uv_loop_t* loop, int tick_ms, std::function<void()> tick, std::function<void()> poll)
    : loop_(loop), tick_ms_(tick_ms), tick_(std::move(tick)), poll_(std::move(poll)) {}

UvPump::~UvPump() { CHECK(!started_ || closed_) << "UvPump destroyed without Close()"; }

void UvPump::Start() {
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, &UvPump::OnTimer, static_cast<uint64_t>(tick_ms_), static_cast<uint64_t>(tick_ms_));
  started_ = true;
  if (woken_) uv_idle_start(&idle_, &UvPump::OnIdle);
}

void UvPump::Close() {
  if (!started_ || closed_) return;
  closed_ = true;
  uv_idle_stop(&idle_);
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void UvPump::Wake() {
  if (woken_ || closed_) return;
  woken_ = true;
  if (started_) uv_idle_start(&idle_, &UvPump::OnIdle);
}

void UvPump::OnIdle(uv_idle_t* h) {
  auto* self = static_cast<UvPump*>(h->data);
  self->woken_ = false;
  uv_idle_stop(&self->idle_);
  self->poll_();
}

void UvPump::OnTimer(uv_timer_t* t) { static_cast<UvPump*>(t->data)->tick_(); }

// ---- LmdbDisk --------------------------------------------------------------

LmdbDisk::LmdbDisk(uv_loop_t* loop, std::unique_ptr<storage::DataDir> dir, metrics::ServerMetrics* metrics)
    : loop_(loop), dir_(std::move(dir)), metrics_(metrics) {}

LmdbDisk::~LmdbDisk() { CHECK(!started_ || stopped_) << "LmdbDisk destroyed without Stop()"; }

Status LmdbDisk::WriteNow(storage::WriteBatch batch) {
  CHECK(!started_) << "WriteNow after Start";
  return dir_->log()->Write({&batch});
}

void LmdbDisk::Start(CompletionFn on_done) {
  on_done_ = std::move(on_done);
  uv_async_init(loop_, &async_, &LmdbDisk::OnAsync);
  async_.data = this;
  completions_ = std::make_unique<storage::CompletionQueue>([this] { uv_async_send(&async_); });
  thread_ = std::make_unique<storage::StorageThread>(
      dir_->log(), dir_->snapshots(), [this](const std::vector<storage::Completion>& done) { completions_->Push(done); });
  if (metrics_ != nullptr) {
    thread_->set_group_observer([m = metrics_](uint64_t us, uint64_t batches, uint64_t entries, uint64_t bytes) {
      m->GroupCommitted(us, batches, entries, bytes);
    });
  }
  thread_->Start();
  saver_ = std::make_unique<storage::SnapshotSaver>(dir_->snapshots(), thread_.get());
  started_ = true;
}

void LmdbDisk::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  saver_.reset();  // waits for a snapshot being written (it queues onto the thread)
  thread_->Stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void LmdbDisk::OnAsync(uv_async_t* a) {
  auto* self = static_cast<LmdbDisk*>(a->data);
  std::vector<storage::Completion> done = self->completions_->Drain();
  if (!done.empty() && self->on_done_) self->on_done_(done);
}

Result<uint64_t> LmdbDisk::Submit(storage::WriteBatch batch) { return thread_->Submit(std::move(batch)); }

Result<uint64_t> LmdbDisk::SubmitSnapshotInstalled(const raft::SnapshotMetadata& meta) {
  return thread_->SubmitSnapshotInstalled(meta);
}

std::optional<raft::SnapshotMetadata> LmdbDisk::RecoveredSnapshot() const {
  if (!dir_->recovered_snapshot()) return std::nullopt;
  return dir_->recovered_snapshot_metadata();
}

Result<std::unique_ptr<storage::SnapshotBodyReader>> LmdbDisk::OpenSnapshot(const raft::SnapshotMetadata& meta) {
  std::string path = dir_->snapshots()->dir() + "/" + storage::SnapshotFileName(meta.index(), meta.term());
  auto reader = storage::SnapshotFileReader::Open(path);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<storage::SnapshotBodyReader>(std::move(reader).value());
}

Result<std::unique_ptr<storage::SnapshotBodyWriter>> LmdbDisk::CreateSnapshot(const raft::SnapshotMetadata& meta) {
  auto w = dir_->snapshots()->BeginWrite(meta);
  if (!w.ok()) return w.status();
  return std::unique_ptr<storage::SnapshotBodyWriter>(std::move(w).value());
}

Status LmdbDisk::SaveSnapshot(const raft::SnapshotMetadata& meta, std::shared_ptr<const std::string> image) {
  uint64_t index = meta.index();
  auto start = std::chrono::steady_clock::now();
  return saver_->Start(
      meta, [image](ByteSink* out) { return out->Append(*image); },
      [index, start, image, m = metrics_](const Status& st, uint64_t) {
        // On the saver thread, its only writer of the snapshot metrics.
        if (m != nullptr) {
          auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
          m->SnapshotSaved(static_cast<uint64_t>(us.count()), image->size(), st.ok());
        }
        if (st.ok()) {
          LOG(INFO) << "snapshot at index " << index << " is durable";
        } else {
          LOG(ERROR) << "snapshot at index " << index << " failed: " << st.ToString();
        }
      });
}

}  // namespace arbor::core
