// The admin HTTP port of real arbord processes: /health and /ready (on a
// 3-node cluster, a follower cut off is not ready), /metrics parsed line by
// line (and by Python's prometheus_client when installed) with counters
// that move with traffic, the JSON API, the admin credentials, and the
// four-letter words that now report real latencies.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "server/auth/digest.h"
#include "test/integration/admin_http.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"
#include "test/integration/zk_test_client.h"
#include "test/unit/testing/prom_text_check.h"

namespace arbor::testing {
namespace {

using Json = nlohmann::json;

std::string FourLetterWord(int port, const std::string& word) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && write(fd, word.data(), word.size()) == 4) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::string Base64Of(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[v & 63] : '=';
  }
  return out;
}

// Debian Python's parser (python3-prometheus-client; /usr/bin/python3, not a pyenv one): a second,
// independent reading of the same text. Empty when it parsed or is absent.
std::string PythonParseError(const std::string& text) {
  if (std::system("/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1") != 0) return "";
  std::string path = MakeTempDir("arbor-metrics") + "/metrics.txt";
  std::ofstream(path) << text;
  std::string cmd =
      "/usr/bin/python3 -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as f; "
      "list(f(open(sys.argv[1]).read()))' " + path + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    if (pclose(p) == 0) out.clear();
  }
  RemoveTree(path.substr(0, path.rfind('/')));
  return out;
}

class AdminSingleNode : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("arbor-admin");
    std::ofstream(dir_ + "/admin.creds") << "# test operators\n" << auth::GenerateDigest("ops:s3cret") << "\n";
    ServerSpec s;
    s.client_port = FreePort();
    s.peer_port = FreePort();
    s.zk_port = FreePort();
    s.admin_port = FreePort();
    s.data_dir = dir_ + "/data";
    s.extra_flags = {"--admin_credentials_file=" + dir_ + "/admin.creds", "--four_letter_words=*"};
    server_ = std::make_unique<ServerProcess>(s);
    ASSERT_TRUE(server_->Start());
    ASSERT_TRUE(WaitForStatus(admin(), "/ready", 200, 10000)) << HttpGet(admin(), "/ready").body;
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  int admin() const { return server_->spec().admin_port; }
  PromParse Scrape() {
    HttpReply r = HttpGet(admin(), "/metrics");
    EXPECT_EQ(r.status, 200);
    PromParse p = ParsePromText(r.body);
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    EXPECT_EQ(PythonParseError(r.body), "");
    return p;
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AdminSingleNode, HealthAndReadyAnswer) {
  HttpReply h = HttpGet(admin(), "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok");
  HttpReply r = HttpGet(admin(), "/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["ready"], true);
  EXPECT_EQ(r.json()["role"], "leader");
  EXPECT_EQ(HttpGet(admin(), "/no/such/page").status, 404);
}

TEST_F(AdminSingleNode, MetricsParseAndCountersMoveWithTraffic) {
  PromParse before = Scrape();
  auto count = [](const PromParse& p, const char* protocol, const char* op) {
    double v = p.Value("arbor_request_duration_seconds_count", {{"protocol", protocol}, {"op", op}});
    return std::isnan(v) ? 0.0 : v;
  };
  NativeTestClient c;
  ASSERT_EQ(c.Connect(server_->spec().client_port).error(), proto::OK);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.Create("/m" + std::to_string(i), "x").error(), proto::OK);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(c.GetData("/m" + std::to_string(i)).error(), proto::OK);
  EXPECT_EQ(c.GetData("/missing").error(), proto::NONODE);
  ZkTestClient z;
  ASSERT_EQ(z.Connect(server_->spec().zk_port).error(), proto::OK);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(z.GetData("/m1").error(), proto::OK);

  // Gauges come from the state the loop publishes every half second.
  PromParse after = Scrape();
  for (int i = 0; i < 30 && !(after.Value("arbor_znodes") >= 24); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = Scrape();
  }
  EXPECT_GE(count(after, "native", "create") - count(before, "native", "create"), 20);
  EXPECT_GE(count(after, "native", "getData") - count(before, "native", "getData"), 11);
  EXPECT_GE(count(after, "zookeeper", "getData") - count(before, "zookeeper", "getData"), 5);
  EXPECT_GE(after.Value("arbor_request_errors_total", {{"protocol", "native"}, {"op", "getData"}}), 1);
  EXPECT_GT(after.Value("arbor_storage_fsync_duration_seconds_count"),
            before.Value("arbor_storage_fsync_duration_seconds_count"));
  EXPECT_GE(after.Value("arbor_storage_group_entries_sum") - before.Value("arbor_storage_group_entries_sum"), 20);
  EXPECT_GT(after.Value("arbor_raft_commit_index"), before.Value("arbor_raft_commit_index"));
  EXPECT_GE(after.Value("arbor_znodes"), 20 + 4);
  EXPECT_EQ(after.Value("arbor_raft_is_leader"), 1);
  EXPECT_EQ(after.Value("arbor_ready"), 1);
  EXPECT_GE(after.Value("arbor_sessions"), 2);
  EXPECT_EQ(after.types["arbor_rejected_total"], "counter");
  EXPECT_FALSE(std::isnan(after.Value("arbor_rejected_total", {{"reason", "max_connections"}})));

  // The four-letter words report the same measurements.
  std::string mntr = FourLetterWord(server_->spec().zk_port, "mntr");
  EXPECT_EQ(mntr.find("zk_avg_latency\t0.0000"), std::string::npos) << mntr;
  EXPECT_NE(mntr.find("zk_avg_latency\t"), std::string::npos) << mntr;
  EXPECT_NE(FourLetterWord(server_->spec().zk_port, "srvr").find("Latency min/avg/max: "), std::string::npos);
  // cons: the ZooKeeper client's connection with its real figures.
  std::string cons = FourLetterWord(server_->spec().zk_port, "cons");
  EXPECT_NE(cons.find("recved=5,sent=5,"), std::string::npos) << cons;
  EXPECT_NE(cons.find("lop=GETD"), std::string::npos) << cons;
}

