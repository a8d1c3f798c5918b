#include "common/zk_wire/multi.h"

#include "common/zk_wire/create_mode.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/records.h"

namespace arbor::zk_wire {

namespace {

struct MultiHeader {
  int32_t type = 0;
  bool done = false;
  int32_t err = 0;
};

Status ReadMultiHeader(JuteReader& in, MultiHeader* h) {
  ARBOR_RETURN_IF_ERROR(in.ReadInt("MultiHeader.type", &h->type));
  ARBOR_RETURN_IF_ERROR(in.ReadBool("MultiHeader.done", &h->done));
  return in.ReadInt("MultiHeader.err", &h->err);
}

void WriteMultiHeader(JuteWriter& out, int32_t type, bool done, int32_t err) {
  out.WriteInt(type);
  out.WriteBool(done);
  out.WriteInt(err);
}

Status WrongKind(int32_t type, bool read_only, size_t index) {
  return Status::Corruption(std::string("zk ") + (read_only ? "multiRead" : "multi") + " op " +
                            std::to_string(index) + " has type " + std::to_string(type) + " (" +
                            OpName(type) + "), which is not allowed there");
}

// One create op of a multi: its flags alone say what it creates (see
// ApplyMultiCreateFlags). Flags that name no mode fail just this op when the
// multi runs (MultiOp.fail_with); TTL flags without a ttl fail the whole multi.
Status DecodeMultiCreate(JuteReader& in, int32_t type, proto::MultiOp* op) {
  proto::CreateRequest* c = op->mutable_create();
  bool null_data = false;
  ARBOR_RETURN_IF_ERROR(in.ReadString("CreateRequest.path", c->mutable_path()));
  ARBOR_RETURN_IF_ERROR(in.ReadBuffer("CreateRequest.data", c->mutable_data(), &null_data));
  ARBOR_RETURN_IF_ERROR(ReadAcls(in, "CreateRequest.acl", c->mutable_acl()));
  int32_t flags = 0;
  ARBOR_RETURN_IF_ERROR(in.ReadInt("CreateRequest.flags", &flags));
  int64_t ttl = 0;
  if (type == op::kCreateTtl) ARBOR_RETURN_IF_ERROR(in.ReadLong("CreateTTLRequest.ttl", &ttl));
  c->set_null_data(null_data);
  std::string why;
  switch (ApplyMultiCreateFlags(type, flags, ttl, c, &why)) {
    case proto::OK:
      return Status::Ok();
    case proto::BADARGUMENTS:
      op->set_fail_with(proto::BADARGUMENTS);
      return Status::Ok();
    default:
      return Status::Corruption("zk " + why);
  }
}

Status DecodeWriteOp(JuteReader& in, int32_t type, proto::MultiOp* op, int32_t* result_type) {
  int32_t version = 0;
  switch (type) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl: {
      ARBOR_RETURN_IF_ERROR(DecodeMultiCreate(in, type, op));
      *result_type = MultiCreateResultType(op->create().mode());
      return Status::Ok();
    }
    case op::kDelete: {
      proto::DeleteRequest* d = op->mutable_delete_();
      ARBOR_RETURN_IF_ERROR(in.ReadString("DeleteRequest.path", d->mutable_path()));
      ARBOR_RETURN_IF_ERROR(in.ReadInt("DeleteRequest.version", &version));
      d->set_version(version);
      break;
    }
    case op::kSetData: {
      proto::SetDataRequest* s = op->mutable_set_data();
      bool null_data = false;
      ARBOR_RETURN_IF_ERROR(in.ReadString("SetDataRequest.path", s->mutable_path()));
      ARBOR_RETURN_IF_ERROR(in.ReadBuffer("SetDataRequest.data", s->mutable_data(), &null_data));
      ARBOR_RETURN_IF_ERROR(in.ReadInt("SetDataRequest.version", &version));
      s->set_version(version);
      s->set_null_data(null_data);
      break;
    }
    case op::kCheck: {
      proto::CheckRequest* c = op->mutable_check();
      ARBOR_RETURN_IF_ERROR(in.ReadString("CheckVersionRequest.path", c->mutable_path()));
      ARBOR_RETURN_IF_ERROR(in.ReadInt("CheckVersionRequest.version", &version));
      c->set_version(version);
      break;
    }
    default:
      return Status::Corruption("unreachable");
  }
  *result_type = type;
  return Status::Ok();
}

Status DecodeReadOp(JuteReader& in, int32_t type, proto::MultiOp* op) {
  bool watch = false;
  if (type == op::kGetData) {
    proto::GetDataRequest* g = op->mutable_get_data();
    ARBOR_RETURN_IF_ERROR(in.ReadString("GetDataRequest.path", g->mutable_path()));
    ARBOR_RETURN_IF_ERROR(in.ReadBool("GetDataRequest.watch", &watch));
    g->set_watch(watch);
  } else {
    proto::GetChildrenRequest* g = op->mutable_get_children();
    ARBOR_RETURN_IF_ERROR(in.ReadString("GetChildrenRequest.path", g->mutable_path()));
    ARBOR_RETURN_IF_ERROR(in.ReadBool("GetChildrenRequest.watch", &watch));
    g->set_watch(watch);
  }
  return Status::Ok();
}

bool IsWriteOpType(int32_t t) {
  return t == op::kCreate || t == op::kCreate2 || t == op::kCreateContainer ||
         t == op::kCreateTtl || t == op::kDelete || t == op::kSetData || t == op::kCheck;
}

bool IsReadOpType(int32_t t) { return t == op::kGetData || t == op::kGetChildren; }

}  // namespace

