// AdminServer: arbord's admin HTTP port (--admin_port): /health, /ready,
// /metrics (Prometheus), /api/... (JSON) and the web console at /.
//
// It runs cpp-httplib (Debian's libcpp-httplib-dev) on its own threads: one
// accepting, two workers. They never touch loop-owned objects. Two ways in:
//  - StatePublisher: the loop builds an AdminState every publish interval
//    (health, readiness, status, members, charts and /metrics gauges);
//  - LoopBridge: a bounded read the loop runs between its callbacks (a
//    znode, sessions, watches, connections), with a time-out.
// Counters and histograms come from metrics::ServerMetrics (atomics).
//
// What changes anything (POST /api/admin/...) needs HTTP Basic credentials
// from --admin_credentials_file; so does reading znode data whose ACL does
// not let this client's address read it. docs/OPERATIONS.md lists it all.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "server/admin/admin_state.h"
#include "server/admin/credentials.h"
#include "server/admin/loop_bridge.h"
#include "server/core/host_extension.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace arbor::admin {

struct AdminOptions {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0 picks a free port (tests): see port()
  std::string credentials_file;  // empty: actions are refused
  // /ready fails while the commit index is more than this ahead of the
  // applied index.
  uint64_t ready_max_lag = 1000;
  int publish_ms = 500;
  // Points the console's charts keep, one per second.
  size_t history_points = 600;
  int loop_query_timeout_ms = 2000;
};

class AdminServer : public core::HostExtension {
 public:
  explicit AdminServer(AdminOptions options);
  ~AdminServer() override;

  Status Start(core::ArborServer* server) override;
  void Tick(int64_t now_ms) override;
  void Stop() override;
  int port() const { return port_; }

  // /ready's verdict on a state: empty when ready, else the reasons.
  static std::vector<std::string> NotReadyReasons(const AdminState& s, uint64_t max_lag, int64_t now_mono_ms,
                                                  int64_t stale_ms);

 private:
  void Routes();
  void Publish();
  // The HTTP client's identity for ACLs and actions.
  bool IsAdmin(const httplib::Request& req) const;
  // Answers 401/403 and returns false unless the request carries admin credentials.
  bool RequireAdmin(const httplib::Request& req, httplib::Response& res) const;
  // Runs `job` on the loop and answers with its JSON, or 503.
  void AnswerFromLoop(httplib::Response& res, LoopBridge::Job job);
  std::string RenderMetrics(const AdminState& s) const;
  int64_t StaleMs() const { return std::max<int64_t>(3000, 6 * options_.publish_ms); }

  AdminOptions options_;
  core::ArborServer* server_ = nullptr;
  Credentials credentials_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<LoopBridge> bridge_;
  StatePublisher publisher_;
  std::thread thread_;
  int port_ = 0;
  // Loop thread.
  std::deque<HistoryPoint> history_;
  int64_t last_publish_ms_ = -1000000;
  int64_t last_sample_ms_ = -1000000;
};

}  // namespace arbor::admin
