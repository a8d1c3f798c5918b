#include "server/net/request_pipeline.h"

#include <utility>

namespace arbor::net {

RequestPipeline::RequestPipeline(size_t max_outstanding, Callbacks callbacks)
    : max_outstanding_(max_outstanding), cb_(std::move(callbacks)) {}

bool RequestPipeline::Add(proto::Request request, Kind kind) {
  if (full()) return false;
  uint64_t seq = next_seq_++;
  slots_.push_back(Slot{seq, kind, std::move(request), std::nullopt});
  if (kind == Kind::kAsync) {
    ++async_pending_;
    // start_async may complete synchronously (e.g. an immediate error): the
    // slot is already queued, so Complete() finds it; draining is held off
    // until it returns, so the request it was handed stays alive.
    bool was_draining = draining_;
    draining_ = true;
    cb_.start_async(seq, slots_.back().request);
    draining_ = was_draining;
  }
  Drain();
  return true;
}

bool RequestPipeline::AddAnswered(proto::Response response) {
  if (full()) return false;
  proto::Request placeholder;
  placeholder.set_xid(response.xid());
  slots_.push_back(Slot{next_seq_++, Kind::kLocal, std::move(placeholder), std::move(response)});
  Drain();
  return true;
}

void RequestPipeline::Complete(uint64_t seq, proto::Response response) {
  for (auto& slot : slots_) {
    if (slot.seq != seq) continue;
    if (slot.kind != Kind::kAsync || slot.response) return;  // duplicate completion
    slot.response = std::move(response);
    --async_pending_;
    Drain();
    return;
  }
}

void RequestPipeline::Drain() {
  if (draining_) return;  // emit/run_local re-entered us; the outer loop continues
  draining_ = true;
  while (!slots_.empty()) {
    Slot& front = slots_.front();
    if (!front.response) {
      if (front.kind == Kind::kAsync) break;  // wait for it
      front.response = cb_.run_local(front.request);
    }
    proto::Response out = std::move(*front.response);
    slots_.pop_front();
    cb_.emit(std::move(out));
  }
  draining_ = false;
}

void RequestPipeline::FailAll(proto::ErrorCode error) {
  for (auto& slot : slots_) {
    if (slot.response) continue;
    proto::Response r;
    r.set_xid(slot.request.xid());
    r.set_error(error);
    if (slot.kind == Kind::kAsync) --async_pending_;
    slot.response = std::move(r);
  }
  Drain();
}

}  // namespace arbor::net