TEST_F(AdminSingleNode, JsonApiBrowsesTreeSessionsAndWatches) {
  NativeTestClient c;
  ASSERT_EQ(c.Connect(server_->spec().client_port).error(), proto::OK);
  ASSERT_EQ(c.Create("/app", "").error(), proto::OK);
  ASSERT_EQ(c.Create("/app/config", "{\"replicas\": 3}").error(), proto::OK);
  ASSERT_EQ(c.Create("/app/lock", "me", proto::EPHEMERAL).error(), proto::OK);
  ASSERT_EQ(c.GetData("/app/config", /*watch=*/true).error(), proto::OK);
  // A node only 10.9.9.9 may read: the admin port must not show its data.
  proto::Request secret = CreateRequest("/app/secret", "hidden");
  secret.mutable_create()->clear_acl();
  auto* acl = secret.mutable_create()->add_acl();
  acl->set_perms(proto::PERM_ALL);
  acl->mutable_id()->set_scheme("ip");
  acl->mutable_id()->set_id("10.9.9.9");
  ASSERT_EQ(c.Call(secret).error(), proto::OK);

  Json app = HttpGet(admin(), "/api/znode?path=/app").json();
  ASSERT_TRUE(app.is_object());
  EXPECT_EQ(app["children_total"], 3);
  std::set<std::string> names;
  for (const auto& k : app["children"]) names.insert(k["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"config", "lock", "secret"}));

  Json config = HttpGet(admin(), "/api/znode?path=/app/config").json();
  EXPECT_EQ(config["data_base64"], Base64Of("{\"replicas\": 3}"));
  EXPECT_EQ(config["stat"]["dataLength"], 15);
  EXPECT_EQ(config["acl"][0]["scheme"], "world");
  EXPECT_EQ(config["acl"][0]["perms"], "cdrwa");

  Json hidden = HttpGet(admin(), "/api/znode?path=/app/secret").json();
  EXPECT_EQ(hidden["data_readable"], false);
  EXPECT_FALSE(hidden.contains("data_base64"));
  Json shown = HttpGet(admin(), "/api/znode?path=/app/secret", "ops", "s3cret").json();
  EXPECT_EQ(shown["data_base64"], Base64Of("hidden"));

  EXPECT_EQ(HttpGet(admin(), "/api/znode?path=/nope").status, 404);
  EXPECT_EQ(HttpGet(admin(), "/api/znode?path=bad//path").status, 400);

  Json sessions = HttpGet(admin(), "/api/sessions").json();
  bool found = false;
  for (const auto& s : sessions["sessions"]) {
    for (const auto& e : s["ephemerals"]) found = found || e == "/app/lock";
  }
  EXPECT_TRUE(found) << sessions.dump();
  Json watches = HttpGet(admin(), "/api/watches").json();
  EXPECT_EQ(watches["total_watches"], 1) << watches.dump();
  EXPECT_EQ(watches["watches"][0]["path"], "/app/config");
  Json status = HttpGet(admin(), "/api/status").json();
  for (int i = 0; i < 30 && status.value("znodes", 0) < 8; ++i) {  // published every half second
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = HttpGet(admin(), "/api/status").json();
  }
  EXPECT_EQ(status["role"], "leader");
  EXPECT_GE(status["znodes"], 8);
  Json members = HttpGet(admin(), "/api/members").json();
  ASSERT_EQ(members["members"].size(), 1u);
  EXPECT_EQ(members["members"][0]["role"], "leader");
  EXPECT_NE(HttpGet(admin(), "/api/connections").body.find("native"), std::string::npos);
  HttpReply console = HttpGet(admin(), "/");
  EXPECT_EQ(console.status, 200);
  EXPECT_NE(console.body.find("<title>Arbor console</title>"), std::string::npos);

  // wchc / wchp / dump in ZooKeeper's formats.
  EXPECT_NE(FourLetterWord(server_->spec().zk_port, "wchp").find("/app/config\n\t0x"), std::string::npos);
  EXPECT_NE(FourLetterWord(server_->spec().zk_port, "dump").find("\t/app/lock\n"), std::string::npos);
}

TEST_F(AdminSingleNode, ActionsNeedCredentials) {
  EXPECT_EQ(HttpPost(admin(), "/api/admin/reset_stats").status, 401);
  EXPECT_EQ(HttpPost(admin(), "/api/admin/reset_stats", "ops", "wrong").status, 401);
  EXPECT_EQ(HttpPost(admin(), "/api/admin/reset_stats", "ops", "s3cret").status, 200);
  EXPECT_EQ(HttpPost(admin(), "/api/admin/log_level?v=1", "ops", "s3cret").status, 200);
  EXPECT_EQ(HttpPost(admin(), "/api/admin/log_level?v=0", "ops", "s3cret").status, 200);
  EXPECT_EQ(HttpGet(admin(), "/api/whoami", "ops", "s3cret").json()["admin"], true);
  EXPECT_EQ(HttpGet(admin(), "/api/whoami").json()["admin"], false);
}

TEST(AdminWithoutCredentials, ActionsAreRefused) {
  std::string dir = MakeTempDir("arbor-admin");
  {
    ServerSpec s;
    s.client_port = FreePort();
    s.peer_port = FreePort();
    s.admin_port = FreePort();
    s.data_dir = dir + "/data";
    ServerProcess server(s);
    ASSERT_TRUE(server.Start());
    EXPECT_EQ(HttpPost(s.admin_port, "/api/admin/reset_stats", "ops", "s3cret").status, 403);
  }
  RemoveTree(dir);
}

int LeaderIndex(LocalCluster& c) {
  for (int i = 0; i < c.size(); ++i) {
    if (HttpGet(c.admin_port(i), "/api/status").json().value("role", "") == "leader") return i;
  }
  return -1;
}

TEST(AdminCluster, FollowerCutOffIsNotReadyAndComesBack) {
  LocalCluster c(3, {"--tick_ms=50"}, /*proxied=*/true, /*zk=*/false, "127.0.0.1", /*admin=*/true);
  ASSERT_TRUE(c.StartAll());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WaitForStatus(c.admin_port(i), "/ready", 200, 15000)) << HttpGet(c.admin_port(i), "/ready").body;
  }
  int leader = LeaderIndex(c);
  ASSERT_GE(leader, 0);
  int follower = (leader + 1) % 3;
  int other = (leader + 2) % 3;

  // The leader reports every follower's replication.
  PromParse m = ParsePromText(HttpGet(c.admin_port(leader), "/metrics").body);
  EXPECT_TRUE(m.errors.empty()) << ::testing::PrintToString(m.errors);
  for (int i : {follower, other}) {
    EXPECT_FALSE(std::isnan(m.Value("arbor_raft_peer_lag_entries", {{"peer", std::to_string(i + 1)}})));
    EXPECT_EQ(m.Value("arbor_raft_peer_connected", {{"peer", std::to_string(i + 1)}}), 1);
  }
  Json members = HttpGet(c.admin_port(leader), "/api/members").json();
  ASSERT_EQ(members["members"].size(), 3u);
  for (const auto& mv : members["members"]) {
    EXPECT_EQ(mv["role"], mv["id"] == leader + 1 ? "leader" : "follower") << members.dump();
  }

  c.Isolate(follower, true);
  EXPECT_TRUE(WaitForStatus(c.admin_port(follower), "/ready", 503, 10000));
  Json why = HttpGet(c.admin_port(follower), "/ready").json();
  EXPECT_FALSE(why["reasons"].empty()) << why.dump();
  EXPECT_EQ(HttpGet(c.admin_port(follower), "/health").status, 200) << "cut off, but alive";
  EXPECT_EQ(HttpGet(c.admin_port(leader), "/ready").status, 200) << "the majority still serves";
  EXPECT_EQ(HttpGet(c.admin_port(other), "/ready").status, 200);
  EXPECT_TRUE(WaitForStatus(c.admin_port(leader), "/api/members", 200, 1000));
  bool seen_down = false;
  for (int i = 0; i < 50 && !seen_down; ++i) {
    PromParse p = ParsePromText(HttpGet(c.admin_port(leader), "/metrics").body);
    seen_down = p.Value("arbor_raft_peer_connected", {{"peer", std::to_string(follower + 1)}}) == 0;
    if (!seen_down) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(seen_down) << "the leader's metrics show the cut link";

  c.Isolate(follower, false);
  EXPECT_TRUE(WaitForStatus(c.admin_port(follower), "/ready", 200, 15000))
      << HttpGet(c.admin_port(follower), "/ready").body;
}

}  // namespace
}  // namespace arbor::testing
