#include "common/frame.h"

namespace arbor {

uint32_t ReadBigEndian32(const char* p) {
  auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(u[0]) << 24 | uint32_t(u[1]) << 16 | uint32_t(u[2]) << 8 | uint32_t(u[3]);
}

void AppendFrame(std::string_view payload, std::string* out) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  char header[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                    static_cast<char>(n)};
  out->append(header, 4);
  out->append(payload.data(), payload.size());
}

Status PeekFrame(std::string_view input, size_t max_frame_bytes, std::string_view* payload,
                 size_t* consumed) {
  *consumed = 0;
  if (input.size() < kFrameHeaderBytes) return Status::Ok();
  uint32_t n = ReadBigEndian32(input.data());
  if (static_cast<int32_t>(n) < 0 || n > max_frame_bytes) {
    return Status::InvalidArgument("frame length " + std::to_string(static_cast<int32_t>(n)) +
                                   " is outside 0.." + std::to_string(max_frame_bytes) +
                                   " bytes (raise the server's max frame flag if this is legitimate)");
  }
  if (input.size() - kFrameHeaderBytes < n) return Status::Ok();
  *payload = input.substr(kFrameHeaderBytes, n);
  *consumed = kFrameHeaderBytes + n;
  return Status::Ok();
}

}  // namespace arbor
