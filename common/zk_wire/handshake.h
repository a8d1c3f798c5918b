// The session handshake: the first frame a ZooKeeper client sends is a bare
// ConnectRequest (no RequestHeader), answered by a bare ConnectResponse.
//
//   ConnectRequest  {int protocolVersion; long lastZxidSeen; int timeOut;
//                    long sessionId; buffer passwd} [bool readOnly]
//   ConnectResponse {int protocolVersion; int timeOut; long sessionId;
//                    buffer passwd} [bool readOnly]
//
// Clients since 3.4 append the readOnly byte after the record (3.9's jute
// has it as a field; the bytes are the same); older clients do not. A server
// answers in the form it was asked: with the byte only if the client sent
// one. The C client reads the response into a fixed 40- or 41-byte buffer
// (primer_storage_buffer, length prefix included): a 36-byte payload without
// the byte, 37 with it, so the password is always 16 bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::zk_wire {

inline constexpr size_t kSessionPasswordBytes = 16;
// ConnectResponse payload without the readOnly byte: int + int + long +
// (int length + 16 bytes). The frame is 4 bytes longer.
inline constexpr size_t kConnectResponseBytes = 36;

struct ZkConnectRequest {
  proto::ConnectRequest request;
  // The client appended the readOnly byte; answer with one too.
  bool has_read_only_byte = false;
};

struct ZkConnectResponse {
  proto::ConnectResponse response;
  bool has_read_only_byte = false;
};

// Server side. `payload` is the first frame without its length prefix.
// Fails on truncation, a malformed length, or trailing bytes beyond the one
// optional readOnly byte.
Result<ZkConnectRequest> DecodeConnectRequest(std::string_view payload);

// Appends a length-prefixed ConnectResponse to *out. `with_read_only_byte`
// should be the request's has_read_only_byte. The password must be exactly
// 16 bytes, or empty for a refused session (written as 16 zero bytes, as
// ZooKeeper does); any other size is InvalidArgument, since clients would
// misparse it. response.error has no place on the wire: to refuse a session
// send timeout 0, session 0 and an empty password, then close.
Status EncodeConnectResponse(const proto::ConnectResponse& response, bool with_read_only_byte,
                             std::string* out);

// Client side (tests, arbor-bench): the inverse pair. The request password
// follows the same 16-or-empty rule (a new session sends 16 zero bytes).
Status EncodeConnectRequest(const proto::ConnectRequest& request, bool with_read_only_byte,
                            std::string* out);
Result<ZkConnectResponse> DecodeConnectResponse(std::string_view payload);

}  // namespace arbor::zk_wire
