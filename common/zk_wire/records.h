// Jute records shared by several ZooKeeper messages: ReplyHeader, Stat, ACL
// lists, string lists. Each Read* consumes exactly its record or fails with
// a Status naming the field; each Write* appends exactly its record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/jute_writer.h"
#include "proto/client.pb.h"

namespace arbor::zk_wire {

// RequestHeader{int xid; int type} — 8 bytes.
struct RequestHeader {
  int32_t xid = 0;
  int32_t type = 0;
};
// ReplyHeader{int xid; long zxid; int err} — 16 bytes.
struct ReplyHeader {
  int32_t xid = 0;
  int64_t zxid = 0;
  int32_t err = 0;
};

inline constexpr size_t kRequestHeaderBytes = 8;
inline constexpr size_t kReplyHeaderBytes = 16;
inline constexpr size_t kStatBytes = 68;       // 6 longs + 5 ints
inline constexpr size_t kMinAclBytes = 12;      // perms + two empty ustrings
inline constexpr size_t kMinStringBytes = 4;    // an empty ustring's length

Status ReadRequestHeader(JuteReader& in, RequestHeader* h);
void WriteRequestHeader(JuteWriter& out, const RequestHeader& h);
Status ReadReplyHeader(JuteReader& in, ReplyHeader* h);
void WriteReplyHeader(JuteWriter& out, const ReplyHeader& h);

// org.apache.zookeeper.data.Stat, field for field. WriteStat writes the
// ephemeralOwner a ZooKeeper client sees (DataNode.copyStat): a session id,
// else 0 — containers and TTL nodes keep their kind in Arbor's encoding
// (server/tree/ephemeral_type.h), which only the native protocol shows.
Status ReadStat(JuteReader& in, proto::Stat* stat);
void WriteStat(JuteWriter& out, const proto::Stat& stat);

// GetDataResponse.data: null data is a null buffer (length -1).
Status ReadData(JuteReader& in, proto::GetDataResponse* r);
void WriteData(JuteWriter& out, const proto::GetDataResponse& r);

// vector<ACL>, ACL{int perms; Id{ustring scheme; ustring id}}.
Status ReadAcls(JuteReader& in, const char* field,
                google::protobuf::RepeatedPtrField<proto::Acl>* acls);
void WriteAcls(JuteWriter& out, const google::protobuf::RepeatedPtrField<proto::Acl>& acls);

// vector<ustring>.
Status ReadStrings(JuteReader& in, const char* field,
                   google::protobuf::RepeatedPtrField<std::string>* strings);
void WriteStrings(JuteWriter& out, const google::protobuf::RepeatedPtrField<std::string>& strings);

// Watcher.Event.EventType on the wire: ZooKeeper's None is -1, the internal
// EVENT_NONE is 0; the other values are equal. Unknown wire values fail.
int32_t EventTypeToWire(proto::EventType type);
Status EventTypeFromWire(int32_t wire, proto::EventType* type);
// Watcher.Event.KeeperState: equal numbers; unknown wire values fail.
Status KeeperStateFromWire(int32_t wire, proto::KeeperState* state);

}  // namespace arbor::zk_wire
