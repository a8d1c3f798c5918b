// ZooKeeper requests: RequestHeader{int xid; int type} + the opcode's record,
// translated to and from the one internal arbor.proto.Request.
//
// The internal Request does not say which ZooKeeper opcode carried it
// (create vs create2 answer differently; a multi's creates answer as create
// or create2), and nothing past the codec should care. So decoding also
// yields a small ZkOpContext that the connection keeps beside the pending
// request, and hands back to EncodeResponse with the matching Response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::zk_wire {

// What the response encoder needs to know about the request it answers.
struct ZkOpContext {
  int32_t opcode = 0;
  // multi/multiRead only: per op, the MultiHeader type of its result when it
  // succeeds (create(1) or create2(15) for creates, as ZooKeeper chooses by
  // create mode; delete(2), setData(5), check(13), getData(4),
  // getChildren(8)). Failed ops are always written as error(-1).
  std::vector<int32_t> multi_result_types;
};

struct ZkRequest {
  ZkOpContext context;
  // The decoded request; request.xid() is the header's xid. When `reject`
  // is not OK, the op is unset and must not be executed.
  proto::Request request;
  // Not OK: answer with a header-only reply carrying this code and do not
  // execute. Set for
  //   - an unknown opcode: UNIMPLEMENTED, and close_after_reply (as
  //     ZooKeeper's UnimplementedRequestProcessor);
  //   - sasl(102): UNIMPLEMENTED; reconfig(16): RECONFIGDISABLED;
  //   - a body that does not parse (truncated, bad lengths, trailing bytes,
  //     invalid UTF-8, unknown enum values, wrong op kinds in a multi):
  //     MARSHALLINGERROR, as ZooKeeper answers a request it cannot read;
  //   - a create whose opcode and mode disagree (see create_mode.h):
  //     BADARGUMENTS.
  proto::ErrorCode reject = proto::OK;
  std::string reject_reason;  // human-readable, for logs
  bool close_after_reply = false;
};

// Decodes one request frame (payload without the length prefix). Fails only
// when not even the 8-byte RequestHeader can be read (the server should
// close the connection); every other problem is a ZkRequest with `reject`
// set, so the server can answer the client's xid. Never crashes, never
// allocates more than a small multiple of the payload size.
Result<ZkRequest> DecodeRequest(std::string_view payload);

// Client side: appends a length-prefixed request frame to *out and returns
// the context needed to decode its response. `opcode` picks the wire form;
// 0 picks the natural one for the op: create -> create2 (createContainer
// for CONTAINER, createTTL for TTL modes), get_children -> getChildren2 when
// with_stat else getChildren, multi -> multiRead when read_only, set_watches
// -> setWatches2, delete -> deleteContainer when container_only. Fails with
// InvalidArgument if the opcode cannot carry the op.
Result<ZkOpContext> EncodeRequest(const proto::Request& request, int32_t opcode,
                                  std::string* out);

}  // namespace arbor::zk_wire
