// What the server core needs of one client connection, whatever carries it
// (net::ClientSession over TCP in arbord, a simulated link in test/sim).
// The core keeps ClientHandle pointers only between a connection's first
// frame and its Disconnected() callback, and addresses later answers by
// connection_id(), so an answer for a connection that has gone is dropped.
//
// Threading: the replica's loop thread only.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::session {

// What one connection did, for ZooKeeper's `cons` and the admin port
// (times are wall-clock ms, latencies microseconds).
struct ConnectionStats {
  int64_t established_ms = 0;
  uint64_t received = 0;  // requests
  uint64_t sent = 0;      // responses and watch events
  const char* last_op = "NA";
  int32_t last_xid = 0;
  int64_t last_zxid = 0;
  int64_t last_response_ms = 0;
  uint64_t last_latency_us = 0;
  uint64_t min_latency_us = 0;
  uint64_t max_latency_us = 0;
  uint64_t latency_sum_us = 0;
  uint64_t latency_count = 0;
};

class ClientHandle {
 public:
  virtual ~ClientHandle() = default;

  // Unique per process for its life, across every listener.
  virtual uint64_t connection_id() const = 0;
  // 0 until the handshake completed.
  virtual int64_t session_id() const = 0;
  virtual const std::string& peer() const = 0;  // "host:port"
  virtual const char* protocol() const = 0;    // "native", "zookeeper"
  virtual size_t outstanding() const = 0;      // requests in its pipeline
  // Per-connection figures, when the carrier keeps them (null otherwise).
  virtual const ConnectionStats* stats() const { return nullptr; }

  // Answers the handshake. A non-OK error or timeout 0 closes the
  // connection after the answer is written.
  virtual void CompleteConnect(const proto::ConnectResponse& response) = 0;
  // Answers the async request in pipeline slot `seq`.
  virtual void Complete(uint64_t seq, proto::Response response) = 0;
  virtual void SendEvent(const proto::WatchEvent& event) = 0;
  // Answers everything pending with `error` and closes.
  virtual void Terminate(proto::ErrorCode error, const Status& why) = 0;
  // The connection closes once the next response is written (ZooKeeper's
  // answer to a failed auth packet).
  virtual void CloseAfterNextResponse() = 0;
};

}  // namespace arbor::session
