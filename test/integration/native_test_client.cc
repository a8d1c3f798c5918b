#include "test/integration/native_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/frame.h"

namespace arbor::testing {

NativeTestClient::~NativeTestClient() { Close(); }

void NativeTestClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

proto::ConnectResponse NativeTestClient::Connect(int port, int32_t timeout_ms, int64_t session_id,
                                                 const std::string& password, int64_t last_zxid_seen) {
  Close();
  proto::ConnectResponse out;
  out.set_error(proto::CONNECTIONLOSS);
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    Close();
    return out;
  }
  proto::ClientFrame f;
  auto* c = f.mutable_connect();
  c->set_protocol_version(1);
  c->set_timeout_ms(timeout_ms);
  c->set_session_id(session_id);
  c->set_password(password);
  c->set_last_zxid_seen(last_zxid_seen);
  proto::ServerFrame reply;
  if (!Send(f) || !Read(&reply, 10000) || !reply.has_connect()) {
    Close();
    return out;
  }
  out = reply.connect();
  if (out.error() == proto::OK && out.timeout_ms() > 0) {
    session_id_ = out.session_id();
    password_ = out.password();
    if (last_zxid_seen > last_zxid_) last_zxid_ = last_zxid_seen;
  } else {
    Close();
  }
  return out;
}

proto::ConnectResponse NativeTestClient::ConnectPatiently(int port, int32_t timeout_ms, int64_t session_id,
                                                          const std::string& password, int64_t last_zxid_seen,
                                                          int patience_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms);
  for (;;) {
    proto::ConnectResponse r = Connect(port, timeout_ms, session_id, password, last_zxid_seen);
    if (r.error() != proto::CONNECTIONLOSS || std::chrono::steady_clock::now() >= deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool NativeTestClient::Send(const proto::ClientFrame& frame) {
  if (fd_ < 0) return false;
  std::string bytes;
  AppendFrame(frame.SerializeAsString(), &bytes);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool NativeTestClient::Read(proto::ServerFrame* frame, int timeout_ms) {
  if (fd_ < 0) return false;
  auto read_n = [&](size_t n, std::string* out) {
    out->clear();
    char buf[8192];
    while (out->size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return false;
      ssize_t r = ::recv(fd_, buf, std::min(sizeof(buf), n - out->size()), 0);
      if (r <= 0) return false;
      out->append(buf, static_cast<size_t>(r));
    }
    return true;
  };
  std::string hdr, body;
  if (!read_n(4, &hdr) || !read_n(ReadBigEndian32(hdr.data()), &body)) return false;
  return frame->ParseFromString(body);
}

proto::Response NativeTestClient::Call(proto::Request request) {
  std::vector<proto::Request> one;
  one.push_back(std::move(request));
  return CallMany(std::move(one))[0];
}

std::vector<proto::Response> NativeTestClient::CallMany(std::vector<proto::Request> requests) {
  std::vector<proto::Response> out;
  std::vector<int32_t> xids;
  for (auto& r : requests) {
    r.set_xid(next_xid_++);
    xids.push_back(r.xid());
    proto::ClientFrame f;
    *f.mutable_request() = r;
    if (!Send(f)) break;
  }
  for (int32_t xid : xids) {
    proto::ServerFrame f;
    while (true) {
      if (!Read(&f, 15000)) {
        Close();
        proto::Response lost;
        lost.set_xid(xid);
        lost.set_error(proto::CONNECTIONLOSS);
        f.Clear();
        *f.mutable_response() = lost;
        break;
      }
      if (f.has_event()) {
        events_.push_back(f.event());
        continue;
      }
      break;
    }
    if (f.response().zxid() > last_zxid_) last_zxid_ = f.response().zxid();
    out.push_back(f.response());
  }
  while (out.size() < requests.size()) {
    proto::Response lost;
    lost.set_error(proto::CONNECTIONLOSS);
    out.push_back(lost);
  }
  return out;
}

bool NativeTestClient::NextEvent(proto::WatchEvent* event, int timeout_ms) {
  if (events_.empty()) {
    proto::ServerFrame f;
    if (!Read(&f, timeout_ms) || !f.has_event()) return false;
    events_.push_back(f.event());
  }
  *event = events_.front();
  events_.pop_front();
  return true;
}

proto::Request CreateRequest(const std::string& path, const std::string& data, proto::CreateMode mode) {
  proto::Request r;
  auto* c = r.mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  auto* acl = c->add_acl();
  acl->set_perms(proto::PERM_ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return r;
}

proto::Response NativeTestClient::Create(const std::string& path, const std::string& data, proto::CreateMode mode) {
  return Call(CreateRequest(path, data, mode));
}

proto::Response NativeTestClient::GetData(const std::string& path, bool watch) {
  proto::Request r;
  r.mutable_get_data()->set_path(path);
  r.mutable_get_data()->set_watch(watch);
  return Call(r);
}

proto::Response NativeTestClient::SetData(const std::string& path, const std::string& data, int32_t version) {
  proto::Request r;
  r.mutable_set_data()->set_path(path);
  r.mutable_set_data()->set_data(data);
  r.mutable_set_data()->set_version(version);
  return Call(r);
}

proto::Response NativeTestClient::Delete(const std::string& path, int32_t version) {
  proto::Request r;
  r.mutable_delete_()->set_path(path);
  r.mutable_delete_()->set_version(version);
  return Call(r);
}

proto::Response NativeTestClient::Exists(const std::string& path, bool watch) {
  proto::Request r;
  r.mutable_exists()->set_path(path);
  r.mutable_exists()->set_watch(watch);
  return Call(r);
}

proto::Response NativeTestClient::GetChildren(const std::string& path, bool watch) {
  proto::Request r;
  r.mutable_get_children()->set_path(path);
  r.mutable_get_children()->set_watch(watch);
  return Call(r);
}

proto::Response NativeTestClient::Sync(const std::string& path) {
  proto::Request r;
  r.mutable_sync()->set_path(path);
  return Call(r);
}

proto::Response NativeTestClient::CloseSession() {
  proto::Request r;
  r.mutable_close_session();
  return Call(r);
}

}  // namespace arbor::testing
