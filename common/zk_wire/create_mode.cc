#include "common/zk_wire/create_mode.h"

#include "common/zk_wire/opcodes.h"

namespace arbor::zk_wire {

namespace {

bool IsSequentialFlags(proto::CreateMode mode) {
  return mode == proto::PERSISTENT_SEQUENTIAL || mode == proto::EPHEMERAL_SEQUENTIAL;
}

}  // namespace

bool CreateModeFromFlags(int32_t flags, proto::CreateMode* mode) {
  if (flags < proto::PERSISTENT || flags > proto::PERSISTENT_SEQUENTIAL_WITH_TTL) return false;
  *mode = static_cast<proto::CreateMode>(flags);
  return true;
}

bool IsTtlMode(proto::CreateMode mode) {
  return mode == proto::PERSISTENT_WITH_TTL || mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
}

proto::ErrorCode ApplyCreateFlags(int32_t opcode, int32_t flags, int64_t ttl,
                                  proto::CreateRequest* c, std::string* why) {
  const std::string name = OpName(opcode);
  proto::CreateMode mode = proto::PERSISTENT;
  if (!CreateModeFromFlags(flags, &mode)) {
    *why = name + ": invalid create flags " + std::to_string(flags);
    return proto::BADARGUMENTS;
  }
  c->set_sequential(false);
  c->set_ttl_ms(0);
  if (opcode == op::kCreateTtl) {
    if (!IsTtlMode(mode)) {
      *why = "createTTL needs a *_WITH_TTL create mode, got " + proto::CreateMode_Name(mode);
      return proto::BADARGUMENTS;
    }
    if (ttl <= 0 || ttl > kMaxTtlMs) {
      *why = "createTTL ttl must be in 1.." + std::to_string(kMaxTtlMs) + " ms, got " + std::to_string(ttl);
      return proto::BADARGUMENTS;
    }
    c->set_mode(mode);
    c->set_ttl_ms(ttl);
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
  if (opcode == op::kCreateContainer) {
    c->set_mode(proto::CONTAINER);
    c->set_sequential(IsSequentialFlags(mode));
  } else {
    c->set_mode(mode == proto::CONTAINER ? proto::PERSISTENT : mode);
  }
  return proto::OK;
}

proto::ErrorCode ApplyMultiCreateFlags(int32_t record_type, int32_t flags, int64_t ttl,
                                       proto::CreateRequest* c, std::string* why) {
  proto::CreateMode mode = proto::PERSISTENT;
  c->set_sequential(false);
  c->set_ttl_ms(0);
  if (!CreateModeFromFlags(flags, &mode)) {
    c->set_mode(proto::PERSISTENT);
    *why = "multi create of " + c->path() + ": invalid create flags " + std::to_string(flags);
    return proto::BADARGUMENTS;
  }
  if (IsTtlMode(mode) && record_type != op::kCreateTtl) {
    *why = "multi create of " + c->path() + ": " + proto::CreateMode_Name(mode) + " in a " +
           OpName(record_type) + " record, which has no ttl";
    return proto::MARSHALLINGERROR;
  }
  c->set_mode(mode);
  if (IsTtlMode(mode)) c->set_ttl_ms(ttl);
  return proto::OK;
}

int32_t CreateFlagsOf(const proto::CreateRequest& c) {
  if (c.mode() == proto::CONTAINER && c.sequential()) return proto::PERSISTENT_SEQUENTIAL;
  return c.mode();
}

}  // namespace arbor::zk_wire
