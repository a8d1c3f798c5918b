#include "common/zk_wire/create_mode.h"

#include "common/zk_wire/opcodes.h"

namespace arbor::zk_wire {

bool CreateModeFromFlags(int32_t flags, proto::CreateMode* mode) {
  if (flags < proto::PERSISTENT || flags > proto::PERSISTENT_SEQUENTIAL_WITH_TTL) return false;
  *mode = static_cast<proto::CreateMode>(flags);
  return true;
}

bool IsTtlMode(proto::CreateMode mode) {
  return mode == proto::PERSISTENT_WITH_TTL || mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
}

proto::ErrorCode ValidateCreate(int32_t opcode, proto::CreateMode mode, int64_t ttl_ms,
                                std::string* why) {
  const std::string name = OpName(opcode);
  if (opcode == op::kCreateTtl) {
    if (!IsTtlMode(mode)) {
      *why = "createTTL needs a *_WITH_TTL create mode, got " + proto::CreateMode_Name(mode);
      return proto::BADARGUMENTS;
    }
    if (ttl_ms <= 0 || ttl_ms > kMaxTtlMs) {
      *why = "createTTL ttl must be in 1.." + std::to_string(kMaxTtlMs) + " ms, got " +
             std::to_string(ttl_ms);
      return proto::BADARGUMENTS;
    }
    return proto::OK;
  }
  if (opcode != op::kCreate && opcode != op::kCreate2 && opcode != op::kCreateContainer) {
    *why = name + " is not a create opcode";
    return proto::BADARGUMENTS;
  }
  if (IsTtlMode(mode)) {
    *why = name + " cannot create a TTL node (" + proto::CreateMode_Name(mode) + "); use createTTL";
    return proto::BADARGUMENTS;
  }
  if (opcode == op::kCreateContainer && mode != proto::CONTAINER) {
    *why = "createContainer needs the CONTAINER mode, got " + proto::CreateMode_Name(mode);
    return proto::BADARGUMENTS;
  }
  return proto::OK;
}

}  // namespace arbor::zk_wire
