#include "test/integration/zk_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/zk_wire/handshake.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"
#include "test/integration/native_test_client.h"

namespace arbor::testing {

ZkTestClient::~ZkTestClient() { Close(); }

void ZkTestClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

proto::ConnectResponse ZkTestClient::Connect(int port, int32_t timeout_ms, int64_t session_id,
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
  proto::ConnectRequest req;
  req.set_timeout_ms(timeout_ms);
  req.set_session_id(session_id);
  req.set_password(password);
  req.set_last_zxid_seen(last_zxid_seen);
  std::string bytes, payload;
  if (!zk_wire::EncodeConnectRequest(req, /*with_read_only_byte=*/true, &bytes).ok() || !SendFrame(bytes) ||
      !ReadFrame(&payload, 10000)) {
    Close();
    return out;
  }
  auto resp = zk_wire::DecodeConnectResponse(payload);
  if (!resp.ok()) {
    Close();
    return out;
  }
  out = resp->response;
  if (out.timeout_ms() > 0) {
    session_id_ = out.session_id();
  } else {
    Close();
  }
  return out;
}

proto::Response ZkTestClient::Call(proto::Request request, int timeout_ms) {
  proto::Response lost;
  lost.set_error(proto::CONNECTIONLOSS);
  if (request.has_auth()) {
    request.set_xid(zk_wire::xid::kAuth);
  } else if (request.xid() == 0) {
    request.set_xid(next_xid_++);
  }
  std::string bytes;
  auto ctx = zk_wire::EncodeRequest(request, 0, &bytes);
  if (!ctx.ok() || !SendFrame(bytes)) return lost;
  for (;;) {
    std::string payload;
    if (!ReadFrame(&payload, timeout_ms)) return lost;
    auto header = zk_wire::PeekReplyHeader(payload);
    if (!header.ok()) return lost;
    if (header->xid == zk_wire::xid::kNotification) {
      auto ev = zk_wire::DecodeWatchEvent(payload);
      if (ev.ok()) events_.push_back(*ev);
      continue;
    }
    if (header->xid != request.xid()) return lost;  // a reply to someone else
    auto resp = zk_wire::DecodeResponse(*ctx, payload);
    if (!resp.ok()) return lost;
    return *resp;
  }
}

proto::Response ZkTestClient::AddAuth(const std::string& scheme, const std::string& auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(auth);
  return Call(r);
}

proto::Response ZkTestClient::Create(const std::string& path, const std::string& data) {
  return Call(CreateRequest(path, data));
}

proto::Response ZkTestClient::GetData(const std::string& path) {
  proto::Request r;
  r.mutable_get_data()->set_path(path);
  return Call(r);
}

bool ZkTestClient::SendFrame(const std::string& bytes) {
  if (fd_ < 0) return false;
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool ZkTestClient::ReadFrame(std::string* payload, int timeout_ms) {
  if (fd_ < 0) return false;
  auto read_n = [&](size_t n, std::string* out) {
    out->clear();
    char buf[8192];
    while (out->size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return false;
      ssize_t got = ::recv(fd_, buf, std::min(sizeof(buf), n - out->size()), 0);
      if (got <= 0) return false;
      out->append(buf, static_cast<size_t>(got));
    }
    return true;
  };
  std::string len;
  if (!read_n(4, &len)) {
    Close();
    return false;
  }
  uint32_t n = (static_cast<uint32_t>(static_cast<uint8_t>(len[0])) << 24) |
               (static_cast<uint32_t>(static_cast<uint8_t>(len[1])) << 16) |
               (static_cast<uint32_t>(static_cast<uint8_t>(len[2])) << 8) | static_cast<uint8_t>(len[3]);
  if (n > (64u << 20) || !read_n(n, payload)) {
    Close();
    return false;
  }
  return true;
}

}  // namespace arbor::testing
