// multi(14) and multiRead(22): a sequence of MultiHeader{int type; boolean
// done; int err} each followed by its op's record, ended by a header with
// done = true (ZooKeeper writes {-1, true, -1}). Responses use the same
// framing; a failed op is written as type error(-1) with ErrorResponse{err}.
// Internal to the codec: request.h and response.h are the public API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/jute_writer.h"
#include "proto/client.pb.h"

namespace arbor::zk_wire {

inline constexpr size_t kMultiHeaderBytes = 9;

// Decodes a multi (read_only = false: create/create2/createContainer/
// createTTL/delete/setData/check ops) or multiRead (read_only = true:
// getData/getChildren ops) body. Malformed bytes, an op of the wrong kind or
// a create with TTL flags in a record without a ttl fail with Corruption (the
// whole multi: MARSHALLINGERROR, as ZooKeeper). A create whose flags name no
// mode gets MultiOp.fail_with = BADARGUMENTS: that op fails when the multi
// runs, as on ZooKeeper. Creates follow their flags, not their record type
// (create_mode.h). Appends each op's success result type to *result_types.
Status DecodeMultiRequest(JuteReader& in, bool read_only, proto::MultiRequest* multi,
                          std::vector<int32_t>* result_types);

// Client side. Fails with InvalidArgument for an op that does not belong
// in this kind of multi.
Status EncodeMultiRequest(JuteWriter& out, const proto::MultiRequest& multi,
                          std::vector<int32_t>* result_types);

// Writes a MultiResponse. A result with error != OK, or with no result set
// (an op rolled back before the failing one: ZooKeeper reports it as error
// with err 0), is written as error(-1). `result_types` comes from the
// request's ZkOpContext and must have one entry per result.
Status EncodeMultiResponse(JuteWriter& out, const proto::MultiResponse& response,
                           const std::vector<int32_t>& result_types);

Status DecodeMultiResponse(JuteReader& in, proto::MultiResponse* response);

// The result type ZooKeeper reports for a successful create in a multi:
// create2(15) with a Stat for CONTAINER and TTL modes, else create(1).
int32_t MultiCreateResultType(proto::CreateMode mode);

}  // namespace arbor::zk_wire
