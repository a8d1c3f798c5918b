// ClientSession over a real socket with the native codec and a fake service:
// handshake rules, FIFO answers, back-pressure that resumes on buffered input,
// and malformed input closing only the offending connection.
#include "server/net/client_session.h"

#include <gtest/gtest.h>

#include <map>

#include "common/frame.h"
#include "server/net/tcp_listener.h"
#include "test/unit/net/test_support.h"

namespace arbor::net {
namespace {

using namespace ::arbor::net::testing;  // NOLINT

// Writes complete only when the test releases them; reads echo the count of
// completed writes in Response.zxid so ordering is visible.
class FakeService : public ClientService {
 public:
  void Connect(ClientSession* s, const proto::ConnectRequest& req) override {
    if (defer_connect_) {  // as a follower does: the leader creates the session later
      deferred_ = s;
      deferred_request_ = req;
      return;
    }
    proto::ConnectResponse r;
    if (req.session_id() == 666) {
      r.set_error(proto::SESSIONEXPIRED);
      r.set_timeout_ms(0);
    } else {
      r.set_session_id(next_session_++);
      r.set_timeout_ms(req.timeout_ms());
      r.set_password(std::string(16, 'p'));
    }
    s->CompleteConnect(r);
  }
  bool IsLocal(const proto::Request& r) const override { return r.has_get_data() || r.has_ping(); }
  void StartAsync(ClientSession* s, uint64_t seq, const proto::Request& r) override {
    pending_.push_back({s, seq, r.xid()});
  }
  proto::Response RunLocal(ClientSession*, const proto::Request& r) override {
    proto::Response resp;
    resp.set_xid(r.xid());
    resp.set_zxid(writes_done_);
    return resp;
  }
  void Touched(ClientSession*) override { ++touches_; }
  void Disconnected(ClientSession* s) override {
    for (auto& p : pending_) if (p.session == s) p.session = nullptr;
    ++disconnects_;
  }
  void CompleteDeferredConnect() {
    defer_connect_ = false;
    Connect(deferred_, deferred_request_);
  }
  bool defer_connect_ = false;
  ClientSession* deferred_ = nullptr;
  proto::ConnectRequest deferred_request_;
  // Completes the oldest pending write (on the loop thread).
  void FinishOne() {
    Pending p = pending_.front();
    pending_.erase(pending_.begin());
    ++writes_done_;
    if (p.session == nullptr) return;
    proto::Response r;
    r.set_xid(p.xid);
    r.set_zxid(writes_done_);
    p.session->Complete(p.seq, r);
  }
  struct Pending {
    ClientSession* session;
    uint64_t seq;
    int xid;
  };
  std::vector<Pending> pending_;
  int64_t writes_done_ = 0;
  int64_t next_session_ = 100;
  int touches_ = 0;
  int disconnects_ = 0;
};

std::string ClientFrameBytes(const proto::ClientFrame& f) {
  std::string out;
  AppendFrame(f.SerializeAsString(), &out);
  return out;
}
std::string Connect(int64_t session_id = 0) {
  proto::ClientFrame f;
  f.mutable_connect()->set_timeout_ms(4000);
  f.mutable_connect()->set_session_id(session_id);
  return ClientFrameBytes(f);
}
std::string GetData(int xid) {
  proto::ClientFrame f;
  f.mutable_request()->set_xid(xid);
  f.mutable_request()->mutable_get_data()->set_path("/a");
  return ClientFrameBytes(f);
}
std::string SetData(int xid) {
  proto::ClientFrame f;
  f.mutable_request()->set_xid(xid);
  f.mutable_request()->mutable_set_data()->set_path("/a");
  return ClientFrameBytes(f);
}

// Reads one ServerFrame (blocking, 5 s timeout). False on close/timeout.
bool ReadFrame(int fd, proto::ServerFrame* f) {
  std::string hdr = RecvN(fd, 4);
  if (hdr.size() != 4) return false;
  std::string body = RecvN(fd, ReadBigEndian32(hdr.data()));
  return f->ParseFromString(body);
}

class ClientSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(1000); }
  void Start(size_t max_outstanding) {
    ListenerOptions opts;
    listener_ = std::make_unique<TcpListener>(loop_.loop(), opts, [this, max_outstanding](Connection* c) {
      return std::make_unique<ClientSession>(c, NewNativeCodec(1 << 20), &service_,
                                             ClientSessionOptions{max_outstanding});
    });
    ASSERT_TRUE(listener_->Listen().ok());
    loop_.Start();
  }
  void TearDown() override {
    loop_.Run([this] { listener_->Close(Status::Ok()); });
    loop_.Stop();
    listener_.reset();
  }
  int Handshake() {
    int fd = Dial(listener_->port());
    SendAll(fd, Connect());
    proto::ServerFrame f;
    EXPECT_TRUE(ReadFrame(fd, &f));
    EXPECT_TRUE(f.has_connect());
    EXPECT_EQ(f.connect().timeout_ms(), 4000);
    return fd;
  }

  LoopThread loop_;
  FakeService service_;
  std::unique_ptr<TcpListener> listener_;
};

