// Hostile and heavy clients against a real arbord (issue #15): each case
// sends what a broken or malicious client would, and then a well-behaved
// client on the same server must still be served and find every write it
// made. Bounds under test: per-connection and total output to clients that
// never read, connections per IP, watches per session.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/zk_wire/handshake.h"
#include "common/zk_wire/request.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"
#include "test/integration/zk_test_client.h"

namespace arbor::testing {
namespace {

// A raw TCP client that says exactly what the test tells it to.
class RawSocket {
 public:
  explicit RawSocket(int port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Reset();
  }
  ~RawSocket() { Reset(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& bytes) {
    return fd_ >= 0 && send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until the server closes (true) or `timeout_ms` passes (false).
  bool ReadUntilClosed(int timeout_ms, std::string* got = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      timeval tv{0, 100000};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n > 0 && got != nullptr) got->append(buf, static_cast<size_t>(n));
    }
    return false;
  }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string ZkHandshake(int64_t session = 0, const std::string& password = "") {
  proto::ConnectRequest r;
  r.set_timeout_ms(10000);
  r.set_session_id(session);
  r.set_password(password);
  std::string out;
  EXPECT_TRUE(zk_wire::EncodeConnectRequest(r, true, &out).ok());
  return out;
}

std::string ZkFrame(const proto::Request& request) {
  std::string out;
  EXPECT_TRUE(zk_wire::EncodeRequest(request, 0, &out).ok());
  return out;
}

proto::Request GetDataRequest(const std::string& path, int xid) {
  proto::Request r;
  r.set_xid(xid);
  r.mutable_get_data()->set_path(path);
  return r;
}

size_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      size_t kb = 0;
      in >> kb;
      return kb << 10;
    }
  }
  return 0;
}

void RaiseFileLimit(rlim_t want) {
  rlimit l{};
  getrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur < want) {
    l.rlim_cur = std::min(want, l.rlim_max);
    setrlimit(RLIMIT_NOFILE, &l);  // arbord inherits it
  }
}

class HostileClientTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags) {
    dir_ = MakeTempDir("arbor-hostile");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.zk_port = FreePort();
    spec.data_dir = dir_ + "/data";
    spec.extra_flags = std::move(flags);
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << server_->log_path();
    ASSERT_EQ(canary_.Connect(spec.client_port).error(), proto::OK);
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->running()) << "arbord died: " << server_->log_path();
      server_.reset();
    }
    if (!dir_.empty()) RemoveTree(dir_);
  }
  int native_port() const { return server_->spec().client_port; }
  int zk_port() const { return server_->spec().zk_port; }

  // The well-behaved client writes and reads back; every write it was ever
  // acknowledged must still be there.
  void ExpectCanaryServed(const std::string& what) {
    std::string path = "/canary-" + std::to_string(canary_writes_.size());
    ASSERT_EQ(canary_.Create(path, what).error(), proto::OK) << "after: " << what;
    canary_writes_.push_back(path);
    for (const std::string& p : canary_writes_) {
      ASSERT_EQ(canary_.GetData(p).error(), proto::OK) << p << " lost after: " << what;
    }
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  NativeTestClient canary_;
  std::vector<std::string> canary_writes_;
};

// Every malformed ZooKeeper-protocol input closes that connection (or gets
// an error reply) and nothing else.
TEST_F(HostileClientTest, MalformedZooKeeperInputClosesOnlyThatConnection) {
  StartServer({});
  struct Case {
    std::string name;
    std::string bytes;
  };
  proto::Request unknown;
  unknown.set_xid(1);
  unknown.mutable_exists()->set_path("/");
  std::string known = ZkFrame(unknown);
  std::string unknown_op = Be32(8) + Be32(1) + Be32(999);  // xid 1, opcode 999
  std::vector<Case> cases = {
      {"negative length", Be32(0x80000000u) + "xxxx"},
      {"length -1", Be32(0xffffffffu)},
      {"zero length", Be32(0)},
      {"huge length", Be32(0x7fffffffu) + std::string(100, 'x')},
      {"truncated handshake", ZkHandshake().substr(0, 20)},
      {"garbage handshake", Be32(44) + std::string(44, '\xff')},
      {"request before the handshake", known},
      {"garbage after a valid handshake", ZkHandshake() + Be32(12) + std::string(12, '\xee')},
      {"unknown opcode", ZkHandshake() + unknown_op},
      {"truncated request", ZkHandshake() + known.substr(0, known.size() - 3)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RawSocket s(zk_port());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s.Send(c.bytes));
    if (c.name == "truncated handshake" || c.name == "truncated request") {
      s.Reset();  // gone in the middle of a frame
    } else {
      EXPECT_TRUE(s.ReadUntilClosed(10000)) << "the server kept a connection that sent " << c.name;
    }
    ExpectCanaryServed(c.name);
  }
}

