#include "server/storage/snapshot_saver.h"

namespace arbor::storage {

SnapshotSaver::~SnapshotSaver() {
  if (thread_.joinable()) thread_.join();
}

Status SnapshotSaver::Start(const raft::SnapshotMetadata& meta, Producer produce, DoneFn done) {
  if (running()) return Status::Busy("a snapshot is already being written");
  if (thread_.joinable()) thread_.join();  // the previous save finished; reap its thread
  running_.store(true, std::memory_order_release);
  thread_ = std::thread([this, meta, produce = std::move(produce), done = std::move(done)] {
    uint64_t seq = 0;
    Status s;
    Result<std::unique_ptr<SnapshotFileWriter>> w = snapshots_->BeginWrite(meta);
    if (!w.ok()) s = w.status();
    if (s.ok()) s = produce(w->get());
    if (s.ok()) s = (*w)->Commit();
    if (w.ok()) w.value().reset();  // an uncommitted file is gone before `done` runs
    if (s.ok()) {
      Result<uint64_t> r = storage_->SubmitSnapshotSaved(meta);
      if (r.ok()) seq = *r; else s = r.status();
    }
    running_.store(false, std::memory_order_release);
    if (done) done(s, seq);
  });
  return Status::Ok();
}

}  // namespace arbor::storage
