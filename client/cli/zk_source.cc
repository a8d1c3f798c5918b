#include "client/cli/zk_source.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client/connect_string.h"
#include "common/zk_wire/handshake.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"

namespace arbor::cli {

Result<std::unique_ptr<ZkSource>> ZkSource::Connect(const std::string& host_port, int timeout_ms) {
  auto cs = client::ParseConnectString(host_port);
  if (!cs.ok() || cs->hosts.size() != 1) return Status::InvalidArgument("want one HOST:PORT, not '" + host_port + "'");
  const client::HostPort& hp = cs->hosts[0];
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(hp.host.c_str(), std::to_string(hp.port).c_str(), &hints, &res);
  if (rc != 0) return Status::Unavailable(hp.host + ": " + gai_strerror(rc));
  int fd = -1;
  std::string last_error = "no address";
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return Status::Unavailable("cannot connect to " + host_port + ": " + last_error);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::unique_ptr<ZkSource> z(new ZkSource(fd, host_port, timeout_ms));
  proto::ConnectRequest req;
  req.set_timeout_ms(30000);
  std::string bytes, payload;
  ARBOR_RETURN_IF_ERROR(zk_wire::EncodeConnectRequest(req, /*with_read_only_byte=*/true, &bytes));
  ARBOR_RETURN_IF_ERROR(z->Send(bytes));
  ARBOR_RETURN_IF_ERROR(z->ReadFrame(&payload));
  auto resp = zk_wire::DecodeConnectResponse(payload);
  if (!resp.ok()) return resp.status();
  if (resp->response.timeout_ms() <= 0) return Status::Unavailable(host_port + " refused the session");
  return z;
}

ZkSource::~ZkSource() {
  if (fd_ < 0) return;
  proto::Request close;
  close.mutable_close_session();
  (void)CallMany({close});  // the server ends the session now, not after its timeout
  ::close(fd_);
}

Status ZkSource::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable(server_ + ": " + std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ZkSource::ReadFrame(std::string* payload) {
  auto read_n = [&](size_t n, std::string* out) -> Status {
    out->clear();
    char buf[65536];
    while (out->size() < n) {
      pollfd p{fd_, POLLIN, 0};
      int ready = poll(&p, 1, timeout_ms_);
      if (ready == 0) return Status::Unavailable(server_ + ": no answer within " + std::to_string(timeout_ms_) + " ms");
      if (ready < 0 && errno == EINTR) continue;
      ssize_t got = ::recv(fd_, buf, std::min(sizeof(buf), n - out->size()), 0);
      if (got <= 0) return Status::Unavailable(server_ + " closed the connection");
      out->append(buf, static_cast<size_t>(got));
    }
    return Status::Ok();
  };
  std::string len;
  ARBOR_RETURN_IF_ERROR(read_n(4, &len));
  uint32_t n = (static_cast<uint32_t>(static_cast<uint8_t>(len[0])) << 24) |
               (static_cast<uint32_t>(static_cast<uint8_t>(len[1])) << 16) |
               (static_cast<uint32_t>(static_cast<uint8_t>(len[2])) << 8) | static_cast<uint8_t>(len[3]);
  if (n > (64u << 20)) return Status::Corruption(server_ + " sent a " + std::to_string(n) + "-byte frame");
  return read_n(n, payload);
}

Status ZkSource::AddAuth(const std::string& scheme, const std::string& auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(scheme);
  r.mutable_auth()->set_auth(auth);
  auto resp = CallMany({r});
  if (!resp.ok()) return resp.status();
  if ((*resp)[0].error() != proto::OK) {
    return Status::InvalidArgument("addauth " + scheme + " on " + server_ + ": " + proto::ErrorCode_Name((*resp)[0].error()));
  }
  return Status::Ok();
}

Result<std::vector<proto::Response>> ZkSource::CallMany(const std::vector<proto::Request>& requests) {
  std::vector<zk_wire::ZkOpContext> contexts;
  std::vector<int32_t> xids;
  std::string bytes;
  for (proto::Request r : requests) {
    r.set_xid(r.has_auth() ? zk_wire::xid::kAuth : next_xid_++);
    auto ctx = zk_wire::EncodeRequest(r, 0, &bytes);
    if (!ctx.ok()) return ctx.status();
    contexts.push_back(*ctx);
    xids.push_back(r.xid());
  }
  ARBOR_RETURN_IF_ERROR(Send(bytes));
  std::vector<proto::Response> out;
  while (out.size() < requests.size()) {
    std::string payload;
    ARBOR_RETURN_IF_ERROR(ReadFrame(&payload));
    auto header = zk_wire::PeekReplyHeader(payload);
    if (!header.ok()) return header.status();
    if (header->xid == zk_wire::xid::kNotification || header->xid == zk_wire::xid::kPing) continue;
    size_t i = out.size();
    if (header->xid != xids[i]) {
      return Status::Corruption(server_ + " answered xid " + std::to_string(header->xid) + ", expected " +
                                std::to_string(xids[i]));
    }
    auto resp = zk_wire::DecodeResponse(contexts[i], payload);
    if (!resp.ok()) return resp.status();
    out.push_back(std::move(resp).value());
  }
  return out;
}

}  // namespace arbor::cli