TEST_F(HostileClientTest, WrongPasswordAndExpiredSessionAreRefused) {
  StartServer({"--min_session_timeout_ms=1000"});
  ZkTestClient owner;
  proto::ConnectResponse first = owner.Connect(zk_port(), 2000);
  ASSERT_GT(first.session_id(), 0);
  ASSERT_EQ(owner.Create("/owned", "x").error(), proto::OK);

  ZkTestClient thief;
  proto::ConnectResponse stolen = thief.Connect(zk_port(), 2000, first.session_id(), std::string(16, 'x'));
  EXPECT_EQ(stolen.timeout_ms(), 0) << "a wrong password must not resume the session";
  ExpectCanaryServed("wrong password");

  int64_t id = first.session_id();
  std::string password = first.password();
  owner.Close();
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));  // past the 2 s timeout
  ZkTestClient late;
  EXPECT_EQ(late.Connect(zk_port(), 2000, id, password).timeout_ms(), 0) << "an expired session came back";
  ExpectCanaryServed("expired session");
}

TEST_F(HostileClientTest, EveryBadPathFormIsRefused) {
  StartServer({});
  ZkTestClient zk;
  ASSERT_GT(zk.Connect(zk_port()).session_id(), 0);
  for (std::string bad : {std::string(""), std::string("no-slash"), std::string("/trailing/"),
                          std::string("/a//b"), std::string("/a/./b"), std::string("/a/../b"), std::string("/."),
                          std::string("/nul\0x", 6)}) {
    SCOPED_TRACE(bad);
    proto::ErrorCode rc = zk.Create(bad, "x").error();
    EXPECT_NE(rc, proto::OK);
    EXPECT_NE(rc, proto::CONNECTIONLOSS) << "a bad path must be answered, not dropped";
    NativeTestClient native;
    ASSERT_EQ(native.Connect(native_port()).error(), proto::OK);
    EXPECT_NE(native.Create(bad, "x").error(), proto::OK);
  }
  ExpectCanaryServed("bad paths");
}

