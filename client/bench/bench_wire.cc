#include "client/bench/bench_wire.h"

#include <google/protobuf/io/coded_stream.h>

#include <cstring>

#include "common/frame.h"
#include "common/zk_wire/handshake.h"
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/records.h"
#include "common/zk_wire/response.h"

namespace arbor::bench {

namespace {

using google::protobuf::io::CodedInputStream;

// Protobuf wire types.
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLength = 2;
constexpr int kFixed32 = 5;

bool SkipField(CodedInputStream* in, uint32_t tag) {
  switch (tag & 7) {
    case kVarint: {
      uint64_t v;
      return in->ReadVarint64(&v);
    }
    case kFixed64: {
      uint64_t v;
      return in->ReadLittleEndian64(&v);
    }
    case kLength: {
      uint32_t n;
      return in->ReadVarint32(&n) && in->Skip(static_cast<int>(n));
    }
    case kFixed32: {
      uint32_t v;
      return in->ReadLittleEndian32(&v);
    }
    default:
      return false;
  }
}

// A length-delimited field's bytes as a view into `base`.
bool ReadView(CodedInputStream* in, std::string_view* out) {
  uint32_t n;
  if (!in->ReadVarint32(&n)) return false;
  const void* data;
  int size;
  // The stream reads from one flat array, so the view is contiguous.
  in->GetDirectBufferPointerInline(&data, &size);
  if (size < static_cast<int>(n)) return false;
  *out = std::string_view(static_cast<const char*>(data), n);
  return in->Skip(static_cast<int>(n));
}

// Response { xid=1, zxid=2, error=3, create=4 { path=1 } }
bool ParseNativeResponse(std::string_view body, bool want_path, Reply* out) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()), static_cast<int>(body.size()));
  while (true) {
    uint32_t tag = in.ReadTag();
    if (tag == 0) return true;
    int field = static_cast<int>(tag >> 3);
    if (field == 1 && (tag & 7) == kVarint) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) return false;
      out->xid = static_cast<int32_t>(v);
    } else if (field == 2 && (tag & 7) == kVarint) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) return false;
      out->zxid = static_cast<int64_t>(v);
    } else if (field == 3 && (tag & 7) == kVarint) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) return false;
      out->err = static_cast<int32_t>(v);
    } else if (field == 4 && (tag & 7) == kLength && want_path) {
      std::string_view create;
      if (!ReadView(&in, &create)) return false;
      CodedInputStream c(reinterpret_cast<const uint8_t*>(create.data()), static_cast<int>(create.size()));
      while (uint32_t t = c.ReadTag()) {
        if ((t >> 3) == 1 && (t & 7) == kLength) {
          if (!ReadView(&c, &out->path)) return false;
        } else if (!SkipField(&c, t)) {
          return false;
        }
      }
    } else if (!SkipField(&in, tag)) {
      return false;
    }
  }
}

// WatchEvent { type=1, state=2, path=3, zxid=4 }
bool ParseNativeEvent(std::string_view body, Reply* out) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()), static_cast<int>(body.size()));
  out->kind = Reply::Kind::kEvent;
  out->xid = kNotificationXid;
  while (uint32_t tag = in.ReadTag()) {
    int field = static_cast<int>(tag >> 3);
    if (field == 1 && (tag & 7) == kVarint) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) return false;
      out->event_type = static_cast<int32_t>(v);
    } else if (field == 3 && (tag & 7) == kLength) {
      if (!ReadView(&in, &out->path)) return false;
    } else if (field == 4 && (tag & 7) == kVarint) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) return false;
      out->zxid = static_cast<int64_t>(v);
    } else if (!SkipField(&in, tag)) {
      return false;
    }
  }
  return true;
}

// Finds the encoding of a 4-byte varint xid (kXidBase) after a tag byte 0x08.
size_t FindNativeXid(const std::string& frame) {
  const char pattern[] = {0x08, static_cast<char>(0x80), static_cast<char>(0x80), static_cast<char>(0x80), 0x01};
  size_t at = frame.find(std::string_view(pattern, sizeof pattern));
  return at == std::string::npos ? at : at + 1;
}

}  // namespace

proto::Acl OpenAcl() {
  proto::Acl a;
  a.set_perms(31);  // ZooDefs.Perms.ALL
  a.mutable_id()->set_scheme("world");
  a.mutable_id()->set_id("anyone");
  return a;
}

void PutXid(Protocol protocol, char* frame, const Template& t, int32_t xid) {
  char* p = frame + t.xid_offset;
  if (protocol == Protocol::kZooKeeper) {
    uint32_t v = static_cast<uint32_t>(xid);
    p[0] = static_cast<char>(v >> 24);
    p[1] = static_cast<char>(v >> 16);
    p[2] = static_cast<char>(v >> 8);
    p[3] = static_cast<char>(v);
  } else {
    uint32_t v = static_cast<uint32_t>(xid);
    p[0] = static_cast<char>((v & 0x7F) | 0x80);
    p[1] = static_cast<char>(((v >> 7) & 0x7F) | 0x80);
    p[2] = static_cast<char>(((v >> 14) & 0x7F) | 0x80);
    p[3] = static_cast<char>((v >> 21) & 0x7F);
  }
}

std::string Wire::EncodeConnect(int32_t timeout_ms) const {
  proto::ConnectRequest r;
  r.set_protocol_version(protocol_ == Protocol::kZooKeeper ? 0 : 1);
  r.set_timeout_ms(timeout_ms);
  std::string out;
  if (protocol_ == Protocol::kZooKeeper) {
    Status s = zk_wire::EncodeConnectRequest(r, /*with_read_only_byte=*/true, &out);
    if (!s.ok()) return {};
    return out;
  }
  proto::ClientFrame f;
  *f.mutable_connect() = r;
  AppendFrame(f.SerializeAsString(), &out);
  return out;
}

