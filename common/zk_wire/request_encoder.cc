// EncodeRequest: arbor.proto.Request -> RequestHeader + body (client side).
#include "common/zk_wire/create_mode.h"
#include "common/zk_wire/jute_writer.h"
#include "common/zk_wire/multi.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/records.h"
#include "common/zk_wire/request.h"

namespace arbor::zk_wire {

namespace {

using Op = proto::Request::OpCase;

int32_t DefaultOpcode(const proto::Request& r) {
  switch (r.op_case()) {
    case Op::kCreate:
      if (IsTtlMode(r.create().mode())) return op::kCreateTtl;
      return r.create().mode() == proto::CONTAINER ? op::kCreateContainer : op::kCreate2;
    case Op::kDelete: return r.delete_().container_only() ? op::kDeleteContainer : op::kDelete;
    case Op::kExists: return op::kExists;
    case Op::kGetData: return op::kGetData;
    case Op::kSetData: return op::kSetData;
    case Op::kGetAcl: return op::kGetAcl;
    case Op::kSetAcl: return op::kSetAcl;
    case Op::kGetChildren:
      return r.get_children().with_stat() ? op::kGetChildren2 : op::kGetChildren;
    case Op::kSync: return op::kSync;
    case Op::kCheck: return op::kCheck;
    case Op::kMulti: return r.multi().read_only() ? op::kMultiRead : op::kMulti;
    case Op::kGetEphemerals: return op::kGetEphemerals;
    case Op::kGetAllChildrenNumber: return op::kGetAllChildrenNumber;
    case Op::kAddWatch: return op::kAddWatch;
    case Op::kRemoveWatches: return op::kRemoveWatches;
    case Op::kCheckWatches: return op::kCheckWatches;
    case Op::kSetWatches: return op::kSetWatches2;
    case Op::kAuth: return op::kAuth;
    case Op::kWhoAmI: return op::kWhoAmI;
    case Op::kCloseSession: return op::kCloseSession;
    case Op::kPing: return op::kPing;
    case Op::kServerStatus:  // Arbor's native protocol only: no ZooKeeper opcode
    case Op::kBackup: break;
    case Op::OP_NOT_SET: break;
  }
  return 0;
}

// True if `opcode` is a wire form of the request's op.
bool Carries(int32_t opcode, const proto::Request& r) {
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: return r.op_case() == Op::kCreate;
    case op::kDelete:
    case op::kDeleteContainer: return r.op_case() == Op::kDelete;
    case op::kGetChildren:
    case op::kGetChildren2: return r.op_case() == Op::kGetChildren;
    case op::kMulti: return r.op_case() == Op::kMulti && !r.multi().read_only();
    case op::kMultiRead: return r.op_case() == Op::kMulti && r.multi().read_only();
    case op::kSetWatches:
      return r.op_case() == Op::kSetWatches && r.set_watches().persistent_watches().empty() &&
             r.set_watches().persistent_recursive_watches().empty();
    case op::kSetWatches2: return r.op_case() == Op::kSetWatches;
    default: return opcode != 0 && DefaultOpcode(r) == opcode;
  }
}

void WriteData(JuteWriter& w, const std::string& data, bool null_data) {
  if (null_data) {
    w.WriteNullBuffer();
  } else {
    w.WriteBuffer(data);
  }
}

void WriteCreate(JuteWriter& w, int32_t opcode, const proto::CreateRequest& c) {
  w.WriteString(c.path());
  WriteData(w, c.data(), c.null_data());
  WriteAcls(w, c.acl());
  w.WriteInt(CreateFlagsOf(c));
  if (opcode == op::kCreateTtl) w.WriteLong(c.ttl_ms());
}

void WriteSetWatches(JuteWriter& w, bool v2, const proto::SetWatchesRequest& s) {
  w.WriteLong(s.relative_zxid());
  WriteStrings(w, s.data_watches());
  WriteStrings(w, s.exist_watches());
  WriteStrings(w, s.child_watches());
  if (v2) {
    WriteStrings(w, s.persistent_watches());
    WriteStrings(w, s.persistent_recursive_watches());
  }
}

// Everything but multi; no opcode here can fail once Carries() held.
void WriteBody(JuteWriter& w, int32_t opcode, const proto::Request& r) {
  switch (opcode) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: WriteCreate(w, opcode, r.create()); break;
    case op::kDelete:
      w.WriteString(r.delete_().path());
      w.WriteInt(r.delete_().version());
      break;
    case op::kDeleteContainer: w.WriteRaw(r.delete_().path()); break;
    case op::kExists:
      w.WriteString(r.exists().path());
      w.WriteBool(r.exists().watch());
      break;
    case op::kGetData:
      w.WriteString(r.get_data().path());
      w.WriteBool(r.get_data().watch());
      break;
    case op::kSetData:
      w.WriteString(r.set_data().path());
      WriteData(w, r.set_data().data(), r.set_data().null_data());
      w.WriteInt(r.set_data().version());
      break;
    case op::kGetAcl: w.WriteString(r.get_acl().path()); break;
    case op::kSetAcl:
      w.WriteString(r.set_acl().path());
      WriteAcls(w, r.set_acl().acl());
      w.WriteInt(r.set_acl().version());
      break;
    case op::kGetChildren:
    case op::kGetChildren2:
      w.WriteString(r.get_children().path());
      w.WriteBool(r.get_children().watch());
      break;
    case op::kSync: w.WriteString(r.sync().path()); break;
    case op::kCheck:
      w.WriteString(r.check().path());
      w.WriteInt(r.check().version());
      break;
    case op::kGetEphemerals: w.WriteString(r.get_ephemerals().prefix_path()); break;
    case op::kGetAllChildrenNumber: w.WriteString(r.get_all_children_number().path()); break;
    case op::kAddWatch:
      w.WriteString(r.add_watch().path());
      w.WriteInt(r.add_watch().mode());
      break;
    case op::kRemoveWatches:
      w.WriteString(r.remove_watches().path());
      w.WriteInt(r.remove_watches().type());
      break;
    case op::kCheckWatches:
      w.WriteString(r.check_watches().path());
      w.WriteInt(r.check_watches().type());
      break;
    case op::kSetWatches:
    case op::kSetWatches2: WriteSetWatches(w, opcode == op::kSetWatches2, r.set_watches()); break;
    case op::kAuth:
      w.WriteInt(0);  // AuthPacket.type, unused
      w.WriteString(r.auth().scheme());
      w.WriteBuffer(r.auth().auth());
      break;
    default: break;  // ping, closeSession, whoAmI: header only
  }
}

}  // namespace

Result<ZkOpContext> EncodeRequest(const proto::Request& request, int32_t opcode,
                                  std::string* out) {
  if (opcode == 0) opcode = DefaultOpcode(request);
  if (!Carries(opcode, request)) {
    return Status::InvalidArgument("zk: opcode " + std::to_string(opcode) + " (" +
                                   OpName(opcode) + ") cannot carry request op " +
                                   std::to_string(request.op_case()));
  }
  ZkOpContext context;
  context.opcode = opcode;
  std::string frame;
  FrameWriter f(&frame);
  WriteRequestHeader(f.writer(), RequestHeader{request.xid(), opcode});
  if (opcode == op::kMulti || opcode == op::kMultiRead) {
    ARBOR_RETURN_IF_ERROR(
        EncodeMultiRequest(f.writer(), request.multi(), &context.multi_result_types));
  } else {
    WriteBody(f.writer(), opcode, request);
  }
  f.Finish();
  out->append(frame);
  return context;
}

}  // namespace arbor::zk_wire