// One byte every 100 ms: the server keeps serving everyone else meanwhile
// and answers the frame once it is whole.
TEST_F(HostileClientTest, OneByteAtATimeClientDoesNotHoldUpOthers) {
  StartServer({});
  RawSocket slow(zk_port());
  std::string frames = ZkHandshake() + ZkFrame(GetDataRequest("/", 1));
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(slow.Send(frames.substr(i, 1)));
    if (i % 10 == 0) ExpectCanaryServed("slow writer at byte " + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string got;
  slow.ReadUntilClosed(1000, &got);
  EXPECT_GT(got.size(), 40u) << "handshake and reply";
}

// Connections that pipeline requests for a 1 MiB node and never read: each
// is cut off at its own bound and, all together, at the total bound (the
// slowest first); the server's memory stays bounded and the canary served.
TEST_F(HostileClientTest, ClientsThatNeverReadAreDroppedAndMemoryStaysBounded) {
  RaiseFileLimit(4096);
  StartServer({"--max_total_output_bytes=67108864", "--max_connection_output_bytes=16777216"});
  ASSERT_EQ(canary_.Create("/big", std::string(1000000, 'b')).error(), proto::OK);
  size_t rss_before = RssBytes(server_->pid());
  constexpr int kClients = 100;
  constexpr int kRequests = 40;  // 40 MB each unread: 4 GB if nothing bounded it
  std::vector<std::unique_ptr<RawSocket>> readers;
  for (int i = 0; i < kClients; ++i) {
    auto s = std::make_unique<RawSocket>(zk_port(), 4096);
    ASSERT_TRUE(s->ok());
    std::string burst = ZkHandshake();
    for (int x = 1; x <= kRequests; ++x) burst += ZkFrame(GetDataRequest("/big", x));
    s->Send(burst);
    readers.push_back(std::move(s));
  }
  size_t rss_peak = 0;
  for (int i = 0; i < 40; ++i) {
    rss_peak = std::max(rss_peak, RssBytes(server_->pid()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ExpectCanaryServed("100 clients that never read");
  rss_peak = std::max(rss_peak, RssBytes(server_->pid()));
  // 64 MiB of queued output at most, plus decode buffers and allocator slack.
  EXPECT_LT(rss_peak, rss_before + (400u << 20)) << "RSS before " << rss_before << ", peak " << rss_peak;
  int dropped = 0;
  for (auto& s : readers) dropped += s->ReadUntilClosed(200) ? 1 : 0;
  EXPECT_GT(dropped, kClients / 2) << "clients that never read must be cut off";
  std::printf("server RSS %zu MiB before, %zu MiB at most while %d clients left 40 MB each unread; %d dropped\n",
              rss_before >> 20, rss_peak >> 20, kClients, dropped);
}

// Many connections that send requests and never read: all accepted up to
// the bound, the server stays responsive.
TEST_F(HostileClientTest, ThousandsOfNonReadingConnectionsDoNotStopTheServer) {
  const int n = std::getenv("ARBOR_HOSTILE_CONNECTIONS") ? std::atoi(std::getenv("ARBOR_HOSTILE_CONNECTIONS")) : 2000;
  RaiseFileLimit(static_cast<rlim_t>(n) * 2 + 256);
  StartServer({"--max_connections_per_ip=" + std::to_string(n + 10)});
  size_t rss_before = RssBytes(server_->pid());
  std::vector<std::unique_ptr<RawSocket>> conns;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<RawSocket>(zk_port(), 4096);
    ASSERT_TRUE(s->ok()) << "connection " << i;
    s->Send(ZkHandshake() + ZkFrame(GetDataRequest("/", 1)) + ZkFrame(GetDataRequest("/zookeeper", 2)));
    conns.push_back(std::move(s));
    if (i % 500 == 499) ExpectCanaryServed(std::to_string(i + 1) + " connections");
  }
  ExpectCanaryServed(std::to_string(n) + " non-reading connections");
  // Every one of them holds a session on the server (srvr counts them).
  size_t sessions = 0;
  for (int i = 0; i < 100 && sessions < static_cast<size_t>(n); ++i) {
    RawSocket srvr(zk_port());
    std::string text;
    srvr.Send("srvr");
    srvr.ReadUntilClosed(5000, &text);
    size_t at = text.find("Connections: ");
    ASSERT_NE(at, std::string::npos) << text;
    sessions = std::stoul(text.substr(at + 13));
    if (sessions < static_cast<size_t>(n)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(sessions, static_cast<size_t>(n));
  EXPECT_LT(RssBytes(server_->pid()), rss_before + static_cast<size_t>(n) * (100u << 10))
      << "more than 100 KiB per idle connection";
}

TEST_F(HostileClientTest, ConnectionsPerAddressAreBounded) {
  StartServer({"--max_connections_per_ip=20"});  // the canary holds one
  std::vector<std::unique_ptr<NativeTestClient>> held;
  for (int i = 0; i < 19; ++i) {
    // The start-up probe's connection may not be released yet: retry.
    held.push_back(std::make_unique<NativeTestClient>());
    proto::ErrorCode rc = proto::CONNECTIONLOSS;
    for (int attempt = 0; attempt < 50 && rc != proto::OK; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      rc = held.back()->Connect(native_port()).error();
    }
    ASSERT_EQ(rc, proto::OK) << i;
  }
  ZkTestClient over;
  EXPECT_NE(over.Connect(zk_port()).error(), proto::OK) << "the 21st connection from 127.0.0.1, on any port";
  ExpectCanaryServed("per-IP limit");
  held.pop_back();  // frees a slot once the server sees the close
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    ZkTestClient again;
    admitted = again.Connect(zk_port()).error() == proto::OK;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(admitted);
}

TEST_F(HostileClientTest, WatchesPerSessionAreBounded) {
  StartServer({"--max_watches_per_session=10"});
  NativeTestClient c;
  ASSERT_EQ(c.Connect(native_port()).error(), proto::OK);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.Exists("/w" + std::to_string(i), true).error(), proto::NONODE);
  EXPECT_EQ(c.Exists("/w10", true).error(), proto::QUOTAEXCEEDED) << "an 11th watched path";
  EXPECT_EQ(c.Exists("/w10", false).error(), proto::NONODE) << "reads without a watch go on";
  EXPECT_EQ(c.Exists("/w3", true).error(), proto::NONODE) << "a path it already watches adds nothing";
  ASSERT_EQ(canary_.Create("/w0", "").error(), proto::OK);  // fires and consumes one watch
  proto::WatchEvent e;
  ASSERT_TRUE(c.NextEvent(&e));
  EXPECT_EQ(c.Exists("/w10", true).error(), proto::NONODE) << "room again after a watch fired";
  ExpectCanaryServed("watch bound");
}

}  // namespace
}  // namespace arbor::testing