int32_t MultiCreateResultType(proto::CreateMode mode) {
  return (mode == proto::CONTAINER || IsTtlMode(mode)) ? op::kCreate2 : op::kCreate;
}

Status DecodeMultiRequest(JuteReader& in, bool read_only, proto::MultiRequest* multi,
                          std::vector<int32_t>* result_types) {
  multi->set_read_only(read_only);
  MultiHeader h;
  ARBOR_RETURN_IF_ERROR(ReadMultiHeader(in, &h));
  // Each op consumes at least one MultiHeader, so the loop is bounded by the
  // frame size.
  while (!h.done) {
    const size_t index = static_cast<size_t>(multi->ops_size());
    proto::MultiOp* op = multi->add_ops();
    if (read_only) {
      if (!IsReadOpType(h.type)) return WrongKind(h.type, read_only, index);
      ARBOR_RETURN_IF_ERROR(DecodeReadOp(in, h.type, op));
      result_types->push_back(h.type);
    } else {
      if (!IsWriteOpType(h.type)) return WrongKind(h.type, read_only, index);
      int32_t result_type = 0;
      ARBOR_RETURN_IF_ERROR(DecodeWriteOp(in, h.type, op, &result_type));
      result_types->push_back(result_type);
    }
    ARBOR_RETURN_IF_ERROR(ReadMultiHeader(in, &h));
  }
  return Status::Ok();
}

}  // namespace arbor::zk_wire

