// The admin web console of a 3-node cluster in headless Chromium
// (console_test.js). The screenshot lands in build/test-artifacts/.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "test/compat/child_process.h"
#include "test/integration/admin_http.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::compat {
namespace {

using testing::HttpGet;
using testing::LocalCluster;
using testing::NativeTestClient;

TEST(AdminConsole, LoadsBrowsesAndShowsTheClusterInChromium) {
  LocalCluster c(3, {"--tick_ms=50"}, /*proxied=*/false, /*zk=*/false, "127.0.0.1", /*admin=*/true);
  ASSERT_TRUE(c.StartAll());
  int leader = -1;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(testing::WaitForStatus(c.admin_port(i), "/ready", 200, 15000));
    if (HttpGet(c.admin_port(i), "/api/status").json().value("role", "") == "leader") leader = i;
  }
  ASSERT_GE(leader, 0);
  NativeTestClient client;
  // A long session: the client sends nothing while the browser looks.
  ASSERT_EQ(client.Connect(c.client_port(leader), 60000).error(), proto::OK);
  ASSERT_EQ(client.Create("/app", "").error(), proto::OK);
  ASSERT_EQ(client.Create("/app/config", "{\"replicas\": 3, \"zone\": \"eu\"}").error(), proto::OK);
  ASSERT_EQ(client.Create("/app/lock", "holder-1", proto::EPHEMERAL).error(), proto::OK);
  ASSERT_EQ(client.Create("/app/workers", "").error(), proto::OK);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(client.Create("/app/workers/w" + std::to_string(i), std::string("\x01\x02worker", 8)).error(), proto::OK);
  }
  // Traffic for the charts, over a few history points (one per second).
  for (int i = 0; i < 30; ++i) {
    client.SetData("/app/config", "{\"replicas\": 3, \"zone\": \"eu\"}");
    client.GetData("/app/config");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string artifacts = std::string(ARTIFACTS_DIR);
  mkdir(artifacts.c_str(), 0755);
  std::vector<std::string> argv = {"/bin/bash", COMPAT_DIR "/console_test.sh", CONSOLE_JS_DIR,
                                   artifacts + "/console.png"};
  argv.push_back("http://127.0.0.1:" + std::to_string(c.admin_port(leader)) + "/");
  for (int i = 0; i < 3; ++i) {
    if (i != leader) argv.push_back("http://127.0.0.1:" + std::to_string(c.admin_port(i)) + "/");
  }
  ChildResult r = RunChild(argv, 200000);
  if (r.exit_code == 77) GTEST_SKIP() << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\nPASS\n"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace arbor::compat
