// arbor-bench's wire layer: pre-encoded request frames for both client
// protocols (Apache ZooKeeper's jute, through common/zk_wire, and Arbor's
// native protobuf frames) and an allocation-free look at replies.
//
// A Template is one complete request frame, encoded once at start-up by the
// real encoder (zk_wire::EncodeRequest or ClientFrame::SerializeToString)
// with placeholder values, plus the offsets of what changes per request: the
// xid and fixed-width decimal fields inside the paths. Issuing a request is a
// memcpy and a few byte patches, so the load generator spends its CPU on
// syscalls, not on encoding, and the server sees byte-for-byte what the
// encoder produces. xids stay in [kXidBase, kXidBase + kXidSpan): in the
// native protocol they are then always a 4-byte varint, so frames keep their
// length.
//
// Replies are looked at with PeekReplyHeader (ZooKeeper) or a protobuf wire
// scan (native) that reads only the xid, zxid, error and, where the bench
// needs it, the path (a create's answer, a watch event). Verification
// (--verify) decodes every reply fully with zk_wire::DecodeResponse or
// proto::ServerFrame instead; that allocates and is for smoke tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/zk_wire/request.h"
#include "proto/client.pb.h"

namespace arbor::bench {

enum class Protocol { kZooKeeper, kNative };

inline constexpr int32_t kXidBase = 1 << 21;
inline constexpr int32_t kXidSpan = (1 << 28) - (1 << 21);
inline constexpr int32_t kPingXid = -2;
inline constexpr int32_t kNotificationXid = -1;

// ZooKeeper's error codes (Arbor's proto::ErrorCode uses the same numbers).
inline constexpr int32_t kOk = 0;
inline constexpr int32_t kNoNode = -101;
inline constexpr int32_t kNodeExists = -110;
inline constexpr int32_t kNotEmpty = -111;
inline constexpr int32_t kBadVersion = -103;

// A decimal field of fixed width inside a frame.
struct Field {
  size_t offset = 0;
  int width = 0;
};

struct Template {
  std::string frame;  // length prefix included
  size_t xid_offset = 0;
  std::vector<Field> fields;  // in the order the placeholders were given
  zk_wire::ZkOpContext zk_context;  // for --verify
  int32_t zk_opcode = 0;

  size_t size() const { return frame.size(); }
};

// Writes `value` as `width` decimal digits at p (leading zeros; the value
// must fit).
inline void PutDigits(char* p, int width, uint64_t value) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Patches the xid of a frame copied from `t` (xid in the template range).
void PutXid(Protocol protocol, char* frame, const Template& t, int32_t xid);

// One reply, looked at without copying (views point into the payload or
// into the caller's scratch string).
struct Reply {
  enum class Kind { kResponse, kEvent, kPing, kConnect };
  Kind kind = Kind::kResponse;
  int32_t xid = 0;
  int64_t zxid = 0;
  int32_t err = 0;
  int32_t event_type = 0;  // kEvent: ZooKeeper's EventType (NodeDataChanged = 3)
  std::string_view path;   // a create's answer (when asked), or the event's path
};

class Wire {
 public:
  explicit Wire(Protocol protocol) : protocol_(protocol) {}
  Protocol protocol() const { return protocol_; }
  const char* name() const { return protocol_ == Protocol::kZooKeeper ? "zookeeper" : "native"; }

  // A handshake frame for a new session.
  std::string EncodeConnect(int32_t timeout_ms) const;
  // The handshake answer: false when refused (no session) or unreadable.
  bool DecodeConnect(std::string_view payload, int64_t* session_id, int32_t* timeout_ms) const;

  // Encodes `request` (xid ignored) with the ZooKeeper `zk_opcode` (0: the
  // natural one) and finds each placeholder path, in order, in the frame
  // (each searched after the previous one); its field is the last `width`
  // bytes of that path.
  struct Placeholder {
    std::string path;
    int width;
  };
  Result<Template> MakeTemplate(const proto::Request& request, int32_t zk_opcode,
                                const std::vector<Placeholder>& placeholders) const;
  // Ping and closeSession frames (xid patched like any template; ZooKeeper
  // pings always carry xid -2).
  Template MakePing() const;
  Template MakeClose() const;

  // Looks at a reply frame's payload. `want_path`: read a create answer's
  // path (into *scratch, which keeps its capacity between calls).
  bool Parse(std::string_view payload, bool want_path, Reply* out, std::string* scratch) const;

  // --verify: decodes the whole reply as a client library would; returns
  // the decoded response (allocates).
  Result<proto::Response> DecodeFull(const Template& t, std::string_view payload) const;

 private:
  Protocol protocol_;
};

// Path helpers for requests built outside the hot path.
proto::Acl OpenAcl();

}  // namespace arbor::bench
