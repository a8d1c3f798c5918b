// A deliberately simple, blocking client of Arbor's native protocol for
// integration tests: one socket, one request at a time (or a pipelined
// batch), watch events collected on the side. Real applications use
// client/ (the async library); this one has no reconnect logic so tests see
// exactly what the server sends.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::testing {

// A create request with the open ACL (world:anyone, all permissions).
proto::Request CreateRequest(const std::string& path, const std::string& data,
                             proto::CreateMode mode = proto::PERSISTENT);

class NativeTestClient {
 public:
  NativeTestClient() = default;
  ~NativeTestClient();
  NativeTestClient(const NativeTestClient&) = delete;
  NativeTestClient& operator=(const NativeTestClient&) = delete;

  // Connects and performs the handshake. Returns the server's answer (error
  // CONNECTIONLOSS with an empty session if the socket failed).
  proto::ConnectResponse Connect(int port, int32_t timeout_ms = 10000, int64_t session_id = 0,
                                 const std::string& password = "", int64_t last_zxid_seen = 0);
  // Connect, tried again on CONNECTIONLOSS (the server is not serving yet,
  // or has not applied what the client saw) for up to `patience_ms`, as a
  // client library does.
  proto::ConnectResponse ConnectPatiently(int port, int32_t timeout_ms, int64_t session_id,
                                          const std::string& password, int64_t last_zxid_seen,
                                          int patience_ms = 5000);
  bool connected() const { return fd_ >= 0; }
  void Close();

  // Sends one request (xid assigned) and waits for its response; events
  // arriving meanwhile are queued. On a dead socket: error CONNECTIONLOSS.
  proto::Response Call(proto::Request request);
  // Sends all, then reads all responses (pipelining).
  std::vector<proto::Response> CallMany(std::vector<proto::Request> requests);
  // Next watch event, waiting up to timeout_ms. False if none came.
  bool NextEvent(proto::WatchEvent* event, int timeout_ms = 5000);
  size_t queued_events() const { return events_.size(); }

  // Conveniences.
  proto::Response Create(const std::string& path, const std::string& data,
                         proto::CreateMode mode = proto::PERSISTENT);
  proto::Response GetData(const std::string& path, bool watch = false);
  proto::Response SetData(const std::string& path, const std::string& data, int32_t version = -1);
  proto::Response Delete(const std::string& path, int32_t version = -1);
  proto::Response Exists(const std::string& path, bool watch = false);
  proto::Response GetChildren(const std::string& path, bool watch = false);
  proto::Response Sync(const std::string& path);
  proto::Response CloseSession();

  int64_t session_id() const { return session_id_; }
  const std::string& password() const { return password_; }
  int64_t last_zxid() const { return last_zxid_; }

 private:
  bool Send(const proto::ClientFrame& frame);
  // Reads one frame; false on close or timeout.
  bool Read(proto::ServerFrame* frame, int timeout_ms);

  int fd_ = -1;
  int32_t next_xid_ = 1;
  int64_t session_id_ = 0;
  std::string password_;
  int64_t last_zxid_ = 0;
  std::deque<proto::WatchEvent> events_;
};

}  // namespace arbor::testing
