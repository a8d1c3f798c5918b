// DecodeResponse / DecodeWatchEvent: reply frame -> arbor.proto.Response
// (client side: tests and arbor-bench).
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/multi.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/response.h"

namespace arbor::zk_wire {

namespace {

Status ReadWhoAmI(JuteReader& in, proto::WhoAmIResponse* w) {
  int32_t count = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadVectorCount("WhoAmIResponse.clientInfo", 2 * kMinStringBytes, &count));
  for (int32_t k = 0; k < count; ++k) {
    proto::Id* id = w->add_client_info();
    ARBOR_RETURN_IF_ERROR(in.ReadString("ClientInfo.authScheme", id->mutable_scheme()));
    ARBOR_RETURN_IF_ERROR(in.ReadString("ClientInfo.user", id->mutable_id()));
  }
  return Status::Ok();
}

Status ReadCreateOrData(JuteReader& in, int32_t opcode, proto::Response* r) {
  switch (opcode) {
    case op::kCreate:
      return in.ReadString("CreateResponse.path", r->mutable_create()->mutable_path());
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      ARBOR_RETURN_IF_ERROR(in.ReadString("Create2Response.path", r->mutable_create()->mutable_path()));
      return ReadStat(in, r->mutable_create()->mutable_stat());
    case op::kExists: return ReadStat(in, r->mutable_exists()->mutable_stat());
    case op::kGetData:
      ARBOR_RETURN_IF_ERROR(ReadData(in, r->mutable_get_data()));
      return ReadStat(in, r->mutable_get_data()->mutable_stat());
    case op::kSetData: return ReadStat(in, r->mutable_set_data()->mutable_stat());
    case op::kGetAcl:
      ARBOR_RETURN_IF_ERROR(ReadAcls(in, "GetACLResponse.acl", r->mutable_get_acl()->mutable_acl()));
      return ReadStat(in, r->mutable_get_acl()->mutable_stat());
    case op::kSetAcl: return ReadStat(in, r->mutable_set_acl()->mutable_stat());
    default: return Status::Internal("unreachable");
  }
}

Status ReadBody(JuteReader& in, const ZkOpContext& ctx, proto::Response* r) {
  const int32_t opcode = ctx.opcode;
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
    case op::kExists:
    case op::kGetData:
    case op::kSetData:
    case op::kGetAcl:
    case op::kSetAcl: return ReadCreateOrData(in, opcode, r);
    case op::kGetChildren:
    case op::kGetChildren2:
      ARBOR_RETURN_IF_ERROR(ReadStrings(in, "GetChildrenResponse.children",
                                        r->mutable_get_children()->mutable_children()));
      if (opcode == op::kGetChildren) return Status::Ok();
      return ReadStat(in, r->mutable_get_children()->mutable_stat());
    case op::kSync: return in.ReadString("SyncResponse.path", r->mutable_sync()->mutable_path());
    case op::kMulti:
    case op::kMultiRead: return DecodeMultiResponse(in, r->mutable_multi());
    case op::kGetEphemerals:
      return ReadStrings(in, "GetEphemeralsResponse.ephemerals",
                         r->mutable_get_ephemerals()->mutable_paths());
    case op::kGetAllChildrenNumber: {
      int32_t n = 0;
      ARBOR_RETURN_IF_ERROR(in.ReadInt("GetAllChildrenNumberResponse.totalNumber", &n));
      r->mutable_get_all_children_number()->set_total_number(n);
      return Status::Ok();
    }
    case op::kAddWatch: {
      int32_t err = 0;  // ErrorResponse(0)
      ARBOR_RETURN_IF_ERROR(in.ReadInt("ErrorResponse.err", &err));
      r->mutable_add_watch();
      return Status::Ok();
    }
    case op::kWhoAmI: return ReadWhoAmI(in, r->mutable_who_am_i());
    case op::kDelete:
    case op::kDeleteContainer: r->mutable_delete_(); return Status::Ok();
    case op::kCheck: r->mutable_check(); return Status::Ok();
    case op::kRemoveWatches: r->mutable_remove_watches(); return Status::Ok();
    case op::kCheckWatches: r->mutable_check_watches(); return Status::Ok();
    case op::kSetWatches:
    case op::kSetWatches2: r->mutable_set_watches(); return Status::Ok();
    case op::kAuth: r->mutable_auth(); return Status::Ok();
    case op::kCloseSession: r->mutable_close_session(); return Status::Ok();
    case op::kPing: r->mutable_ping(); return Status::Ok();
    default:
      return Status::InvalidArgument("zk: no response decoder for opcode " +
                                     std::to_string(opcode));
  }
}

}  // namespace

Result<ReplyHeader> PeekReplyHeader(std::string_view payload) {
  JuteReader in(payload);
  ReplyHeader h;
  ARBOR_RETURN_IF_ERROR(ReadReplyHeader(in, &h));
  return h;
}

Result<proto::Response> DecodeResponse(const ZkOpContext& context, std::string_view payload) {
  JuteReader in(payload);
  ReplyHeader h;
  ARBOR_RETURN_IF_ERROR(ReadReplyHeader(in, &h));
  if (h.xid == xid::kNotification) {
    return Status::InvalidArgument("zk: frame is a watch notification (xid -1), not a reply");
  }
  proto::Response r;
  r.set_xid(h.xid);
  r.set_zxid(h.zxid);
  r.set_error(static_cast<proto::ErrorCode>(h.err));
  if (h.err == 0) {
    Status s = ReadBody(in, context, &r);
    if (!s.ok()) {
      return Status::Corruption(std::string("zk ") + OpName(context.opcode) + " reply: " +
                                s.message());
    }
  }
  if (context.opcode == op::kMulti) {
    // Internally a failed multi carries its first failing op's code as the
    // response error (and still all results), as the state machine reports it.
    for (const proto::MultiOpResult& res : r.multi().results()) {
      if (res.error() != proto::OK) {
        r.set_error(res.error());
        break;
      }
    }
  }
  ARBOR_RETURN_IF_ERROR(in.ExpectEnd(OpName(context.opcode)));
  return r;
}

Result<proto::WatchEvent> DecodeWatchEvent(std::string_view payload) {
  JuteReader in(payload);
  ReplyHeader h;
  ARBOR_RETURN_IF_ERROR(ReadReplyHeader(in, &h));
  if (h.xid != xid::kNotification) {
    return Status::InvalidArgument("zk: reply xid " + std::to_string(h.xid) +
                                   " is not a notification (-1)");
  }
  proto::WatchEvent e;
  e.set_zxid(h.zxid);
  int32_t type = 0;
  int32_t state = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("WatcherEvent.type", &type));
  ARBOR_RETURN_IF_ERROR(in.ReadInt("WatcherEvent.state", &state));
  proto::EventType event_type = proto::EVENT_NONE;
  proto::KeeperState keeper_state = proto::DISCONNECTED;
  ARBOR_RETURN_IF_ERROR(EventTypeFromWire(type, &event_type));
  ARBOR_RETURN_IF_ERROR(KeeperStateFromWire(state, &keeper_state));
  e.set_type(event_type);
  e.set_state(keeper_state);
  ARBOR_RETURN_IF_ERROR(in.ReadString("WatcherEvent.path", e.mutable_path()));
  ARBOR_RETURN_IF_ERROR(in.ExpectEnd("WatcherEvent"));
  return e;
}

}  // namespace arbor::zk_wire
