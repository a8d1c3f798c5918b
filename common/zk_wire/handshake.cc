#include "common/zk_wire/handshake.h"

#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/jute_writer.h"

namespace arbor::zk_wire {

namespace {

Status WritePassword(JuteWriter& w, const std::string& password) {
  if (password.empty()) {
    w.WriteBuffer(std::string(kSessionPasswordBytes, '\0'));
    return Status::Ok();
  }
  if (password.size() != kSessionPasswordBytes) {
    return Status::InvalidArgument("zk handshake: session password must be " +
                                   std::to_string(kSessionPasswordBytes) + " bytes, got " +
                                   std::to_string(password.size()));
  }
  w.WriteBuffer(password);
  return Status::Ok();
}

// After the record: nothing (old form) or exactly one readOnly byte.
Status ReadTrailingReadOnly(JuteReader& in, const char* record, bool* has_byte, bool* read_only) {
  *has_byte = false;
  *read_only = false;
  if (in.AtEnd()) return Status::Ok();
  if (in.remaining() != 1) return in.ExpectEnd(record);
  *has_byte = true;
  return in.ReadBool("readOnly", read_only);
}

}  // namespace

Result<ZkConnectRequest> DecodeConnectRequest(std::string_view payload) {
  JuteReader in(payload);
  ZkConnectRequest out;
  proto::ConnectRequest& r = out.request;
  int32_t i = 0;
  int64_t l = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("ConnectRequest.protocolVersion", &i));
  r.set_protocol_version(i);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("ConnectRequest.lastZxidSeen", &l));
  r.set_last_zxid_seen(l);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("ConnectRequest.timeOut", &i));
  r.set_timeout_ms(i);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("ConnectRequest.sessionId", &l));
  r.set_session_id(l);
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("ConnectRequest.passwd", r.mutable_password()));
  bool read_only = false;
  ARBOR_RETURN_IF_ERROR(
      ReadTrailingReadOnly(in, "ConnectRequest", &out.has_read_only_byte, &read_only));
  r.set_read_only(read_only);
  return out;
}

Status EncodeConnectResponse(const proto::ConnectResponse& response, bool with_read_only_byte,
                             std::string* out) {
  std::string frame;
  FrameWriter f(&frame);
  JuteWriter& w = f.writer();
  w.WriteInt(response.protocol_version());
  w.WriteInt(response.timeout_ms());
  w.WriteLong(response.session_id());
  ARBOR_RETURN_IF_ERROR(WritePassword(w, response.password()));
  if (with_read_only_byte) w.WriteBool(response.read_only());
  f.Finish();
  out->append(frame);
  return Status::Ok();
}

Status EncodeConnectRequest(const proto::ConnectRequest& request, bool with_read_only_byte,
                            std::string* out) {
  std::string frame;
  FrameWriter f(&frame);
  JuteWriter& w = f.writer();
  w.WriteInt(request.protocol_version());
  w.WriteLong(request.last_zxid_seen());
  w.WriteInt(request.timeout_ms());
  w.WriteLong(request.session_id());
  ARBOR_RETURN_IF_ERROR(WritePassword(w, request.password()));
  if (with_read_only_byte) w.WriteBool(request.read_only());
  f.Finish();
  out->append(frame);
  return Status::Ok();
}

Result<ZkConnectResponse> DecodeConnectResponse(std::string_view payload) {
  JuteReader in(payload);
  ZkConnectResponse out;
  proto::ConnectResponse& r = out.response;
  int32_t i = 0;
  int64_t l = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("ConnectResponse.protocolVersion", &i));
  r.set_protocol_version(i);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("ConnectResponse.timeOut", &i));
  r.set_timeout_ms(i);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("ConnectResponse.sessionId", &l));
  r.set_session_id(l);
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("ConnectResponse.passwd", r.mutable_password()));
  bool read_only = false;
  ARBOR_RETURN_IF_ERROR(
      ReadTrailingReadOnly(in, "ConnectResponse", &out.has_read_only_byte, &read_only));
  r.set_read_only(read_only);
  return out;
}

}  // namespace arbor::zk_wire
