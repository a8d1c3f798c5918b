#include "common/zk_wire/records.h"

namespace arbor::zk_wire {

Status ReadRequestHeader(JuteReader& in, RequestHeader* h) {
  ARBOR_RETURN_IF_ERROR(in.ReadInt("RequestHeader.xid", &h->xid));
  return in.ReadInt("RequestHeader.type", &h->type);
}

void WriteRequestHeader(JuteWriter& out, const RequestHeader& h) {
  out.WriteInt(h.xid);
  out.WriteInt(h.type);
}

Status ReadReplyHeader(JuteReader& in, ReplyHeader* h) {
  ARBOR_RETURN_IF_ERROR(in.ReadInt("ReplyHeader.xid", &h->xid));
  ARBOR_RETURN_IF_ERROR(in.ReadLong("ReplyHeader.zxid", &h->zxid));
  return in.ReadInt("ReplyHeader.err", &h->err);
}

void WriteReplyHeader(JuteWriter& out, const ReplyHeader& h) {
  out.WriteInt(h.xid);
  out.WriteLong(h.zxid);
  out.WriteInt(h.err);
}

Status ReadStat(JuteReader& in, proto::Stat* stat) {
  int64_t l = 0;
  int32_t i = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.czxid", &l));
  stat->set_czxid(l);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.mzxid", &l));
  stat->set_mzxid(l);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.ctime", &l));
  stat->set_ctime(l);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.mtime", &l));
  stat->set_mtime(l);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("Stat.version", &i));
  stat->set_version(i);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("Stat.cversion", &i));
  stat->set_cversion(i);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("Stat.aversion", &i));
  stat->set_aversion(i);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.ephemeralOwner", &l));
  stat->set_ephemeral_owner(l);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("Stat.dataLength", &i));
  stat->set_data_length(i);
  ARBOR_RETURN_IF_ERROR(in.ReadInt("Stat.numChildren", &i));
  stat->set_num_children(i);
  ARBOR_RETURN_IF_ERROR(in.ReadLong("Stat.pzxid", &l));
  stat->set_pzxid(l);
  return Status::Ok();
}

void WriteStat(JuteWriter& out, const proto::Stat& stat) {
  out.WriteLong(stat.czxid());
  out.WriteLong(stat.mzxid());
  out.WriteLong(stat.ctime());
  out.WriteLong(stat.mtime());
  out.WriteInt(stat.version());
  out.WriteInt(stat.cversion());
  out.WriteInt(stat.aversion());
  out.WriteLong(stat.ephemeral_owner() > 0 ? stat.ephemeral_owner() : 0);
  out.WriteInt(stat.data_length());
  out.WriteInt(stat.num_children());
  out.WriteLong(stat.pzxid());
}

Status ReadData(JuteReader& in, proto::GetDataResponse* r) {
  bool null_data = false;
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("GetDataResponse.data", r->mutable_data(), &null_data));
  r->set_null_data(null_data);
  return Status::Ok();
}

void WriteData(JuteWriter& out, const proto::GetDataResponse& r) {
  if (r.null_data()) {
    out.WriteNullBuffer();
  } else {
    out.WriteBuffer(r.data());
  }
}

Status ReadAcls(JuteReader& in, const char* field,
                google::protobuf::RepeatedPtrField<proto::Acl>* acls) {
  int32_t count = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadVectorCount(field, kMinAclBytes, &count));
  acls->Reserve(count);  // safe: bounded by the bytes left
  for (int32_t k = 0; k < count; ++k) {
    proto::Acl* acl = acls->Add();
    int32_t perms = 0;
    ARBOR_RETURN_IF_ERROR(in.ReadInt("ACL.perms", &perms));
    acl->set_perms(perms);
    ARBOR_RETURN_IF_ERROR(in.ReadString("ACL.id.scheme", acl->mutable_id()->mutable_scheme()));
    ARBOR_RETURN_IF_ERROR(in.ReadString("ACL.id.id", acl->mutable_id()->mutable_id()));
  }
  return Status::Ok();
}

void WriteAcls(JuteWriter& out, const google::protobuf::RepeatedPtrField<proto::Acl>& acls) {
  out.WriteVectorCount(static_cast<size_t>(acls.size()));
  for (const proto::Acl& acl : acls) {
    out.WriteInt(acl.perms());
    out.WriteString(acl.id().scheme());
    out.WriteString(acl.id().id());
  }
}

Status ReadStrings(JuteReader& in, const char* field,
                   google::protobuf::RepeatedPtrField<std::string>* strings) {
  int32_t count = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadVectorCount(field, kMinStringBytes, &count));
  strings->Reserve(count);  // safe: bounded by the bytes left
  for (int32_t k = 0; k < count; ++k) {
    ARBOR_RETURN_IF_ERROR(in.ReadString(field, strings->Add()));
  }
  return Status::Ok();
}

void WriteStrings(JuteWriter& out, const google::protobuf::RepeatedPtrField<std::string>& strings) {
  out.WriteVectorCount(static_cast<size_t>(strings.size()));
  for (const std::string& s : strings) out.WriteString(s);
}

int32_t EventTypeToWire(proto::EventType type) {
  return type == proto::EVENT_NONE ? -1 : static_cast<int32_t>(type);
}

Status EventTypeFromWire(int32_t wire, proto::EventType* type) {
  if (wire == -1) {
    *type = proto::EVENT_NONE;
    return Status::Ok();
  }
  if (wire == 0 || !proto::EventType_IsValid(wire)) {
    return Status::Corruption("zk: unknown watcher event type " + std::to_string(wire));
  }
  *type = static_cast<proto::EventType>(wire);
  return Status::Ok();
}

Status KeeperStateFromWire(int32_t wire, proto::KeeperState* state) {
  if (!proto::KeeperState_IsValid(wire)) {
    return Status::Corruption("zk: unknown keeper state " + std::to_string(wire));
  }
  *state = static_cast<proto::KeeperState>(wire);
  return Status::Ok();
}

}  // namespace arbor::zk_wire
