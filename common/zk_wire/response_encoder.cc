// EncodeResponse / EncodeWatchEvent: arbor.proto.Response -> reply frame.
#include "common/zk_wire/jute_writer.h"
#include "common/zk_wire/multi.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/response.h"

namespace arbor::zk_wire {

namespace {

using Result_ = proto::Response::ResultCase;

// The result case each opcode answers with; RESULT_NOT_SET for header-only
// replies.
Result_ ExpectedResult(int32_t opcode) {
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: return Result_::kCreate;
    case op::kDelete:
    case op::kDeleteContainer: return Result_::kDelete;
    case op::kExists: return Result_::kExists;
    case op::kGetData: return Result_::kGetData;
    case op::kSetData: return Result_::kSetData;
    case op::kGetAcl: return Result_::kGetAcl;
    case op::kSetAcl: return Result_::kSetAcl;
    case op::kGetChildren:
    case op::kGetChildren2: return Result_::kGetChildren;
    case op::kSync: return Result_::kSync;
    case op::kCheck: return Result_::kCheck;
    case op::kMulti:
    case op::kMultiRead: return Result_::kMulti;
    case op::kGetEphemerals: return Result_::kGetEphemerals;
    case op::kGetAllChildrenNumber: return Result_::kGetAllChildrenNumber;
    case op::kAddWatch: return Result_::kAddWatch;
    case op::kRemoveWatches: return Result_::kRemoveWatches;
    case op::kCheckWatches: return Result_::kCheckWatches;
    case op::kSetWatches:
    case op::kSetWatches2: return Result_::kSetWatches;
    case op::kAuth: return Result_::kAuth;
    case op::kWhoAmI: return Result_::kWhoAmI;
    case op::kCloseSession: return Result_::kCloseSession;
    case op::kPing: return Result_::kPing;
    default: return Result_::RESULT_NOT_SET;
  }
}

// Ops whose successful reply has a body; the others may leave the result
// unset.
bool HasBody(int32_t opcode) {
  switch (opcode) {
    case op::kDelete:
    case op::kDeleteContainer:
    case op::kCheck:
    case op::kRemoveWatches:
    case op::kCheckWatches:
    case op::kSetWatches:
    case op::kSetWatches2:
    case op::kAuth:
    case op::kCloseSession:
    case op::kPing:
    case op::kAddWatch:  // its ErrorResponse(0) body needs no result fields
      return false;
    default:
      return true;
  }
}

Status WriteBody(JuteWriter& w, const ZkOpContext& ctx, const proto::Response& r) {
  switch (ctx.opcode) {
    case op::kCreate: w.WriteString(r.create().path()); break;
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      w.WriteString(r.create().path());
      WriteStat(w, r.create().stat());
      break;
    case op::kExists: WriteStat(w, r.exists().stat()); break;
    case op::kGetData:
      WriteData(w, r.get_data());
      WriteStat(w, r.get_data().stat());
      break;
    case op::kSetData: WriteStat(w, r.set_data().stat()); break;
    case op::kGetAcl:
      WriteAcls(w, r.get_acl().acl());
      WriteStat(w, r.get_acl().stat());
      break;
    case op::kSetAcl: WriteStat(w, r.set_acl().stat()); break;
    case op::kGetChildren: WriteStrings(w, r.get_children().children()); break;
    case op::kGetChildren2:
      WriteStrings(w, r.get_children().children());
      WriteStat(w, r.get_children().stat());
      break;
    case op::kSync: w.WriteString(r.sync().path()); break;
    case op::kMulti:
    case op::kMultiRead: return EncodeMultiResponse(w, r.multi(), ctx.multi_result_types);
    case op::kGetEphemerals: WriteStrings(w, r.get_ephemerals().paths()); break;
    case op::kGetAllChildrenNumber: w.WriteInt(r.get_all_children_number().total_number()); break;
    case op::kAddWatch: w.WriteInt(0); break;  // ZooKeeper answers ErrorResponse(0)
    case op::kWhoAmI:
      w.WriteVectorCount(static_cast<size_t>(r.who_am_i().client_info_size()));
      for (const proto::Id& id : r.who_am_i().client_info()) {
        w.WriteString(id.scheme());  // ClientInfo.authScheme
        w.WriteString(id.id());      // ClientInfo.user
      }
      break;
    default: break;  // header-only ops
  }
  return Status::Ok();
}

}  // namespace

Status EncodeResponse(const ZkOpContext& context, const proto::Response& response,
                      std::string* out) {
  ReplyHeader h{response.xid(), response.zxid(), static_cast<int32_t>(response.error())};
  if (context.opcode == op::kPing) h.xid = xid::kPing;
  if (context.opcode == op::kAuth) h.zxid = 0;
  // A multi that ran and failed carries per-op results. ZooKeeper sends
  // those with err 0 in the header (the client finds the failing op in the
  // results); only a multi that never ran (no results) is a header-only error.
  const bool multi_ran = (context.opcode == op::kMulti || context.opcode == op::kMultiRead) &&
                         response.result_case() == Result_::kMulti &&
                         response.multi().results_size() > 0 &&
                         static_cast<size_t>(response.multi().results_size()) ==
                             context.multi_result_types.size();
  if (multi_ran) h.err = 0;
  std::string frame;
  FrameWriter f(&frame);
  WriteReplyHeader(f.writer(), h);
  if (h.err == 0) {
    const Result_ expected = ExpectedResult(context.opcode);
    if (expected == Result_::RESULT_NOT_SET) {
      return Status::Internal("zk: cannot answer opcode " + std::to_string(context.opcode) +
                              " with success");
    }
    const bool unset_ok = !HasBody(context.opcode) &&
                          response.result_case() == Result_::RESULT_NOT_SET;
    if (response.result_case() != expected && !unset_ok) {
      return Status::Internal("zk: response result case " +
                              std::to_string(response.result_case()) + " does not answer " +
                              OpName(context.opcode));
    }
    ARBOR_RETURN_IF_ERROR(WriteBody(f.writer(), context, response));
  }
  f.Finish();
  out->append(frame);
  return Status::Ok();
}

void EncodeWatchEvent(const proto::WatchEvent& event, std::string* out) {
  FrameWriter f(out);
  WriteReplyHeader(f.writer(), ReplyHeader{xid::kNotification, -1, 0});
  f.writer().WriteInt(EventTypeToWire(event.type()));
  f.writer().WriteInt(event.state());
  f.writer().WriteString(event.path());
  f.Finish();
}

}  // namespace arbor::zk_wire
