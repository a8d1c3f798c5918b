// DecodeRequest: RequestHeader + body -> ZkRequest. See request.h.
#include "common/zk_wire/create_mode.h"
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/multi.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/records.h"
#include "common/zk_wire/request.h"

namespace arbor::zk_wire {

namespace {

// Sets *out from a WatcherType int (checkWatches/removeWatches).
Status ReadWatcherType(JuteReader& in, const char* field, proto::WatcherType* out) {
  int32_t t = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt(field, &t));
  if (t < proto::WATCHER_CHILDREN || t > proto::WATCHER_PERSISTENT_RECURSIVE) {
    return Status::Corruption("zk: unknown watcher type " + std::to_string(t) + " in " + field);
  }
  *out = static_cast<proto::WatcherType>(t);
  return Status::Ok();
}

Status DecodeCreate(JuteReader& in, int32_t opcode, ZkRequest* zk) {
  proto::CreateRequest* c = zk->request.mutable_create();
  bool null_data = false;
  ARBOR_RETURN_IF_ERROR(in.ReadString("CreateRequest.path", c->mutable_path()));
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("CreateRequest.data", c->mutable_data(), &null_data));
  ARBOR_RETURN_IF_ERROR(ReadAcls(in, "CreateRequest.acl", c->mutable_acl()));
  int32_t flags = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("CreateRequest.flags", &flags));
  int64_t ttl = 0;
  if (opcode == op::kCreateTtl) ARBOR_RETURN_IF_ERROR(in.ReadLong("CreateTTLRequest.ttl", &ttl));
  ARBOR_RETURN_IF_ERROR(in.ExpectEnd(OpName(opcode)));
  c->set_null_data(null_data);
  zk->reject = ApplyCreateFlags(opcode, flags, ttl, c, &zk->reject_reason);
  return Status::Ok();
}

Status DecodePathVersion(JuteReader& in, const char* rec, std::string* path, int32_t* version) {
  ARBOR_RETURN_IF_ERROR(in.ReadString(rec, path));
  ARBOR_RETURN_IF_ERROR(in.ReadInt(rec, version));
  return in.ExpectEnd(rec);
}

Status DecodePathWatch(JuteReader& in, const char* rec, std::string* path, bool* watch) {
  ARBOR_RETURN_IF_ERROR(in.ReadString(rec, path));
  ARBOR_RETURN_IF_ERROR(in.ReadBool(rec, watch));
  return in.ExpectEnd(rec);
}

Status DecodePath(JuteReader& in, const char* rec, std::string* path) {
  ARBOR_RETURN_IF_ERROR(in.ReadString(rec, path));
  return in.ExpectEnd(rec);
}

Status DecodeSetWatches(JuteReader& in, bool v2, proto::SetWatchesRequest* s) {
  const char* rec = v2 ? "SetWatches2" : "SetWatches";
  int64_t zxid = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadLong("SetWatches.relativeZxid", &zxid));
  s->set_relative_zxid(zxid);
  ARBOR_RETURN_IF_ERROR(ReadStrings(in, "SetWatches.dataWatches", s->mutable_data_watches()));
  ARBOR_RETURN_IF_ERROR(ReadStrings(in, "SetWatches.existWatches", s->mutable_exist_watches()));
  ARBOR_RETURN_IF_ERROR(ReadStrings(in, "SetWatches.childWatches", s->mutable_child_watches()));
  if (v2) {
    ARBOR_RETURN_IF_ERROR(
        ReadStrings(in, "SetWatches2.persistentWatches", s->mutable_persistent_watches()));
    ARBOR_RETURN_IF_ERROR(ReadStrings(in, "SetWatches2.persistentRecursiveWatches",
                                      s->mutable_persistent_recursive_watches()));
  }
  return in.ExpectEnd(rec);
}

Status DecodeAcls(JuteReader& in, proto::Request* r) {
  proto::SetAclRequest* s = r->mutable_set_acl();
  ARBOR_RETURN_IF_ERROR(in.ReadString("SetACLRequest.path", s->mutable_path()));
  ARBOR_RETURN_IF_ERROR(ReadAcls(in, "SetACLRequest.acl", s->mutable_acl()));
  int32_t version = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("SetACLRequest.version", &version));
  s->set_version(version);
  return in.ExpectEnd("SetACLRequest");
}

