// Graceful shutdown (SIGTERM): while a server drains its in-flight writes it
// accepts no new client on any of its ports (issue #11, item 8).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

TEST(ShutdownTest, DrainingServerAcceptsNoClientOnAnyPort) {
  std::string dir = MakeTempDir("arbor-shutdown");
  std::string failpoint = dir + "/sync-delay";
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.zk_port = FreePort();
  spec.data_dir = dir + "/data";
  spec.extra_flags = {"--failpoint_sync_delay_file=" + failpoint};
  ServerProcess server(spec);
  ASSERT_TRUE(server.Start()) << server.log_path();
  NativeTestClient c;
  ASSERT_EQ(c.Connect(spec.client_port).error(), proto::OK);
  // From now on every log write takes 800 ms: the next write is still in
  // flight when SIGTERM arrives, so the server drains for a while.
  { std::ofstream(failpoint) << 800; }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server re-reads it every 100 ms
  std::thread writer([&] { (void)c.Create("/in-flight", ""); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.SendSignal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // draining now
  EXPECT_FALSE(Accepts(spec.client_port)) << "the native port still accepts while draining";
  EXPECT_FALSE(Accepts(spec.zk_port)) << "the ZooKeeper port still accepts while draining";
  writer.join();
  EXPECT_TRUE(server.Terminate(20000));
  RemoveTree(dir);
}

}  // namespace
}  // namespace arbor::testing
