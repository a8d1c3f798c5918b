#include "server/core/snapshot_keeper.h"

#include <glog/logging.h>

namespace arbor::core {

Result<std::unique_ptr<tree::StateMachine>> SnapshotKeeper::Load(const raft::SnapshotMetadata& meta) {
  auto reader = env_.disk->OpenSnapshot(meta);
  if (!reader.ok()) return reader.status();
  auto sm = tree::StateMachine::Load(reader->get(), tree_options_);
  if (!sm.ok()) {
    return Status::Corruption("snapshot at index " + std::to_string(meta.index()) + " does not load: " +
                              sm.status().ToString() + " (move it aside to fall back to an older one)");
  }
  return sm;
}

void SnapshotKeeper::MaybeTake(const tree::StateMachine& sm) {
  uint64_t applied = static_cast<uint64_t>(sm.last_applied_zxid());
  bool due = applied >= last_index_ + every_entries_ || (every_bytes_ != 0 && bytes_since_ >= every_bytes_);
  if (!due || applied <= last_index_ || env_.disk->saving_snapshot()) return;
  auto term = env_.disk->log()->Term(applied);
  if (!term.ok()) return;  // not durable locally yet; try on a later tick
  raft::SnapshotMetadata meta;
  meta.set_index(applied);
  meta.set_term(*term);
  raft::HardState hs;
  if (!env_.disk->log()->InitialState(&hs, meta.mutable_conf_state()).ok()) return;
  // A frozen copy taken on the loop (the tree keeps changing); the disk
  // writes it in the background.
  auto image = std::make_shared<std::string>();
  StringSink sink(image.get());
  Status s = sm.Save(&sink);
  if (!s.ok()) {
    LOG(ERROR) << "snapshot at " << applied << " failed to serialize: " << s.ToString();
    return;
  }
  last_index_ = applied;
  bytes_since_ = 0;
  s = env_.disk->SaveSnapshot(meta, std::move(image));
  if (!s.ok()) LOG(WARNING) << "snapshot not started: " << s.ToString();
}

void SnapshotKeeper::Send(RaftDriver* raft, const raft::Message& msg_snap) {
  uint64_t to = msg_snap.to();
  if (senders_.count(to) != 0) return;  // one transfer per follower at a time
  auto sender = SnapshotSender::Open(env_.disk, msg_snap);
  if (!sender.ok()) {
    LOG(WARNING) << "cannot send snapshot to " << to << ": " << sender.status().ToString();
    raft->ReportSnapshot(to, false);
    return;
  }
  LOG(INFO) << "sending snapshot at index " << msg_snap.snapshot().index() << " to server " << to;
  senders_[to] = std::move(sender).value();
  Pump(raft);
}

void SnapshotKeeper::Pump(RaftDriver* raft) {
  constexpr size_t kMaxQueued = 8 << 20;  // keep room for Raft traffic on the same connection
  for (auto it = senders_.begin(); it != senders_.end();) {
    SnapshotSender& s = *it->second;
    bool finished = false, failed = false;
    while (env_.peers->QueuedBytes(s.to()) < kMaxQueued) {
      proto::PeerFrame frame;
      auto more = s.Next(&frame);
      if (!more.ok()) {
        LOG(WARNING) << "snapshot to " << s.to() << " failed: " << more.status().ToString();
        failed = true;
        break;
      }
      if (!*more) {
        finished = true;
        break;
      }
      if (!env_.peers->Send(s.to(), frame)) {
        failed = true;  // not connected: the core will retry later
        break;
      }
    }
    if (finished || failed) {
      uint64_t to = s.to();
      it = senders_.erase(it);
      raft->ReportSnapshot(to, finished);
    } else {
      ++it;
    }
  }
}

Status SnapshotKeeper::OnChunk(uint64_t from, const proto::SnapshotChunk& chunk) {
  if (!receiver_) receiver_ = std::make_unique<SnapshotReceiver>(env_.disk);
  return receiver_->OnChunk(from, chunk);
}

}  // namespace arbor::core