Status DecodeWatchOps(JuteReader& in, int32_t opcode, proto::Request* r) {
  if (opcode == op::kAddWatch) {
    proto::AddWatchRequest* a = r->mutable_add_watch();
    ARBOR_RETURN_IF_ERROR(in.ReadString("AddWatchRequest.path", a->mutable_path()));
    int32_t mode = 0;
    ARBOR_RETURN_IF_ERROR(in.ReadInt("AddWatchRequest.mode", &mode));
    if (!proto::AddWatchMode_IsValid(mode)) {
      return Status::Corruption("zk: unknown addWatch mode " + std::to_string(mode));
    }
    a->set_mode(static_cast<proto::AddWatchMode>(mode));
    return in.ExpectEnd("AddWatchRequest");
  }
  proto::WatcherType type = proto::WATCHER_TYPE_UNSPECIFIED;
  std::string path;
  ARBOR_RETURN_IF_ERROR(in.ReadString("WatchesRequest.path", &path));
  ARBOR_RETURN_IF_ERROR(ReadWatcherType(in, "WatchesRequest.type", &type));
  ARBOR_RETURN_IF_ERROR(in.ExpectEnd(OpName(opcode)));
  if (opcode == op::kCheckWatches) {
    r->mutable_check_watches()->set_path(std::move(path));
    r->mutable_check_watches()->set_type(type);
  } else {
    r->mutable_remove_watches()->set_path(std::move(path));
    r->mutable_remove_watches()->set_type(type);
  }
  return Status::Ok();
}

Status DecodeAuth(JuteReader& in, proto::Request* r) {
  int32_t type = 0;  // AuthPacket.type: unused by ZooKeeper
  ARBOR_RETURN_IF_ERROR(in.ReadInt("AuthPacket.type", &type));
  ARBOR_RETURN_IF_ERROR(in.ReadString("AuthPacket.scheme", r->mutable_auth()->mutable_scheme()));
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("AuthPacket.auth", r->mutable_auth()->mutable_auth()));
  return in.ExpectEnd("AuthPacket");
}

// The ops whose records are a single path or path + flag.
Status DecodeSimple(JuteReader& in, int32_t opcode, proto::Request* r, bool* handled) {
  *handled = true;
  bool watch = false;
  int32_t version = 0;
  switch (opcode) {
    case op::kDelete:
      ARBOR_RETURN_IF_ERROR(DecodePathVersion(in, "DeleteRequest",
                                              r->mutable_delete_()->mutable_path(), &version));
      r->mutable_delete_()->set_version(version);
      return Status::Ok();
    case op::kCheck:
      ARBOR_RETURN_IF_ERROR(DecodePathVersion(in, "CheckVersionRequest",
                                              r->mutable_check()->mutable_path(), &version));
      r->mutable_check()->set_version(version);
      return Status::Ok();
    case op::kExists:
      ARBOR_RETURN_IF_ERROR(
          DecodePathWatch(in, "ExistsRequest", r->mutable_exists()->mutable_path(), &watch));
      r->mutable_exists()->set_watch(watch);
      return Status::Ok();
    case op::kGetData:
      ARBOR_RETURN_IF_ERROR(
          DecodePathWatch(in, "GetDataRequest", r->mutable_get_data()->mutable_path(), &watch));
      r->mutable_get_data()->set_watch(watch);
      return Status::Ok();
    case op::kGetChildren:
    case op::kGetChildren2:
      ARBOR_RETURN_IF_ERROR(DecodePathWatch(in, "GetChildrenRequest",
                                            r->mutable_get_children()->mutable_path(), &watch));
      r->mutable_get_children()->set_watch(watch);
      r->mutable_get_children()->set_with_stat(opcode == op::kGetChildren2);
      return Status::Ok();
    case op::kGetAcl:
      return DecodePath(in, "GetACLRequest", r->mutable_get_acl()->mutable_path());
    case op::kSync:
      return DecodePath(in, "SyncRequest", r->mutable_sync()->mutable_path());
    case op::kGetEphemerals:
      return DecodePath(in, "GetEphemeralsRequest",
                        r->mutable_get_ephemerals()->mutable_prefix_path());
    case op::kGetAllChildrenNumber:
      return DecodePath(in, "GetAllChildrenNumberRequest",
                        r->mutable_get_all_children_number()->mutable_path());
    case op::kPing:
      r->mutable_ping();
      return in.ExpectEnd("ping");
    case op::kCloseSession:
      r->mutable_close_session();
      return in.ExpectEnd("closeSession");
    case op::kWhoAmI:
      r->mutable_who_am_i();
      return in.ExpectEnd("whoAmI");
    default:
      *handled = false;
      return Status::Ok();
  }
}

