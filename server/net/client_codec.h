// The seam between bytes and Arbor's one request model.
//
// A ClientCodec turns one connection's bytes into ConnectRequest / Request
// and encodes ConnectResponse / Response / WatchEvent back. There is one
// codec object per connection (codecs may keep per-connection state, e.g.
// ZooKeeper's handshake form or which opcode each xid used). Nothing past a
// codec knows which protocol a client speaks.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::net {

struct Decoded {
  enum class Kind { kNeedMore, kConnect, kRequest, kAnswered, kRaw };
  Kind kind = Kind::kNeedMore;
  proto::ConnectRequest connect;
  proto::Request request;
  // kAnswered: the codec refused a request itself (a malformed body, an
  // operation it does not serve); this error reply takes the request's place
  // in the pipeline, so it leaves in request order like every other reply
  // (one FIFO per connection) and EncodeResponse encodes it.
  proto::Response answer;
  // kRaw: an answer the codec produced itself (e.g. a four-letter word or an
  // error for an unsupported opcode), to be written as is; close_after asks
  // the connection to close once it is written.
  std::string raw;
  bool close_after = false;
};

class ClientCodec {
 public:
  virtual ~ClientCodec() = default;
  virtual const char* name() const = 0;
  // Consumes at most one message from the front of *input. A non-OK status
  // means the stream is unusable (the connection is closed, logged once).
  virtual Status Decode(std::string* input, Decoded* out) = 0;
  virtual void EncodeConnect(const proto::ConnectResponse& response, std::string* out) = 0;
  virtual void EncodeResponse(const proto::Response& response, std::string* out) = 0;
  virtual void EncodeEvent(const proto::WatchEvent& event, std::string* out) = 0;
};

// Arbor's native protocol: 4-byte length + ClientFrame / ServerFrame.
std::unique_ptr<ClientCodec> NewNativeCodec(size_t max_frame_bytes);

}  // namespace arbor::net
