#include "server/admin/admin_server.h"

#include <glog/logging.h>
#include <httplib.h>

#include <chrono>

#include "server/admin/console_assets.h"
#include "server/admin/json_api.h"
#include "server/metrics/prometheus_text.h"

namespace arbor::admin {
namespace {

int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SendJson(httplib::Response& res, const Json& j, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(j.dump(), "application/json");
}

Page PageOf(const httplib::Request& req) {
  Page p;
  if (req.has_param("offset")) p.offset = std::strtoull(req.get_param_value("offset").c_str(), nullptr, 10);
  if (req.has_param("limit")) {
    p.limit = std::strtoull(req.get_param_value("limit").c_str(), nullptr, 10);
    if (p.limit == 0 || p.limit > 10000) p.limit = 10000;
  }
  return p;
}

}  // namespace

AdminServer::AdminServer(AdminOptions options) : options_(std::move(options)) {}

AdminServer::~AdminServer() { CHECK(!thread_.joinable()) << "AdminServer destroyed without Stop()"; }

std::vector<std::string> AdminServer::NotReadyReasons(const AdminState& s, uint64_t max_lag, int64_t now_mono_ms,
                                                      int64_t stale_ms) {
  std::vector<std::string> why;
  if (now_mono_ms - s.published_mono_ms > stale_ms) {
    why.push_back("the event loop has not reported for " + std::to_string(now_mono_ms - s.published_mono_ms) +
                  " ms");
  }
  if (s.status.leader == 0) why.push_back("no leader known");
  if (!s.status.serving) why.push_back("not serving clients (no confirmed contact with a leader)");
  if (s.shutting_down) why.push_back("shutting down");
  if (s.status.commit_index > s.applied_index + max_lag) {
    why.push_back("applied index " + std::to_string(s.applied_index) + " is more than " + std::to_string(max_lag) +
                  " behind the commit index " + std::to_string(s.status.commit_index));
  }
  return why;
}

Status AdminServer::Start(core::ArborServer* server) {
  server_ = server;
  if (!options_.credentials_file.empty()) {
    auto c = Credentials::Load(options_.credentials_file);
    if (!c.ok()) return c.status();
    credentials_ = std::move(c).value();
  }
  Publish();  // /health and /ready answer from the first request on
  http_ = std::make_unique<httplib::Server>();
  // One acceptor plus two workers: the console and a scraper need no more,
  // and the machine's cores belong to the loop and the storage thread.
  http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  http_->set_keep_alive_timeout(2);
  http_->set_read_timeout(5);
  http_->set_write_timeout(5);
  http_->set_payload_max_length(64 << 10);
  Routes();
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.bind);
    if (port_ < 0) port_ = 0;
  } else if (http_->bind_to_port(options_.bind, options_.port)) {
    port_ = options_.port;
  }
  if (port_ == 0) {
    return Status::InvalidArgument("admin port: cannot listen on " + options_.bind + ":" +
                                   std::to_string(options_.port) + " (in use or not an address of this host?)");
  }
  bridge_ = std::make_unique<LoopBridge>(server->loop());
  bridge_->Start();
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  LOG(INFO) << "admin HTTP port on " << options_.bind << ":" << port_
            << (credentials_.empty() ? " (no --admin_credentials_file: admin actions refused)" : "");
  return Status::Ok();
}

void AdminServer::Stop() {
  if (bridge_) bridge_->Stop();  // handlers waiting on the loop return now
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

void AdminServer::Tick(int64_t now_ms) {
  if (now_ms - last_sample_ms_ >= 1000) {
    last_sample_ms_ = now_ms;
    history_.push_back(SampleHistory(*server_, WallMs()));
    while (history_.size() > options_.history_points) history_.pop_front();
  }
  if (now_ms - last_publish_ms_ >= options_.publish_ms) {
    last_publish_ms_ = now_ms;
    Publish();
  }
}

void AdminServer::Publish() { publisher_.Publish(BuildAdminState(*server_, history_)); }

bool AdminServer::IsAdmin(const httplib::Request& req) const {
  return !credentials_.empty() && req.has_header("Authorization") &&
         !credentials_.Check(req.get_header_value("Authorization")).empty();
}

bool AdminServer::RequireAdmin(const httplib::Request& req, httplib::Response& res) const {
  if (credentials_.empty()) {
    SendJson(res, {{"error", "admin actions are off: start arbord with --admin_credentials_file"}}, 403);
    return false;
  }
  if (!IsAdmin(req)) {
    res.set_header("WWW-Authenticate", "Basic realm=\"arbor admin\"");
    SendJson(res, {{"error", "admin credentials required"}}, 401);
    return false;
  }
  return true;
}

void AdminServer::AnswerFromLoop(httplib::Response& res, LoopBridge::Job job) {
  std::optional<std::string> out = bridge_->Run(std::move(job), options_.loop_query_timeout_ms);
  if (!out) {
    SendJson(res, {{"error", "the server loop did not answer in time (busy or stopping)"}}, 503);
    return;
  }
  // Jobs answer JSON; an error document carries its HTTP status.
  Json j = Json::parse(*out, nullptr, false);
  int status = j.is_object() && j.contains("status") && j.contains("error") ? j["status"].get<int>() : 200;
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(*out), "application/json");
}

