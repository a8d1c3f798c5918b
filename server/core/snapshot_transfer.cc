#include "server/core/snapshot_transfer.h"

#include <algorithm>

namespace arbor::core {

Result<std::unique_ptr<SnapshotSender>> SnapshotSender::Open(ReplicaDisk* disk, const raft::Message& message) {
  auto reader = disk->OpenSnapshot(message.snapshot());
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<SnapshotSender>(new SnapshotSender(std::move(reader).value(), message));
}

Result<bool> SnapshotSender::Next(proto::PeerFrame* frame) {
  frame->Clear();
  if (message_sent_) return false;
  uint64_t total = reader_->body_bytes();
  if (offset_ < total || (offset_ == 0 && total == 0)) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, total - offset_));
    auto* chunk = frame->mutable_snapshot_chunk();
    *chunk->mutable_metadata() = message_.snapshot();
    chunk->set_offset(offset_);
    ARBOR_RETURN_IF_ERROR(reader_->ReadExactly(n, chunk->mutable_data()));
    offset_ += n;
    chunk->set_last(offset_ == total);
    if (total == 0) offset_ = 1;  // an empty body still sends one (last) chunk
    return true;
  }
  *frame->mutable_raft() = message_;
  message_sent_ = true;
  return true;
}

Status SnapshotReceiver::OnChunk(uint64_t from, const proto::SnapshotChunk& chunk) {
  if (chunk.offset() == 0) {
    writer_.reset();  // an unfinished earlier transfer: its temp file goes
    auto w = disk_->CreateSnapshot(chunk.metadata());
    if (!w.ok()) return w.status();
    writer_ = std::move(w).value();
    from_ = from;
    next_offset_ = 0;
    meta_ = chunk.metadata();
  }
  if (writer_ == nullptr || from != from_ || chunk.offset() != next_offset_ ||
      chunk.metadata().index() != meta_.index()) {
    writer_.reset();
    return Status::InvalidArgument("snapshot chunk out of sequence (offset " + std::to_string(chunk.offset()) +
                                   ", expected " + std::to_string(next_offset_) + ")");
  }
  ARBOR_RETURN_IF_ERROR(writer_->Append(chunk.data()));
  next_offset_ += chunk.data().size();
  if (!chunk.last()) return Status::Ok();
  Status s = writer_->Commit();
  if (s.ok()) {
    complete_ = true;
    complete_index_ = meta_.index();
    complete_term_ = meta_.term();
  }
  writer_.reset();
  return s;
}

}  // namespace arbor::core
