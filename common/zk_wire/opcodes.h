// ZooKeeper's operation codes (ZooDefs.OpCode) and special xids
// (ClientCnxn), as they appear on the wire.
#pragma once

#include <cstdint>

namespace arbor::zk_wire {

namespace op {
inline constexpr int32_t kNotification = 0;
inline constexpr int32_t kCreate = 1;
inline constexpr int32_t kDelete = 2;
inline constexpr int32_t kExists = 3;
inline constexpr int32_t kGetData = 4;
inline constexpr int32_t kSetData = 5;
inline constexpr int32_t kGetAcl = 6;
inline constexpr int32_t kSetAcl = 7;
inline constexpr int32_t kGetChildren = 8;
inline constexpr int32_t kSync = 9;
inline constexpr int32_t kPing = 11;
inline constexpr int32_t kGetChildren2 = 12;
inline constexpr int32_t kCheck = 13;
inline constexpr int32_t kMulti = 14;
inline constexpr int32_t kCreate2 = 15;
inline constexpr int32_t kReconfig = 16;
inline constexpr int32_t kCheckWatches = 17;
inline constexpr int32_t kRemoveWatches = 18;
inline constexpr int32_t kCreateContainer = 19;
inline constexpr int32_t kDeleteContainer = 20;
inline constexpr int32_t kCreateTtl = 21;
inline constexpr int32_t kMultiRead = 22;
inline constexpr int32_t kAuth = 100;
inline constexpr int32_t kSetWatches = 101;
inline constexpr int32_t kSasl = 102;
inline constexpr int32_t kGetEphemerals = 103;
inline constexpr int32_t kGetAllChildrenNumber = 104;
inline constexpr int32_t kSetWatches2 = 105;
inline constexpr int32_t kAddWatch = 106;
inline constexpr int32_t kWhoAmI = 107;
inline constexpr int32_t kCreateSession = -10;
inline constexpr int32_t kCloseSession = -11;
inline constexpr int32_t kError = -1;  // a failed op inside a multi response
}  // namespace op

namespace xid {
inline constexpr int32_t kNotification = -1;  // watch events (server to client)
inline constexpr int32_t kPing = -2;
inline constexpr int32_t kAuth = -4;
inline constexpr int32_t kSetWatches = -8;
}  // namespace xid

// ZooKeeper's name for an opcode ("create", "getChildren2", ...), or
// "unknown" — for error messages and logs.
const char* OpName(int32_t opcode);

}  // namespace arbor::zk_wire