std::string AdminServer::RenderMetrics(const AdminState& s) const {
  metrics::Exposition e;
  metrics::AppendServerMetrics(server_->metrics(), &e);
  for (const auto& l : s.listeners) {
    e.AddGauge("arbor_connections", "Open client connections per listener", {{"listener", l.name}},
               static_cast<double>(l.connections));
    e.AddCounter("arbor_connections_accepted_total", "Client connections accepted per listener",
                 {{"listener", l.name}}, static_cast<double>(l.accepted_total));
  }
  e.AddCounter("arbor_rejected_total", "", {{"reason", "max_connections"}}, static_cast<double>(s.refused_total));
  e.AddCounter("arbor_rejected_total", "", {{"reason", "max_connections_per_ip"}},
               static_cast<double>(s.refused_per_ip));
  e.AddCounter("arbor_rejected_total", "", {{"reason", "slow_reader"}}, static_cast<double>(s.dropped_slow_readers));
  e.AddGauge("arbor_client_output_bytes", "Bytes queued for clients and not yet written", {},
             static_cast<double>(s.client_output_bytes));
  const core::ServerStatus& st = s.status;
  auto gauge = [&e](const char* name, const char* help, double v) { e.AddGauge(name, help, {}, v); };
  gauge("arbor_server_id", "This server's --id", static_cast<double>(st.server_id));
  gauge("arbor_raft_term", "Current Raft term", static_cast<double>(st.term));
  gauge("arbor_raft_leader_id", "The leader this server knows (0: none)", static_cast<double>(st.leader));
  gauge("arbor_raft_is_leader", "1 on the leader", st.role == "leader" ? 1 : 0);
  gauge("arbor_raft_commit_index", "Highest log index known committed", static_cast<double>(st.commit_index));
  gauge("arbor_raft_applied_index", "Highest log index applied here", static_cast<double>(s.applied_index));
  gauge("arbor_raft_last_log_index", "Last index in this server's log", static_cast<double>(s.last_log_index));
  gauge("arbor_serving", "1 while this server answers clients", st.serving ? 1 : 0);
  gauge("arbor_ready", "1 while /ready answers 200",
        NotReadyReasons(s, options_.ready_max_lag, MonoMs(), StaleMs()).empty() ? 1 : 0);
  for (const auto& m : s.members) {
    if (m.self) continue;
    std::vector<std::pair<std::string, std::string>> peer = {{"peer", std::to_string(m.id)}};
    e.AddGauge("arbor_raft_peer_connected", "1 while a link to the peer is up", peer, m.connected ? 1 : 0);
    if (m.progress.empty()) continue;  // only the leader tracks replication
    e.AddGauge("arbor_raft_peer_match_index", "Leader: highest index known replicated on the peer", peer,
               static_cast<double>(m.match_index));
    e.AddGauge("arbor_raft_peer_lag_entries", "Leader: entries the peer lacks", peer,
               static_cast<double>(m.lag_entries));
  }
  gauge("arbor_sessions", "Live sessions (cluster-wide, from the replicated table)", static_cast<double>(st.sessions));
  gauge("arbor_ephemeral_owner_sessions", "Sessions owning ephemeral nodes", static_cast<double>(s.ephemeral_sessions));
  gauge("arbor_watches", "Watches held by this server's clients ((path, session) pairs)",
        static_cast<double>(s.watches));
  gauge("arbor_watched_paths", "Distinct watched paths", static_cast<double>(st.watch_paths));
  gauge("arbor_znodes", "Znodes in the tree", static_cast<double>(st.znodes));
  gauge("arbor_approximate_data_bytes", "Heap bytes held by the tree, approximate",
        static_cast<double>(s.approximate_data_bytes));
  gauge("arbor_outstanding_requests", "Requests in the connections' pipelines",
        static_cast<double>(s.outstanding_requests));
  gauge("arbor_outstanding_writes", "Writes, handshakes and syncs waiting on the log or the leader",
        static_cast<double>(st.outstanding_writes));
  return e.Render();
}

