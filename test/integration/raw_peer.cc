#include "test/integration/raw_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "common/frame.h"

namespace arbor::testing {

RawPeer::~RawPeer() { Close(); }

bool RawPeer::Connect(int port) {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    Close();
    return false;
  }
  return true;
}

void RawPeer::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  input_.clear();
}

bool RawPeer::Send(const proto::PeerFrame& frame) {
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

bool RawPeer::Read(proto::PeerFrame* frame, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (fd_ >= 0) {
    std::string_view payload;
    size_t consumed = 0;
    if (PeekFrame(input_, 64 << 20, &payload, &consumed).ok() && consumed > 0) {
      bool ok = frame->ParseFromArray(payload.data(), static_cast<int>(payload.size()));
      input_.erase(0, consumed);
      return ok;
    }
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    input_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

bool RawPeer::ClosedByServer(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (fd_ >= 0) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    char buf[4096];
    if (::recv(fd_, buf, sizeof(buf), 0) <= 0) return true;
  }
  return true;
}

proto::PeerFrame Hello(uint64_t server_id, const std::string& cluster_name) {
  proto::PeerFrame f;
  f.mutable_hello()->set_server_id(server_id);
  f.mutable_hello()->set_cluster_name(cluster_name);
  return f;
}

namespace {

proto::LogEntry Entry(uint64_t from, int64_t session_id) {
  proto::LogEntry e;
  e.set_format_version(proto::LOG_FORMAT_V1);
  e.set_session_id(session_id);
  e.set_origin_server(from);
  e.set_origin_request(static_cast<uint64_t>(session_id));
  return e;
}

}  // namespace

proto::PeerFrame ForwardCreateSession(uint64_t from, int64_t session_id) {
  proto::PeerFrame f;
  proto::LogEntry* e = f.mutable_forward()->mutable_entry();
  *e = Entry(from, 0);
  e->mutable_create_session()->set_session_id(session_id);
  e->mutable_create_session()->set_timeout_ms(30000);
  e->mutable_create_session()->set_password(std::string(16, 'x'));
  return f;
}

proto::PeerFrame ForwardSetData(uint64_t from, int64_t session_id, const std::string& path, const std::string& data,
                                bool as_super) {
  proto::PeerFrame f;
  proto::LogEntry* e = f.mutable_forward()->mutable_entry();
  *e = Entry(from, session_id);
  e->set_xid(1);
  if (as_super) {
    proto::Id* id = e->add_auth();
    id->set_scheme("super");
    id->set_id("");
  }
  proto::SetDataRequest* r = e->mutable_request()->mutable_set_data();
  r->set_path(path);
  r->set_data(data);
  r->set_version(-1);
  return f;
}

proto::PeerFrame RaftAppend(uint64_t from, uint64_t to, uint64_t term) {
  proto::PeerFrame f;
  raft::Message* m = f.mutable_raft();
  m->set_type(raft::MSG_APP);
  m->set_from(from);
  m->set_to(to);
  m->set_term(term);
  m->set_index(0);
  m->set_log_term(0);
  return f;
}

}  // namespace arbor::testing