namespace arbor::zk_wire {

namespace {

int32_t MultiCreateRequestType(proto::CreateMode mode) {
  if (IsTtlMode(mode)) return op::kCreateTtl;
  return mode == proto::CONTAINER ? op::kCreateContainer : op::kCreate;
}

Status EncodeOneMultiOp(JuteWriter& out, const proto::MultiOp& op, bool read_only,
                        int32_t* result_type) {
  const bool is_read = op.op_case() == proto::MultiOp::kGetData ||
                       op.op_case() == proto::MultiOp::kGetChildren;
  if (op.op_case() == proto::MultiOp::OP_NOT_SET || is_read != read_only) {
    return Status::InvalidArgument(std::string("zk: op ") + std::to_string(op.op_case()) +
                                   " does not belong in a " + (read_only ? "multiRead" : "multi"));
  }
  switch (op.op_case()) {
    case proto::MultiOp::kCreate: {
      const proto::CreateRequest& c = op.create();
      if (c.mode() == proto::CONTAINER && c.sequential()) {
        return Status::InvalidArgument("zk: a multi cannot create a sequential container");
      }
      const int32_t type = MultiCreateRequestType(c.mode());
      WriteMultiHeader(out, type, false, -1);
      out.WriteString(c.path());
      if (c.null_data()) {
        out.WriteNullBuffer();
      } else {
        out.WriteBuffer(c.data());
      }
      WriteAcls(out, c.acl());
      // An op the decoder marked as failing had flags no mode has: keep it so.
      out.WriteInt(op.fail_with() == proto::BADARGUMENTS ? -1 : c.mode());
      if (type == op::kCreateTtl) out.WriteLong(c.ttl_ms());
      *result_type = MultiCreateResultType(c.mode());
      return Status::Ok();
    }
    case proto::MultiOp::kDelete:
      if (op.delete_().container_only()) {
        return Status::InvalidArgument("zk: deleteContainer cannot be part of a multi");
      }
      WriteMultiHeader(out, *result_type = op::kDelete, false, -1);
      out.WriteString(op.delete_().path());
      out.WriteInt(op.delete_().version());
      return Status::Ok();
    case proto::MultiOp::kSetData:
      WriteMultiHeader(out, *result_type = op::kSetData, false, -1);
      out.WriteString(op.set_data().path());
      if (op.set_data().null_data()) {
        out.WriteNullBuffer();
      } else {
        out.WriteBuffer(op.set_data().data());
      }
      out.WriteInt(op.set_data().version());
      return Status::Ok();
    case proto::MultiOp::kCheck:
      WriteMultiHeader(out, *result_type = op::kCheck, false, -1);
      out.WriteString(op.check().path());
      out.WriteInt(op.check().version());
      return Status::Ok();
    case proto::MultiOp::kGetData:
      WriteMultiHeader(out, *result_type = op::kGetData, false, -1);
      out.WriteString(op.get_data().path());
      out.WriteBool(op.get_data().watch());
      return Status::Ok();
    case proto::MultiOp::kGetChildren:
      WriteMultiHeader(out, *result_type = op::kGetChildren, false, -1);
      out.WriteString(op.get_children().path());
      out.WriteBool(op.get_children().watch());
      return Status::Ok();
    case proto::MultiOp::OP_NOT_SET:
      break;
  }
  return Status::InvalidArgument("zk: empty multi op");
}

proto::MultiOpResult::ResultCase ResultCaseFor(int32_t type) {
  switch (type) {
    case op::kCreate:
    case op::kCreate2: return proto::MultiOpResult::kCreate;
    case op::kDelete: return proto::MultiOpResult::kDelete;
    case op::kSetData: return proto::MultiOpResult::kSetData;
    case op::kCheck: return proto::MultiOpResult::kCheck;
    case op::kGetData: return proto::MultiOpResult::kGetData;
    case op::kGetChildren: return proto::MultiOpResult::kGetChildren;
    default: return proto::MultiOpResult::RESULT_NOT_SET;
  }
}

void WriteMultiResultBody(JuteWriter& out, int32_t type, const proto::MultiOpResult& r) {
  switch (type) {
    case op::kCreate:
      out.WriteString(r.create().path());
      break;
    case op::kCreate2:
      out.WriteString(r.create().path());
      WriteStat(out, r.create().stat());
      break;
    case op::kSetData:
      WriteStat(out, r.set_data().stat());
      break;
    case op::kGetData:
      WriteData(out, r.get_data());
      WriteStat(out, r.get_data().stat());
      break;
    case op::kGetChildren:
      WriteStrings(out, r.get_children().children());
      break;
    default:  // delete, check: no body
      break;
  }
}

Status ReadMultiResultBody(JuteReader& in, int32_t type, proto::MultiOpResult* r) {
  switch (type) {
    case op::kError: {
      int32_t err = 0;
      ARBOR_RETURN_IF_ERROR(in.ReadInt("ErrorResponse.err", &err));
      r->set_error(static_cast<proto::ErrorCode>(err));
      return Status::Ok();
    }
    case op::kCreate:
      return in.ReadString("CreateResponse.path", r->mutable_create()->mutable_path());
    case op::kCreate2:
      ARBOR_RETURN_IF_ERROR(in.ReadString("Create2Response.path", r->mutable_create()->mutable_path()));
      return ReadStat(in, r->mutable_create()->mutable_stat());
    case op::kDelete:
      r->mutable_delete_();
      return Status::Ok();
    case op::kCheck:
      r->mutable_check();
      return Status::Ok();
    case op::kSetData:
      return ReadStat(in, r->mutable_set_data()->mutable_stat());
    case op::kGetData:
      ARBOR_RETURN_IF_ERROR(ReadData(in, r->mutable_get_data()));
      return ReadStat(in, r->mutable_get_data()->mutable_stat());
    case op::kGetChildren:
      return ReadStrings(in, "GetChildrenResponse.children",
                         r->mutable_get_children()->mutable_children());
    default:
      return Status::Corruption("zk: invalid type " + std::to_string(type) + " in MultiResponse");
  }
}

}  // namespace

Status EncodeMultiRequest(JuteWriter& out, const proto::MultiRequest& multi,
                          std::vector<int32_t>* result_types) {
  for (const proto::MultiOp& op : multi.ops()) {
    int32_t result_type = 0;
    ARBOR_RETURN_IF_ERROR(EncodeOneMultiOp(out, op, multi.read_only(), &result_type));
    result_types->push_back(result_type);
  }
  WriteMultiHeader(out, -1, true, -1);
  return Status::Ok();
}

Status EncodeMultiResponse(JuteWriter& out, const proto::MultiResponse& response,
                           const std::vector<int32_t>& result_types) {
  if (static_cast<size_t>(response.results_size()) != result_types.size()) {
    return Status::Internal("zk: multi response has " + std::to_string(response.results_size()) +
                            " results for " + std::to_string(result_types.size()) + " ops");
  }
  for (size_t k = 0; k < result_types.size(); ++k) {
    const proto::MultiOpResult& r = response.results(static_cast<int>(k));
    if (r.error() != proto::OK || r.result_case() == proto::MultiOpResult::RESULT_NOT_SET) {
      WriteMultiHeader(out, op::kError, false, r.error());
      out.WriteInt(r.error());  // ErrorResponse{err}
      continue;
    }
    const int32_t type = result_types[k];
    if (ResultCaseFor(type) != r.result_case()) {
      return Status::Internal("zk: multi result " + std::to_string(k) + " has result case " +
                              std::to_string(r.result_case()) + " but its op was " +
                              OpName(type));
    }
    WriteMultiHeader(out, type, false, 0);
    WriteMultiResultBody(out, type, r);
  }
  WriteMultiHeader(out, -1, true, -1);
  return Status::Ok();
}

Status DecodeMultiResponse(JuteReader& in, proto::MultiResponse* response) {
  MultiHeader h;
  ARBOR_RETURN_IF_ERROR(ReadMultiHeader(in, &h));
  while (!h.done) {  // bounded: each result consumes a 9-byte header
    ARBOR_RETURN_IF_ERROR(ReadMultiResultBody(in, h.type, response->add_results()));
    ARBOR_RETURN_IF_ERROR(ReadMultiHeader(in, &h));
  }
  return Status::Ok();
}

}  // namespace arbor::zk_wire