void AdminServer::Routes() {
  httplib::Server& h = *http_;
  h.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(ConsoleHtml(), "text/html; charset=utf-8");
  });
  h.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    auto s = publisher_.Latest();
    int64_t age = MonoMs() - s->published_mono_ms;
    bool live = age <= StaleMs();
    SendJson(res, {{"status", live ? "ok" : "stalled"}, {"loop_report_age_ms", age}}, live ? 200 : 503);
  });
  h.Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    auto s = publisher_.Latest();
    auto why = NotReadyReasons(*s, options_.ready_max_lag, MonoMs(), StaleMs());
    SendJson(res,
             {{"ready", why.empty()},
              {"reasons", why},
              {"role", s->status.role},
              {"leader", s->status.leader},
              {"commit_index", s->status.commit_index},
              {"applied_index", s->applied_index}},
             why.empty() ? 200 : 503);
  });
  h.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(*publisher_.Latest()), "text/plain; version=0.0.4; charset=utf-8");
  });
  h.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, StatusJson(*publisher_.Latest()));
  });
  h.Get("/api/members", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, MembersJson(*publisher_.Latest()));
  });
  h.Get("/api/history", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, HistoryJson(*publisher_.Latest()));
  });
  h.Get("/api/whoami", [this](const httplib::Request& req, httplib::Response& res) {
    SendJson(res, {{"admin", IsAdmin(req)}, {"credentials_configured", !credentials_.empty()}});
  });
  h.Get("/api/znode", [this](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.has_param("path") ? req.get_param_value("path") : "/";
    Viewer viewer{req.remote_addr, IsAdmin(req)};
    Page page = PageOf(req);
    core::ArborServer* server = server_;
    AnswerFromLoop(res, [server, path, viewer, page] {
      return ZnodeJson(server->replica(), path, viewer, page).dump();
    });
  });
  h.Get("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
    Page page = PageOf(req);
    core::ArborServer* server = server_;
    AnswerFromLoop(res, [server, page] { return SessionsJson(server->replica(), page).dump(); });
  });
  h.Get("/api/watches", [this](const httplib::Request& req, httplib::Response& res) {
    Page page = PageOf(req);
    core::ArborServer* server = server_;
    AnswerFromLoop(res, [server, page] { return WatchesJson(server->replica(), page).dump(); });
  });
  h.Get("/api/connections", [this](const httplib::Request&, httplib::Response& res) {
    core::ArborServer* server = server_;
    AnswerFromLoop(res, [server] { return ConnectionsJson(server->replica()).dump(); });
  });
  // ---- actions (admin credentials) ----
  h.Post("/api/admin/log_level", [this](const httplib::Request& req, httplib::Response& res) {
    if (!RequireAdmin(req, res)) return;
    if (!req.has_param("v")) return SendJson(res, {{"error", "want ?v=N (glog verbosity)"}}, 400);
    int v = std::atoi(req.get_param_value("v").c_str());
    // glog keeps its own lock for this; VLOG sites pick the new level up.
    google::SetVLOGLevel("*", v);
    LOG(INFO) << "admin: log verbosity set to " << v << " from " << req.remote_addr;
    SendJson(res, {{"v", v}});
  });
  h.Post("/api/admin/reset_stats", [this](const httplib::Request& req, httplib::Response& res) {
    if (!RequireAdmin(req, res)) return;
    // The latency window belongs to the loop (its only writer).
    core::ArborServer* server = server_;
    AnswerFromLoop(res, [server] {
      server->metrics().ResetLatencyWindow();
      return Json{{"reset", true}}.dump();
    });
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) SendJson(res, {{"error", "no such endpoint"}}, res.status);
  });
}

}  // namespace arbor::admin
