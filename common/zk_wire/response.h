// ZooKeeper replies: ReplyHeader{int xid; long zxid; int err} + the opcode's
// response record, translated to and from arbor.proto.Response; and watch
// notifications: ReplyHeader{-1, -1, 0} + WatcherEvent{int type; int state;
// ustring path}.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/zk_wire/records.h"
#include "common/zk_wire/request.h"
#include "proto/client.pb.h"

namespace arbor::zk_wire {

// Server side: appends one length-prefixed reply to *out. `context` is the
// one DecodeRequest returned for the request being answered.
//   - response.error() != OK: the header alone, as ZooKeeper — except a
//     multi/multiRead that carries results: a multi that ran and failed is
//     written, as ZooKeeper does, with err 0 in the header and the per-op
//     errors in its results (see multi.h), whatever response.error() says.
//   - ping replies always carry xid -2 and auth replies zxid 0, as
//     ZooKeeper's server writes them.
//   - the result must match the opcode (a bodiless op may leave it unset);
//     a mismatch is Internal and nothing is appended.
// Rejected requests (ZkRequest::reject) are answered by passing a Response
// with that error.
Status EncodeResponse(const ZkOpContext& context, const proto::Response& response,
                      std::string* out);

// Server side: appends a notification frame. The header's zxid is -1, as
// ZooKeeper 3.8 writes it (later versions send the event's zxid); the event
// type EVENT_NONE is written as ZooKeeper's None (-1).
void EncodeWatchEvent(const proto::WatchEvent& event, std::string* out);

// Client side: the header of a reply frame, to route it (xid -1: a
// notification for DecodeWatchEvent; -2 ping; -4 auth; -8 setWatches;
// otherwise the pending request with that xid).
Result<ReplyHeader> PeekReplyHeader(std::string_view payload);

// Client side: decodes a reply to a request encoded with `context`. An
// error reply must carry no body; a success must carry exactly the
// opcode's record. For multi(14) the response error is set to the first
// failing op's code (the internal convention for a failed multi); multiRead
// results are independent, so its error stays OK.
Result<proto::Response> DecodeResponse(const ZkOpContext& context, std::string_view payload);

// Client side: decodes a notification frame (header xid must be -1). The
// event's zxid is the header's (-1 from ZooKeeper 3.8).
Result<proto::WatchEvent> DecodeWatchEvent(std::string_view payload);

}  // namespace arbor::zk_wire
