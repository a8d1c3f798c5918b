// What arrives on the peer port must never stop a replica: a forwarded entry
// that Apply would refuse (an unknown format, no operation) is refused by
// the leader before it is proposed, so it never reaches the log (issue #15;
// found by fuzz.peer_frame, regress-forward-format-0).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/frame.h"
#include "proto/peer.pb.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

bool SendRaw(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
            ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the server read it before we hang up
  ::close(fd);
  return ok;
}

TEST(PeerPortTest, AForwardedEntryApplyWouldRefuseNeverReachesTheLog) {
  std::string dir = MakeTempDir("arbor-peerport");
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir + "/data";
  {
    ServerProcess server(spec);
    ASSERT_TRUE(server.Start()) << server.log_path();
    std::string bytes;
    proto::PeerFrame hello;
    hello.mutable_hello()->set_server_id(2);
    hello.mutable_hello()->set_cluster_name("arbor");
    AppendFrame(hello.SerializeAsString(), &bytes);
    proto::PeerFrame forward;  // format version 0: no replica may apply it
    forward.mutable_forward()->mutable_entry()->mutable_noop();
    AppendFrame(forward.SerializeAsString(), &bytes);
    proto::PeerFrame no_op;  // a current format but no operation at all
    no_op.mutable_forward()->mutable_entry()->set_format_version(proto::LOG_FORMAT_V1);
    AppendFrame(no_op.SerializeAsString(), &bytes);
    ASSERT_TRUE(SendRaw(spec.peer_port, bytes));
    NativeTestClient c;
    ASSERT_EQ(c.Connect(spec.client_port).error(), proto::OK) << "the server died: " << server.log_path();
    EXPECT_EQ(c.Create("/still-serving", "").error(), proto::OK);
    ASSERT_TRUE(server.Terminate());
    // And it starts again (nothing unappliable was committed).
    ASSERT_TRUE(server.Start()) << server.log_path();
  }
  RemoveTree(dir);
}

}  // namespace
}  // namespace arbor::testing