TEST_F(ClientSessionTest, RequestBeforeHandshakeGetsAnErrorThenClose) {
  int fd = Dial(listener_->port());
  SendAll(fd, GetData(1));
  proto::ServerFrame err;
  ASSERT_TRUE(ReadFrame(fd, &err));
  EXPECT_EQ(err.response().xid(), 1);
  EXPECT_EQ(err.response().error(), proto::SESSIONEXPIRED);
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
  // The server still serves others.
  int ok = Handshake();
  SendAll(ok, GetData(2));
  proto::ServerFrame f;
  ASSERT_TRUE(ReadFrame(ok, &f));
  EXPECT_EQ(f.response().xid(), 2);
  close(ok);
}

TEST_F(ClientSessionTest, GarbageFrameGetsMarshallingErrorThenClose) {
  int fd = Handshake();
  SendAll(fd, std::string("\0\0\0\3\xff\xff\xff", 7));
  proto::ServerFrame err;
  ASSERT_TRUE(ReadFrame(fd, &err));
  EXPECT_EQ(err.response().error(), proto::MARSHALLINGERROR);
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(ClientSessionTest, UnknownOperationGetsUnimplementedThenClose) {
  int fd = Handshake();
  proto::ClientFrame f;
  f.mutable_request()->set_xid(7);  // no operation set: what an unknown op decodes to
  SendAll(fd, ClientFrameBytes(f));
  proto::ServerFrame err;
  ASSERT_TRUE(ReadFrame(fd, &err));
  EXPECT_EQ(err.response().xid(), 7);
  EXPECT_EQ(err.response().error(), proto::UNIMPLEMENTED);
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(ClientSessionTest, ExpiredSessionGetsAnswerThenClose) {
  int fd = Dial(listener_->port());
  SendAll(fd, Connect(666));
  proto::ServerFrame f;
  ASSERT_TRUE(ReadFrame(fd, &f));
  EXPECT_EQ(f.connect().error(), proto::SESSIONEXPIRED);
  EXPECT_TRUE(PeerClosed(fd));
  close(fd);
}

TEST_F(ClientSessionTest, ReadBehindWriteWaitsAndAnswersInOrder) {
  int fd = Handshake();
  SendAll(fd, SetData(1) + GetData(2) + GetData(3));
  // Wait until the write reached the service, then complete it.
  for (int i = 0; i < 200; ++i) {
    size_t n = 0;
    loop_.Run([&] { n = service_.pending_.size(); });
    if (n == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  loop_.Run([&] { service_.FinishOne(); });
  proto::ServerFrame f;
  ASSERT_TRUE(ReadFrame(fd, &f));
  EXPECT_EQ(f.response().xid(), 1);
  ASSERT_TRUE(ReadFrame(fd, &f));
  EXPECT_EQ(f.response().xid(), 2);
  EXPECT_EQ(f.response().zxid(), 1);  // the read saw the write
  ASSERT_TRUE(ReadFrame(fd, &f));
  EXPECT_EQ(f.response().xid(), 3);
  close(fd);
}

// A client may send requests right behind its handshake, before the answer
// (ZooKeeper stops reading such a connection until the session exists):
// they wait and are answered after the handshake, not refused. Before the
// fix the connection was closed ("request before the session handshake
// completed"), found by HostileClientTest with raw ZooKeeper clients.
TEST_F(ClientSessionTest, RequestsPipelinedBehindTheHandshakeWaitForTheSession) {
  loop_.Run([&] { service_.defer_connect_ = true; });
  int fd = Dial(listener_->port());
  SendAll(fd, Connect() + GetData(1) + GetData(2));
  bool pending = false;
  for (int i = 0; i < 200 && !pending; ++i) {
    loop_.Run([&] { pending = service_.deferred_ != nullptr; });
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(pending);
  loop_.Run([&] { service_.CompleteDeferredConnect(); });
  proto::ServerFrame f;
  ASSERT_TRUE(ReadFrame(fd, &f));
  EXPECT_TRUE(f.has_connect());
  for (int want = 1; want <= 2; ++want) {
    ASSERT_TRUE(ReadFrame(fd, &f)) << "waiting for xid " << want;
    EXPECT_EQ(f.response().xid(), want);
  }
  close(fd);
}

class ClientSessionBackPressureTest : public ClientSessionTest {
 protected:
  void SetUp() override { Start(2); }
};

TEST_F(ClientSessionBackPressureTest, FullPipelineStopsReadingThenResumesBufferedFrames) {
  int fd = Handshake();
  // Two writes fill the pipeline; the reads behind them stay buffered.
  SendAll(fd, SetData(1) + SetData(2) + GetData(3) + GetData(4));
  size_t pending = 0;
  for (int i = 0; i < 200 && pending < 2; ++i) {
    loop_.Run([&] { pending = service_.pending_.size(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(pending, 2u);
  loop_.Run([&] { service_.FinishOne(); service_.FinishOne(); });
  // No new bytes arrive, yet xid 3 and 4 must be answered from the buffer.
  for (int want = 1; want <= 4; ++want) {
    proto::ServerFrame f;
    ASSERT_TRUE(ReadFrame(fd, &f)) << "waiting for xid " << want;
    EXPECT_EQ(f.response().xid(), want);
  }
  close(fd);
}

}  // namespace
}  // namespace arbor::net
