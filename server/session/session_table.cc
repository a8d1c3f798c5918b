#include "server/session/session_table.h"

namespace arbor::session {

bool SessionTable::Create(int64_t id, int32_t timeout_ms, std::string password) {
  return sessions_.emplace(id, SessionInfo{timeout_ms, std::move(password)}).second;
}

bool SessionTable::Remove(int64_t id) { return sessions_.erase(id) != 0; }

const SessionInfo* SessionTable::Find(int64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

}  // namespace arbor::session