bool Wire::DecodeConnect(std::string_view payload, int64_t* session_id, int32_t* timeout_ms) const {
  if (protocol_ == Protocol::kZooKeeper) {
    auto r = zk_wire::DecodeConnectResponse(payload);
    if (!r.ok()) return false;
    *session_id = r->response.session_id();
    *timeout_ms = r->response.timeout_ms();
    return *timeout_ms > 0 && *session_id != 0;
  }
  proto::ServerFrame f;
  if (!f.ParseFromArray(payload.data(), static_cast<int>(payload.size())) || !f.has_connect()) return false;
  *session_id = f.connect().session_id();
  *timeout_ms = f.connect().timeout_ms();
  return f.connect().error() == proto::OK && *timeout_ms > 0;
}

Result<Template> Wire::MakeTemplate(const proto::Request& request, int32_t zk_opcode,
                                    const std::vector<Placeholder>& placeholders) const {
  Template t;
  proto::Request r = request;
  r.set_xid(kXidBase);
  if (protocol_ == Protocol::kZooKeeper) {
    auto ctx = zk_wire::EncodeRequest(r, zk_opcode, &t.frame);
    if (!ctx.ok()) return ctx.status();
    t.zk_context = std::move(ctx).value();
    t.zk_opcode = t.zk_context.opcode;
    t.xid_offset = kFrameHeaderBytes;  // RequestHeader.xid comes first
  } else {
    proto::ClientFrame f;
    *f.mutable_request() = r;
    AppendFrame(f.SerializeAsString(), &t.frame);
    t.xid_offset = FindNativeXid(t.frame);
    if (t.xid_offset == std::string::npos) return Status::Internal("xid not found in a native template");
  }
  size_t from = 0;
  for (const Placeholder& ph : placeholders) {
    size_t at = t.frame.find(ph.path, from);
    if (at == std::string::npos || ph.width <= 0 || static_cast<size_t>(ph.width) > ph.path.size()) {
      return Status::Internal("placeholder " + ph.path + " not found in template");
    }
    t.fields.push_back(Field{at + ph.path.size() - static_cast<size_t>(ph.width), ph.width});
    from = at + ph.path.size();
  }
  return t;
}

Template Wire::MakePing() const {
  // Pings carry xid -2 in both protocols (as the client libraries send
  // them) and are answered with it: written once, never patched.
  proto::Request r;
  r.mutable_ping();
  r.set_xid(kPingXid);
  Template t;
  if (protocol_ == Protocol::kZooKeeper) {
    t.zk_context = zk_wire::EncodeRequest(r, zk_wire::op::kPing, &t.frame).value();
  } else {
    proto::ClientFrame f;
    *f.mutable_request() = r;
    AppendFrame(f.SerializeAsString(), &t.frame);
  }
  t.xid_offset = std::string::npos;
  return t;
}

Template Wire::MakeClose() const {
  proto::Request r;
  r.mutable_close_session();
  return MakeTemplate(r, zk_wire::op::kCloseSession, {}).value();
}

bool Wire::Parse(std::string_view payload, bool want_path, Reply* out, std::string* scratch) const {
  out->path = {};
  out->err = 0;
  out->zxid = 0;
  if (protocol_ == Protocol::kZooKeeper) {
    auto h = zk_wire::PeekReplyHeader(payload);
    if (!h.ok()) return false;
    out->xid = h->xid;
    out->zxid = h->zxid;
    out->err = h->err;
    if (h->xid == kPingXid) {
      out->kind = Reply::Kind::kPing;
      return true;
    }
    if (h->xid == kNotificationXid) {
      out->kind = Reply::Kind::kEvent;
      zk_wire::JuteReader in(payload.substr(zk_wire::kReplyHeaderBytes));
      int32_t state;
      if (!in.ReadInt("type", &out->event_type).ok() || !in.ReadInt("state", &state).ok() ||
          !in.ReadString("path", scratch).ok()) {
        return false;
      }
      out->path = *scratch;
      return true;
    }
    out->kind = Reply::Kind::kResponse;
    if (want_path && h->err == kOk) {
      zk_wire::JuteReader in(payload.substr(zk_wire::kReplyHeaderBytes));
      if (!in.ReadString("path", scratch).ok()) return false;
      out->path = *scratch;
    }
    return true;
  }
  // ServerFrame { connect=1, response=2, event=3 }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(payload.data()), static_cast<int>(payload.size()));
  uint32_t tag = in.ReadTag();
  std::string_view body;
  if ((tag & 7) != kLength || !ReadView(&in, &body)) return false;
  switch (tag >> 3) {
    case 2:
      out->kind = Reply::Kind::kResponse;
      if (!ParseNativeResponse(body, want_path, out)) return false;
      if (out->xid == kPingXid) out->kind = Reply::Kind::kPing;
      return true;
    case 3:
      return ParseNativeEvent(body, out);
    case 1:
      out->kind = Reply::Kind::kConnect;
      return true;
    default:
      return false;
  }
}

Result<proto::Response> Wire::DecodeFull(const Template& t, std::string_view payload) const {
  if (protocol_ == Protocol::kZooKeeper) return zk_wire::DecodeResponse(t.zk_context, payload);
  proto::ServerFrame f;
  if (!f.ParseFromArray(payload.data(), static_cast<int>(payload.size())) || !f.has_response()) {
    return Status::Corruption("native reply is not a ServerFrame.response");
  }
  return std::move(*f.mutable_response());
}

}  // namespace arbor::bench
