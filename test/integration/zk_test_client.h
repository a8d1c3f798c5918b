// A deliberately simple, blocking client of the ZooKeeper wire protocol for
// integration tests (the twin of NativeTestClient): one socket, one request
// at a time, watch events queued on the side, no reconnect logic, so a test
// sees exactly what the server sends on the ZooKeeper port.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "proto/client.pb.h"

namespace arbor::testing {

class ZkTestClient {
 public:
  ZkTestClient() = default;
  ~ZkTestClient();
  ZkTestClient(const ZkTestClient&) = delete;
  ZkTestClient& operator=(const ZkTestClient&) = delete;

  // Handshake (ZooKeeper form with the readOnly byte). A refused session
  // comes back as timeout 0; a socket failure or a close without an answer
  // as error CONNECTIONLOSS.
  proto::ConnectResponse Connect(int port, int32_t timeout_ms = 10000, int64_t session_id = 0,
                                 const std::string& password = "", int64_t last_zxid_seen = 0);
  bool connected() const { return fd_ >= 0; }
  void Close();

  // Sends one request (xid assigned unless it is an auth packet) and waits
  // for its reply; events arriving meanwhile are queued. A dead socket or a
  // reply that does not decode: error CONNECTIONLOSS.
  proto::Response Call(proto::Request request, int timeout_ms = 10000);
  // addauth: the reply to an auth packet (xid -4).
  proto::Response AddAuth(const std::string& scheme, const std::string& auth);

  proto::Response Create(const std::string& path, const std::string& data);
  proto::Response GetData(const std::string& path);

  int64_t session_id() const { return session_id_; }

 private:
  bool SendFrame(const std::string& bytes);
  bool ReadFrame(std::string* payload, int timeout_ms);

  int fd_ = -1;
  int32_t next_xid_ = 1;
  int64_t session_id_ = 0;
  std::deque<proto::WatchEvent> events_;
};

}  // namespace arbor::testing