Status DecodeBody(JuteReader& in, int32_t opcode, ZkRequest* zk) {
  proto::Request* r = &zk->request;
  bool handled = false;
  ARBOR_RETURN_IF_ERROR(DecodeSimple(in, opcode, r, &handled));
  if (handled) return Status::Ok();
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      return DecodeCreate(in, opcode, zk);
    case op::kDeleteContainer:
      // ZooKeeper 3.8 takes deleteContainer's path from the whole packet's
      // bytes (request.request.array(), the request header included), which
      // always holds a NUL: from a client it can only fail, with
      // BADARGUMENTS. Only ZooKeeper's own ContainerManager uses it.
      (void)in.ReadRest();
      zk->reject = proto::BADARGUMENTS;
      zk->reject_reason = "deleteContainer from a client (ZooKeeper 3.8 answers BADARGUMENTS too)";
      return Status::Ok();
    case op::kSetData: {
      proto::SetDataRequest* s = r->mutable_set_data();
      int32_t version = 0;
      bool null_data = false;
      ARBOR_RETURN_IF_ERROR(in.ReadString("SetDataRequest.path", s->mutable_path()));
      ARBOR_RETURN_IF_ERROR(in.ReadBuffer("SetDataRequest.data", s->mutable_data(), &null_data));
      ARBOR_RETURN_IF_ERROR(in.ReadInt("SetDataRequest.version", &version));
      s->set_version(version);
      s->set_null_data(null_data);
      return in.ExpectEnd("SetDataRequest");
    }
    case op::kSetAcl:
      return DecodeAcls(in, r);
    case op::kMulti:
    case op::kMultiRead:
      ARBOR_RETURN_IF_ERROR(DecodeMultiRequest(in, opcode == op::kMultiRead, r->mutable_multi(),
                                               &zk->context.multi_result_types));
      return in.ExpectEnd(OpName(opcode));
    case op::kAddWatch:
    case op::kCheckWatches:
    case op::kRemoveWatches:
      return DecodeWatchOps(in, opcode, r);
    case op::kSetWatches:
    case op::kSetWatches2:
      return DecodeSetWatches(in, opcode == op::kSetWatches2, r->mutable_set_watches());
    case op::kAuth:
      return DecodeAuth(in, r);
    default:
      return Status::Internal("zk: no decoder for opcode " + std::to_string(opcode));
  }
}

bool IsUnknownOpcode(int32_t opcode) {
  const std::string_view name = OpName(opcode);
  return name == "unknown" || opcode == op::kNotification || opcode == op::kCreateSession ||
         opcode == op::kError;
}

void Reject(ZkRequest* zk, proto::ErrorCode code, std::string why) {
  zk->request.clear_op();
  zk->context.multi_result_types.clear();
  zk->reject = code;
  zk->reject_reason = std::move(why);
}

}  // namespace

Result<ZkRequest> DecodeRequest(std::string_view payload) {
  JuteReader in(payload);
  RequestHeader h;
  Status s = ReadRequestHeader(in, &h);
  if (!s.ok()) return Status::Corruption("zk request: " + s.message());
  ZkRequest zk;
  zk.context.opcode = h.type;
  zk.request.set_xid(h.xid);
  if (IsUnknownOpcode(h.type)) {
    Reject(&zk, proto::UNIMPLEMENTED, "unknown request opcode " + std::to_string(h.type));
    zk.close_after_reply = true;
    return zk;
  }
  if (h.type == op::kSasl) {
    Reject(&zk, proto::UNIMPLEMENTED, "SASL authentication is not supported");
    return zk;
  }
  if (h.type == op::kReconfig) {
    Reject(&zk, proto::RECONFIGDISABLED, "dynamic reconfiguration is not supported");
    return zk;
  }
  s = DecodeBody(in, h.type, &zk);
  if (!s.ok()) {
    Reject(&zk, proto::MARSHALLINGERROR,
           std::string(OpName(h.type)) + " (xid " + std::to_string(h.xid) + "): " + s.message());
  } else if (zk.reject != proto::OK) {
    Reject(&zk, zk.reject, std::string(OpName(h.type)) + ": " + zk.reject_reason);
  }
  return zk;
}

}  // namespace arbor::zk_wire
