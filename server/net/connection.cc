#include "server/net/connection.h"

#include <glog/logging.h>

#include "server/net/client_budget.h"

#include <atomic>
#include <utility>

namespace arbor::net {

uint64_t NextConnectionId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

std::string PeerName(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  char host[64] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(a, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    uv_ip6_name(a, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(uv_loop_t* loop, Id id, ConnectionLimits limits)
    : id_(id), limits_(limits) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  write_req_.data = this;
}

Connection::~Connection() {
  if (limits_.budget != nullptr) {
    Unqueue(queued_bytes_ + inflight_bytes_);
    limits_.budget->Untrack(this);
  }
}

void Connection::Accepted() { peer_ = PeerName(&tcp_); }

void Connection::Start(ConnectionHandler* handler) {
  handler_ = handler;
  if (peer_.empty()) Accepted();
  uv_tcp_nodelay(&tcp_, 1);
  if (limits_.budget != nullptr) limits_.budget->Track(this);
  ResumeReading();
}

void Connection::Unqueue(size_t bytes) {
  if (counted_ && limits_.budget != nullptr) limits_.budget->SubOutput(bytes);
}

void Connection::Drop(const Status& why) {
  if (dropping()) return;
  dropping_ = true;
  close_reason_ = why;
  PauseReading();
  Unqueue(queued_bytes_ + inflight_bytes_);
  counted_ = false;
  queued_.clear();
  queued_bytes_ = 0;
  uv_timer_start(&timer_, &Connection::TimerCb, 0, 0);
}

void Connection::TimerCb(uv_timer_t* t) {
  auto* c = static_cast<Connection*>(t->data);
  if (c->dropping_ && !c->closing_) {
    c->Close(c->close_reason_);
  } else if (c->closing_) {
    LOG(WARNING) << "connection " << c->id_ << " from " << c->peer_ << " did not read its last "
                 << c->output_queued_bytes() << " bytes within " << c->limits_.close_flush_timeout_ms
                 << " ms of closing: cut off";
    c->FinishClose();
  }
}

void Connection::AllocCb(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  *buf = uv_buf_init(c->read_chunk_, sizeof(c->read_chunk_));
}

void Connection::ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread == 0 || c->closing_) return;
  if (nread < 0) {
    c->Close(nread == UV_EOF ? Status::Ok() : Status::IOError(uv_strerror(static_cast<int>(nread))));
    return;
  }
  if (c->input_.size() + static_cast<size_t>(nread) > c->limits_.max_input_bytes) {
    c->Close(Status::Busy("input exceeds " + std::to_string(c->limits_.max_input_bytes) +
                          " bytes without a complete frame"));
    return;
  }
  c->input_.append(buf->base, static_cast<size_t>(nread));
  Status s2 = c->handler_->OnData(c, &c->input_);
  if (!s2.ok()) c->Close(s2);
}

bool Connection::Write(std::string bytes) {
  if (closing_ || dropping_) return false;
  if (output_queued_bytes() + bytes.size() > limits_.max_output_bytes) {
    if (limits_.budget != nullptr) limits_.budget->NoteSlowReader();
    Close(Status::Busy("peer is not reading: output queue over " +
                       std::to_string(limits_.max_output_bytes) + " bytes"));
    return false;
  }
  if (limits_.budget != nullptr) {
    if (!limits_.budget->MakeRoom(this, bytes.size())) return false;
    limits_.budget->AddOutput(bytes.size());
  }
  queued_bytes_ += bytes.size();
  queued_.push_back(std::move(bytes));
  if (!writing_) StartWrite();
  return true;
}

void Connection::StartWrite() {
  if (queued_.empty()) return;
  // Coalesce everything queued into one writev; bounded by the queue limit.
  inflight_.clear();
  std::vector<uv_buf_t> bufs;
  bufs.reserve(queued_.size());
  while (!queued_.empty()) {
    inflight_.push_back(std::move(queued_.front()));
    queued_.pop_front();
  }
  for (auto& b : inflight_) bufs.push_back(uv_buf_init(b.data(), static_cast<unsigned>(b.size())));
  inflight_bytes_ = queued_bytes_;
  queued_bytes_ = 0;
  writing_ = true;
  int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), bufs.data(),
                    static_cast<unsigned>(bufs.size()), &Connection::WriteCb);
  if (rc != 0) {
    writing_ = false;
    Close(Status::IOError(std::string("write: ") + uv_strerror(rc)));
  }
}

void Connection::WriteCb(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->writing_ = false;
  c->inflight_.clear();
  c->Unqueue(c->inflight_bytes_);
  c->inflight_bytes_ = 0;
  if (status != 0) {
    if (!c->closing_) c->Close(Status::IOError(std::string("write: ") + uv_strerror(status)));
    else c->FinishClose();
    return;
  }
  if (!c->queued_.empty()) {
    c->StartWrite();
  } else if (c->closing_) {
    c->FinishClose();
  }
}

void Connection::PauseReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Connection::ResumeReading() {
  if (reading_ || closing_) return;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::AllocCb, &Connection::ReadCb);
  reading_ = true;
}

void Connection::ProcessBuffered() {
  if (handler_ == nullptr || closing_ || input_.empty()) return;
  Status s = handler_->OnData(this, &input_);
  if (!s.ok()) Close(s);
}

void Connection::Close(const Status& why, bool flush_first) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = why;
  close_after_flush_ = flush_first;
  PauseReading();
  if (!why.ok()) LOG(WARNING) << "closing connection " << id_ << " from " << peer_ << ": " << why.ToString();
  // Tell the handler now, so it stops producing output for this connection.
  if (handler_ != nullptr) {
    ConnectionHandler* h = handler_;
    handler_ = nullptr;
    h->OnClose(this, why);
  }
  if (!(flush_first && (writing_ || !queued_.empty()))) {
    FinishClose();
    return;
  }
  if (!writing_) StartWrite();
  if (limits_.close_flush_timeout_ms > 0) {
    uv_timer_start(&timer_, &Connection::TimerCb, static_cast<uint64_t>(limits_.close_flush_timeout_ms), 0);
  }
}

void Connection::FinishClose() {
  auto* h = reinterpret_cast<uv_handle_t*>(&tcp_);
  if (uv_is_closing(h)) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::CloseCb);
  uv_close(h, &Connection::CloseCb);
}

void Connection::CloseCb(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  if (--c->open_handles_ > 0) return;  // the timer and the socket both released
  // The callback may free `c` (and with it on_released): move it out first.
  auto released = std::move(c->on_released);
  if (released) released(c);
}

}  // namespace arbor::net
