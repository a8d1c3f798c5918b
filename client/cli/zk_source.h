// ZkSource: a small blocking client of Apache ZooKeeper's wire protocol
// (the jute codec of common/zk_wire), enough to read a whole tree quickly
// for `import-zk`: one session, requests pipelined in batches, answers read
// in order (ZooKeeper answers a session's requests in order). Watch events
// are ignored. No reconnect: an import that loses its session fails and is
// run again.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::cli {

class ZkSource {
 public:
  // Connects to HOST:PORT and opens a session.
  static Result<std::unique_ptr<ZkSource>> Connect(const std::string& host_port, int timeout_ms);
  ~ZkSource();
  ZkSource(const ZkSource&) = delete;
  ZkSource& operator=(const ZkSource&) = delete;

  // addauth; AUTHFAILED comes back as an error Status.
  Status AddAuth(const std::string& scheme, const std::string& auth);
  // Sends every request, then reads the answers, in order. A socket failure
  // or an answer that does not decode fails the whole batch.
  Result<std::vector<proto::Response>> CallMany(const std::vector<proto::Request>& requests);
  const std::string& server() const { return server_; }

 private:
  ZkSource(int fd, std::string server, int timeout_ms) : fd_(fd), server_(std::move(server)), timeout_ms_(timeout_ms) {}
  Status Send(const std::string& bytes);
  Status ReadFrame(std::string* payload);

  int fd_;
  std::string server_;
  int timeout_ms_;
  int32_t next_xid_ = 1;
};

}  // namespace arbor::cli
