// A blocking client of arbor-bench for setup (creating the keys before the
// load starts): one connection, requests sent and awaited in order, on
// either wire (bench_wire.h). Any failure ends the program with a message.
#pragma once

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "client/bench/bench_wire.h"
#include "common/frame.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "proto/client.pb.h"

namespace arbor::bench {

// Prints "arbor-bench: why" and exits with status 2.
[[noreturn]] void SetupDie(const std::string& why);

class SetupClient {
 public:
  SetupClient(const Wire& wire, const sockaddr_in& addr) : wire_(wire) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      SetupDie(std::string("setup connection: ") + std::strerror(errno));
    }
    SendAll(wire_.EncodeConnect(30000));
    std::string payload = ReadFrame();
    int64_t sid;
    int32_t timeout;
    if (!wire_.DecodeConnect(payload, &sid, &timeout)) SetupDie("setup session refused (is the server serving?)");
  }
  ~SetupClient() {
    // closeSession, so the setup session does not linger on the servers.
    proto::Request r;
    r.mutable_close_session();
    Send(r, zk_wire::op::kCloseSession);
    std::string dummy;
    (void)TryReadFrame(&dummy);
    close(fd_);
  }

  // Sends `r`; the answer comes back through Wait().
  void Send(proto::Request r, int32_t zk_opcode) {
    r.set_xid(next_xid_++);
    std::string out;
    if (wire_.protocol() == Protocol::kZooKeeper) {
      auto ctx = zk_wire::EncodeRequest(r, zk_opcode, &out);
      if (!ctx.ok()) SetupDie("setup encode: " + ctx.status().ToString());
    } else {
      proto::ClientFrame f;
      *f.mutable_request() = r;
      AppendFrame(f.SerializeAsString(), &out);
    }
    SendAll(out);
    ++pending_;
  }
  // The next answer's error code.
  int32_t Wait() {
    while (true) {
      std::string payload = ReadFrame();
      Reply rep;
      std::string scratch;
      if (!wire_.Parse(payload, false, &rep, &scratch)) SetupDie("setup: unreadable reply");
      if (rep.kind != Reply::Kind::kResponse) continue;
      --pending_;
      return rep.err;
    }
  }
  int pending() const { return pending_; }

  int32_t Call(proto::Request r, int32_t zk_opcode) {
    Send(std::move(r), zk_opcode);
    return Wait();
  }

 private:
  void SendAll(const std::string& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) SetupDie(std::string("setup send: ") + std::strerror(errno));
      off += static_cast<size_t>(n);
    }
  }
  bool TryReadFrame(std::string* out) {
    while (true) {
      if (buf_.size() >= 4) {
        uint32_t len = arbor::ReadBigEndian32(buf_.data());
        if (buf_.size() >= 4 + len) {
          *out = buf_.substr(4, len);
          buf_.erase(0, 4 + len);
          return true;
        }
      }
      char tmp[65536];
      ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  std::string ReadFrame() {
    std::string out;
    if (!TryReadFrame(&out)) SetupDie("setup connection closed by the server");
    return out;
  }

  const Wire& wire_;
  int fd_ = -1;
  int32_t next_xid_ = 1;
  int pending_ = 0;
  std::string buf_;
};

proto::Request CreateReq(const std::string& path, const std::string& data, proto::CreateMode mode);
// Creates `paths` with up to 512 in flight; NODEEXISTS is fine (a rerun).
void CreateMany(SetupClient* sc, const std::vector<std::string>& paths, const std::string& data);

}  // namespace arbor::bench
