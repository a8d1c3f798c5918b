#include "common/zk_wire/frame.h"

#include "common/frame.h"

namespace arbor::zk_wire {

Status FrameDecoder::Feed(std::string_view bytes, std::vector<std::string>* frames) {
  if (!error_.ok()) return error_;
  pending_.append(bytes.data(), bytes.size());
  std::string_view rest(pending_);
  size_t used = 0;
  while (true) {
    std::string_view payload;
    size_t consumed = 0;
    Status s = PeekFrame(rest.substr(used), max_frame_bytes_, &payload, &consumed);
    if (!s.ok()) {
      error_ = Status::InvalidArgument("zk: " + s.message() + "; the limit is jute.maxbuffer");
      pending_.clear();
      return error_;
    }
    if (consumed == 0) break;  // incomplete: wait for more bytes
    frames->emplace_back(payload);
    used += consumed;
  }
  pending_.erase(0, used);
  return Status::Ok();
}

}  // namespace arbor::zk_wire
