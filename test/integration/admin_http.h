// Helpers for tests of arbord's admin HTTP port: GET/POST with a short
// time-out, JSON parsing, waiting for a status, and a four-letter word over
// the ZooKeeper port.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace arbor::testing {

struct HttpReply {
  int status = 0;  // 0: no answer
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

inline HttpReply HttpGet(int port, const std::string& path, const std::string& basic_user = "",
                         const std::string& basic_password = "") {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  if (!basic_user.empty()) c.set_basic_auth(basic_user.c_str(), basic_password.c_str());
  auto r = c.Get(path.c_str());
  return r ? HttpReply{r->status, r->body} : HttpReply{};
}

inline HttpReply HttpPost(int port, const std::string& path, const std::string& basic_user = "",
                          const std::string& basic_password = "") {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  if (!basic_user.empty()) c.set_basic_auth(basic_user.c_str(), basic_password.c_str());
  auto r = c.Post(path.c_str(), "", "application/x-www-form-urlencoded");
  return r ? HttpReply{r->status, r->body} : HttpReply{};
}

// Polls `path` until it answers `status` or timeout_ms passes.
inline bool WaitForStatus(int port, const std::string& path, int status, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpGet(port, path).status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace arbor::testing
