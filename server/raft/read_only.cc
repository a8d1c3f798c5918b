#include "server/raft/read_only.h"

namespace arbor::raft {

bool ReadOnly::Add(uint64_t index, const Message& req, uint64_t self) {
  const std::string& ctx = req.context();
  if (pending_.count(ctx) > 0) return false;
  ReadRequest r{req, index, {self}};
  pending_.emplace(ctx, std::move(r));
  queue_.push_back(ctx);
  return true;
}

const std::set<uint64_t>* ReadOnly::RecvAck(uint64_t from, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(from);
  return &it->second.acks;
}

std::vector<ReadRequest> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadRequest> out;
  if (pending_.count(ctx) == 0) return out;
  while (!queue_.empty()) {
    std::string c = queue_.front();
    queue_.pop_front();
    auto it = pending_.find(c);
    out.push_back(std::move(it->second));
    pending_.erase(it);
    if (c == ctx) break;
  }
  return out;
}

std::string ReadOnly::LastPendingContext() const { return queue_.empty() ? "" : queue_.back(); }

}  // namespace arbor::raft
