// Bounds shared by every client connection of one server, whichever port
// accepted it: connections in all and per IP address, and the output queued
// for clients that have not read it. One client, or one address, must not
// take what the others need (issue #15; docs/SECURITY.md).
//
// Output: each connection also has its own bound (ConnectionLimits); this
// one caps the sum. When a write would take the sum past it, the connection
// with the most unread output, the slowest reader, is dropped: its queued
// output is freed at once and it closes on the next loop turn, so no other
// connection's handler runs inside the writer's call.
//
// Threading: loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace arbor::net {

class Connection;

struct ClientBudgetOptions {
  size_t max_connections = 10000;     // 0: no bound
  size_t max_connections_per_ip = 0;  // 0: no bound
  size_t max_total_output_bytes = 0;  // 0: no bound
};

class ClientBudget {
 public:
  explicit ClientBudget(ClientBudgetOptions options) : options_(options) {}

  // A new connection from `ip`: OK and counted (Leave() when it goes), or
  // Busy saying which bound refused it.
  Status Admit(const std::string& ip);
  void Leave(const std::string& ip);

  // Connections whose output counts toward the total.
  void Track(Connection* c);
  void Untrack(Connection* c);
  void AddOutput(size_t n) { output_bytes_ += n; }
  void SubOutput(size_t n) { output_bytes_ -= n; }
  // `writer` is about to queue `n` bytes. While that takes the total over its
  // bound, the connection with the most unread output is dropped. False if
  // that was the writer (the write must not happen).
  bool MakeRoom(Connection* writer, size_t n);
  // A connection was cut off past its own output bound.
  void NoteSlowReader() { ++dropped_slow_readers_; }

  size_t connections() const { return connections_; }
  size_t output_bytes() const { return output_bytes_; }
  uint64_t refused_total() const { return refused_total_; }
  uint64_t refused_per_ip() const { return refused_per_ip_; }
  uint64_t dropped_slow_readers() const { return dropped_slow_readers_; }

 private:
  ClientBudgetOptions options_;
  size_t connections_ = 0;
  std::map<std::string, size_t> per_ip_;
  std::map<uint64_t, Connection*> tracked_;  // by id: victims are picked in a stable order
  size_t output_bytes_ = 0;
  uint64_t refused_total_ = 0;
  uint64_t refused_per_ip_ = 0;
  uint64_t dropped_slow_readers_ = 0;
};

// "1.2.3.4" of "1.2.3.4:5678" (and "::1" of "::1:5678").
std::string IpOf(const std::string& peer);

}  // namespace arbor::net
