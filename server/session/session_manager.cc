#include "server/session/session_manager.h"

#include <functional>

namespace arbor::session {

void SessionManager::Attach(ClientHandle* client, Ids initial_ids) {
  by_conn_[client->connection_id()] = client;
  ids_[client->connection_id()] = std::move(initial_ids);
}

void SessionManager::Detach(ClientHandle* client) {
  by_conn_.erase(client->connection_id());
  ids_.erase(client->connection_id());
  auto it = by_session_.find(client->session_id());
  if (it != by_session_.end() && it->second == client) by_session_.erase(it);
}

ClientHandle* SessionManager::Find(uint64_t connection_id) const {
  auto it = by_conn_.find(connection_id);
  return it == by_conn_.end() ? nullptr : it->second;
}

const Ids& SessionManager::IdsOf(uint64_t connection_id) const {
  static const Ids kNone;
  auto it = ids_.find(connection_id);
  return it == ids_.end() ? kNone : it->second;
}

Ids* SessionManager::MutableIdsOf(uint64_t connection_id) {
  auto it = ids_.find(connection_id);
  return it == ids_.end() ? nullptr : &it->second;
}

void SessionManager::Bind(int64_t session_id, ClientHandle* client) {
  auto old = by_session_.find(session_id);
  if (old != by_session_.end() && old->second != client) {
    old->second->Terminate(proto::SESSIONMOVED, Status::Ok());
  }
  by_session_[session_id] = client;
}

ClientHandle* SessionManager::Carrier(int64_t session_id) const {
  auto it = by_session_.find(session_id);
  return it == by_session_.end() ? nullptr : it->second;
}

void SessionManager::End(int64_t session_id, proto::ErrorCode why) {
  expiry_.Remove(session_id);
  heard_from_.erase(session_id);
  auto it = by_session_.find(session_id);
  if (it == by_session_.end()) return;
  ClientHandle* c = it->second;
  by_session_.erase(it);
  c->Terminate(why, Status::Ok());
}

void SessionManager::Touch(int64_t session_id, int64_t now_ms, bool leader) {
  if (session_id == 0) return;
  if (leader) {
    expiry_.Touch(session_id, now_ms);
  } else {
    heard_from_.insert(session_id);
  }
}

void SessionManager::TouchReported(const std::vector<int64_t>& session_ids, int64_t now_ms) {
  for (int64_t id : session_ids) expiry_.Touch(id, now_ms);
}

std::vector<int64_t> SessionManager::TakeHeartbeatReport() {
  std::vector<int64_t> out(heard_from_.begin(), heard_from_.end());
  heard_from_.clear();
  return out;
}

void SessionManager::Created(int64_t session_id, int32_t timeout_ms, int64_t now_ms) {
  expiry_.Add(session_id, timeout_ms, now_ms);
}

void SessionManager::BecameLeader(const SessionTable& table, int64_t now_ms) {
  for (const auto& [id, info] : table.all()) expiry_.Add(id, info.timeout_ms, now_ms);
  expiry_.RenewAll(now_ms);
  heard_from_.clear();
}

std::vector<int64_t> SessionManager::TakeExpired(int64_t now_ms) { return expiry_.TakeExpired(now_ms); }

void SessionManager::RetryExpiry(const std::vector<int64_t>& session_ids, int64_t now_ms) {
  // Due long ago: the next TakeExpired returns them again.
  for (int64_t id : session_ids) expiry_.Reinstate(id, now_ms - 1000000000);
}

void SessionManager::Reset(const SessionTable& table, int64_t now_ms) {
  expiry_.Clear();
  heard_from_.clear();
  for (const auto& [id, info] : table.all()) expiry_.Add(id, info.timeout_ms, now_ms);
}

bool SessionManager::Revive(int64_t session_id, int64_t now_ms) { return expiry_.Touch(session_id, now_ms); }

uint64_t SessionManager::ReportSent(int64_t now_ms) {
  uint64_t seq = next_report_seq_++;
  reports_in_flight_[seq] = now_ms;
  // Reports whose ack never came are forgotten after a while (bounded).
  while (reports_in_flight_.size() > 256) reports_in_flight_.erase(reports_in_flight_.begin());
  return seq;
}

void SessionManager::AckReceived(uint64_t seq, int64_t now_ms) {
  last_ack_ = now_ms;
  auto it = reports_in_flight_.find(seq);
  if (it == reports_in_flight_.end()) return;
  acked_through_ = std::max(acked_through_, it->second);
  reports_in_flight_.erase(reports_in_flight_.begin(), std::next(it));
}

bool SessionManager::InContact(int64_t now_ms, int64_t window_ms, bool leader, uint64_t self,
                               const std::vector<uint64_t>& voters) const {
  if (!leader) return now_ms - last_ack_ <= window_ms;
  std::vector<int64_t> heard;
  for (uint64_t v : voters) {
    if (v == self) {
      heard.push_back(now_ms);
      continue;
    }
    auto it = last_report_.find(v);
    heard.push_back(it == last_report_.end() ? -(int64_t{1} << 62) : it->second);
  }
  if (heard.empty()) return true;  // not a voter: nothing to lead
  std::sort(heard.begin(), heard.end(), std::greater<int64_t>());
  size_t majority = heard.size() / 2 + 1;
  return now_ms - heard[majority - 1] <= window_ms;
}

}  // namespace arbor::session
