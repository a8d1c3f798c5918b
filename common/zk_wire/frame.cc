#include "common/zk_wire/frame.h"

#include "common/zk_wire/jute_writer.h"

namespace arbor::zk_wire {

Status FrameDecoder::Feed(std::string_view bytes, std::vector<std::string>* frames) {
  if (!error_.ok()) return error_;
  pending_.append(bytes.data(), bytes.size());
  size_t pos = 0;
  while (pending_.size() - pos >= 4) {
    const auto* p = reinterpret_cast<const uint8_t*>(pending_.data() + pos);
    const int32_t len = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                                             (uint32_t{p[2]} << 8) | uint32_t{p[3]});
    if (len < 0 || static_cast<uint32_t>(len) > max_frame_bytes_) {
      error_ = Status::InvalidArgument(
          "zk frame length " + std::to_string(len) +
          (len < 0 ? " is negative" : " exceeds the limit of " + std::to_string(max_frame_bytes_) +
                                          " bytes (jute.maxbuffer)"));
      pending_.clear();
      return error_;
    }
    if (pending_.size() - pos - 4 < static_cast<size_t>(len)) break;
    frames->emplace_back(pending_, pos + 4, static_cast<size_t>(len));
    pos += 4 + static_cast<size_t>(len);
  }
  pending_.erase(0, pos);
  return Status::Ok();
}

void AppendFrame(std::string_view payload, std::string* out) {
  FrameWriter frame(out);
  frame.writer().WriteRaw(payload);
  frame.Finish();
}

}  // namespace arbor::zk_wire
