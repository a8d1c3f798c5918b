#include "server/net/client_budget.h"

#include <glog/logging.h>

#include "server/net/connection.h"

namespace arbor::net {

std::string IpOf(const std::string& peer) {
  size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

Status ClientBudget::Admit(const std::string& ip) {
  if (options_.max_connections != 0 && connections_ >= options_.max_connections) {
    ++refused_total_;
    return Status::Busy(std::to_string(connections_) + " client connections are open, the limit is " +
                        std::to_string(options_.max_connections) +
                        " (raise --max_connections if this is expected)");
  }
  size_t& from_ip = per_ip_[ip];
  if (options_.max_connections_per_ip != 0 && from_ip >= options_.max_connections_per_ip) {
    ++refused_per_ip_;
    if (from_ip == 0) per_ip_.erase(ip);
    return Status::Busy("too many connections from " + ip + ": " + std::to_string(from_ip) +
                        ", the limit is " + std::to_string(options_.max_connections_per_ip) +
                        " (--max_connections_per_ip)");
  }
  ++from_ip;
  ++connections_;
  return Status::Ok();
}

void ClientBudget::Leave(const std::string& ip) {
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  if (connections_ > 0) --connections_;
}

void ClientBudget::Track(Connection* c) { tracked_[c->id()] = c; }

void ClientBudget::Untrack(Connection* c) { tracked_.erase(c->id()); }

bool ClientBudget::MakeRoom(Connection* writer, size_t n) {
  while (options_.max_total_output_bytes != 0 && output_bytes_ + n > options_.max_total_output_bytes) {
    Connection* victim = nullptr;
    for (const auto& [id, c] : tracked_) {
      if (c->dropping()) continue;
      if (victim == nullptr || c->output_queued_bytes() > victim->output_queued_bytes()) victim = c;
    }
    if (victim == nullptr) return true;  // every other one is already going
    ++dropped_slow_readers_;
    LOG(WARNING) << "dropping connection " << victim->id() << " from " << victim->peer() << ": it has not read "
                 << victim->output_queued_bytes() << " bytes, the most of any client, while output to clients totals "
                 << output_bytes_ << " bytes (--max_total_output_bytes " << options_.max_total_output_bytes << ")";
    victim->Drop(Status::Busy("dropped as the slowest reader: clients' unread output over --max_total_output_bytes"));
    if (victim == writer) return false;
  }
  return true;
}

}  // namespace arbor::net
