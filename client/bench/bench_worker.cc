// Worker: connections (connect, handshake, read, write, fail) and
// requests (issue, finish, housekeeping) of one epoll loop.
#include "client/bench/bench_worker.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/frame.h"

namespace arbor::bench {

// ---- connections ----------------------------------------------------------

void Worker::StartConnect(Conn* c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::fprintf(stderr, "arbor-bench: socket: %s\n", std::strerror(errno));
    c->state = Conn::State::kDead;
    failed.fetch_add(1);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const sockaddr_in& a = cfg_.servers[static_cast<size_t>(c->server)];
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  if (rc != 0 && errno != EINPROGRESS) {
    std::fprintf(stderr, "arbor-bench: connect: %s\n", std::strerror(errno));
    close(fd);
    c->state = Conn::State::kDead;
    failed.fetch_add(1);
    return;
  }
  c->fd = fd;
  c->state = Conn::State::kConnecting;
  ++connecting_;
  open.fetch_add(1);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = c;
  epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  c->want_out = true;
}

void Worker::Fail(Conn* c, const char* why) {
  if (c->state == Conn::State::kDead) return;
  bool was_ready = c->state == Conn::State::kReady || c->state == Conn::State::kClosing;
  if (c->state == Conn::State::kConnecting || c->state == Conn::State::kHandshake) {
    --connecting_;
    failed.fetch_add(1);
    std::fprintf(stderr, "arbor-bench: session could not be opened: %s\n", why);
  } else if (was_ready && c->state != Conn::State::kClosing && phase() < Phase::kClose) {
    if (c->idle) {
      idle_lost.fetch_add(1);
    } else {
      lost.fetch_add(1);
    }
    std::fprintf(stderr, "arbor-bench: %s session 0x%llx lost: %s\n", c->idle ? "idle" : "load",
                 static_cast<unsigned long long>(c->session_id), why);
  }
  if (was_ready) {
    if (c->idle) {
      idle_ready.fetch_sub(1);
    } else {
      load_ready.fetch_sub(1);
    }
  }
  // Requests in flight on it are gone.
  uint32_t n = c->fifo_tail - c->fifo_head;
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t s = c->fifo[(c->fifo_head + i) & (c->fifo.size() - 1)];
    if (s != kCloseSlot) --outstanding_local_;
  }
  c->fifo_head = c->fifo_tail = 0;
  c->active = 0;
  outstanding.store(outstanding_local_, std::memory_order_relaxed);
  if (c->fd >= 0) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, c->fd, nullptr);
    close(c->fd);
    c->fd = -1;
    open.fetch_sub(1);
  }
  c->state = Conn::State::kDead;
}

void Worker::OnWritable(Conn* c) {
  if (c->state == Conn::State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Fail(c, std::strerror(err));
      return;
    }
    c->state = Conn::State::kHandshake;
    std::string hello = wire_.EncodeConnect(cfg_.session_timeout_ms);
    std::memcpy(Reserve(c, hello.size()), hello.data(), hello.size());
    c->out_len += hello.size();
  }
  Flush(c);
}

char* Worker::Reserve(Conn* c, size_t n) {
  if (c->out_len + n > c->out_cap) {
    if (c->out_sent > 0) {  // slide what is left to the front
      std::memmove(c->out.get(), c->out.get() + c->out_sent, c->out_len - c->out_sent);
      c->out_len -= c->out_sent;
      c->out_sent = 0;
    }
    if (c->out_len + n > c->out_cap) {  // rare: grow
      size_t cap = (c->out_len + n) * 2;
      std::unique_ptr<char[]> b(new char[cap]);
      std::memcpy(b.get(), c->out.get(), c->out_len);
      c->out = std::move(b);
      c->out_cap = cap;
    }
  }
  if (!c->dirty) {
    c->dirty = true;
    dirty_.push_back(c);
  }
  return c->out.get() + c->out_len;
}

void Worker::Flush(Conn* c) {
  while (c->out_sent < c->out_len) {
    ssize_t n = send(c->fd, c->out.get() + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      Fail(c, std::strerror(errno));
      return;
    }
    c->out_sent += static_cast<size_t>(n);
  }
  bool pending = c->out_sent < c->out_len;
  if (!pending) c->out_len = c->out_sent = 0;
  if (pending != c->want_out && c->state != Conn::State::kConnecting) {
    epoll_event ev{};
    ev.events = pending ? (EPOLLIN | EPOLLOUT) : static_cast<uint32_t>(EPOLLIN);
    ev.data.ptr = c;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = pending;
  }
  c->last_send_ns = NowNs();
}

void Worker::OnReadable(Conn* c) {
  if (c->in_len == c->in_cap) {  // a frame larger than the buffer: grow (rare)
    size_t cap = c->in_cap * 2;
    std::unique_ptr<char[]> b(new char[cap]);
    std::memcpy(b.get(), c->in.get(), c->in_len);
    c->in = std::move(b);
    c->in_cap = cap;
  }
  ssize_t n = recv(c->fd, c->in.get() + c->in_len, c->in_cap - c->in_len, 0);
  if (n == 0) {
    Fail(c, "the server closed the connection");
    return;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    Fail(c, std::strerror(errno));
    return;
  }
  c->in_len += static_cast<size_t>(n);
  size_t pos = 0;
  while (c->in_len - pos >= kFrameHeaderBytes && c->state != Conn::State::kDead) {
    uint32_t len = ReadBigEndian32(c->in.get() + pos);
    if (len > (64u << 20)) {
      Fail(c, "reply frame too large");
      return;
    }
    if (c->in_len - pos < kFrameHeaderBytes + len) {
      // Incomplete: make sure the buffer can hold it.
      if (kFrameHeaderBytes + len > c->in_cap) {
        size_t cap = kFrameHeaderBytes + len;
        std::unique_ptr<char[]> b(new char[cap]);
        std::memcpy(b.get(), c->in.get() + pos, c->in_len - pos);
        c->in = std::move(b);
        c->in_cap = cap;
        c->in_len -= pos;
        pos = 0;
      }
      break;
    }
    HandleFrame(c, std::string_view(c->in.get() + pos + kFrameHeaderBytes, len));
    pos += kFrameHeaderBytes + len;
  }
  if (c->state == Conn::State::kDead) return;
  if (pos > 0) {
    std::memmove(c->in.get(), c->in.get() + pos, c->in_len - pos);
    c->in_len -= pos;
  }
}

void Worker::HandleFrame(Conn* c, std::string_view payload) {
  if (c->state == Conn::State::kHandshake) {
    int32_t timeout = 0;
    if (!wire_.DecodeConnect(payload, &c->session_id, &timeout)) {
      Fail(c, "handshake refused");
      return;
    }
    --connecting_;
    c->state = Conn::State::kReady;
    c->ping_interval_ns = static_cast<int64_t>(timeout) * 1000000 / 3;
    c->last_send_ns = NowNs();
    if (c->idle) {
      idle_ready.fetch_add(1);
    } else {
      load_ready.fetch_add(1);
    }
    return;
  }
  Reply r;
  // Only a lock's create answer needs its path read.
  bool want_path = false;
  if (c->fifo_tail != c->fifo_head) {
    uint16_t s = c->fifo[c->fifo_head & (c->fifo.size() - 1)];
    want_path = s != kCloseSlot && c->slots[s].op == kLock && c->slots[s].step == 0;
  }
  if (!wire_.Parse(payload, want_path, &r, &scratch_)) {
    ++result_.desyncs;
    Fail(c, "unreadable reply");
    return;
  }
  switch (r.kind) {
    case Reply::Kind::kPing:
      c->ping_out = false;
      return;
    case Reply::Kind::kEvent:
      OnEvent(c, r);
      return;
    case Reply::Kind::kConnect:
      Fail(c, "unexpected handshake answer");
      return;
    case Reply::Kind::kResponse:
      OnResponse(c, r, payload);
      return;
  }
}

void Worker::OnResponse(Conn* c, const Reply& r, std::string_view payload) {
  if (c->fifo_tail == c->fifo_head) {
    ++result_.desyncs;
    Fail(c, "a reply with nothing outstanding");
    return;
  }
  uint16_t s = c->fifo[c->fifo_head & (c->fifo.size() - 1)];
  ++c->fifo_head;
  if (s == kCloseSlot) {
    // The session is closed: done with this connection.
    c->state = Conn::State::kClosing;
    Fail(c, "closed");
    return;
  }
  --outstanding_local_;
  Slot& sl = c->slots[s];
  if (r.xid != sl.xid) {
    ++result_.desyncs;
    Fail(c, "reply xid does not match the oldest request");
    return;
  }
  if (cfg_.verify) {
    const Template* t = &t_.op[sl.op];
    if (sl.op == kCreate && cfg_.unique_creates) t = &t_.create_unique;
    if (sl.op == kLock && sl.step == 1) t = &t_.lock_delete;
    if (sl.op == kWatch && sl.step == 1) t = &t_.watch_set;
    auto full = wire_.DecodeFull(*t, payload);
    if (!full.ok() || full->xid() != r.xid || static_cast<int32_t>(full->error()) != r.err ||
        (sl.op == kGet && r.err == kOk &&
         full->get_data().data().size() != static_cast<size_t>(cfg_.expected_value_bytes))) {
      ++result_.desyncs;
      std::fprintf(stderr, "arbor-bench: --verify: reply to %s (xid %d) does not decode as expected: %s\n",
                   kOpNames[sl.op], r.xid, full.ok() ? "fields differ" : full.status().ToString().c_str());
    }
  }
  switch (sl.op) {
    case kLock:
      if (sl.step == 0 && r.err == kOk && r.path.size() >= 10) {
        sl.step = 1;
        char* f = Append(c, t_.lock_delete, s);
        std::memcpy(f + t_.lock_delete.fields[0].offset, r.path.data() + r.path.size() - 10, 10);
        return;
      }
      Finish(c, s, r.err);
      return;
    case kWatch:
      if (sl.step == 0) {
        if (r.err != kOk) {
          Finish(c, s, r.err);
          return;
        }
        sl.step = 1;
        sl.got_reply = sl.got_event = false;
        char* f = Append(c, t_.watch_set, s);
        PutDigits(f + t_.watch_set.fields[0].offset, t_.watch_set.fields[0].width, sl.gid);
        return;
      }
      sl.got_reply = true;
      sl.saved_err = r.err;
      if (sl.got_event || r.err != kOk) Finish(c, s, r.err);
      return;
    default:
      Finish(c, s, r.err);
      return;
  }
}

void Worker::OnEvent(Conn* c, const Reply& r) {
  // ROOT/w/<gid>: the slot that set the watch.
  const Field& f = t_.watch_set.fields.empty() ? Field{} : t_.watch_set.fields[0];
  if (f.width == 0 || r.path.size() < static_cast<size_t>(f.width)) return;
  uint64_t gid = 0;
  for (char ch : r.path.substr(r.path.size() - static_cast<size_t>(f.width))) {
    if (ch < '0' || ch > '9') return;
    gid = gid * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (gid < c->first_gid || gid >= c->first_gid + c->slots.size()) return;
  uint16_t s = static_cast<uint16_t>(gid - c->first_gid);
  Slot& sl = c->slots[s];
  if (!sl.busy || sl.op != kWatch || sl.step != 1 || sl.got_event) return;
  sl.got_event = true;
  if (sl.got_reply) Finish(c, s, sl.saved_err);
}

// ---- requests -------------------------------------------------------------

char* Worker::Append(Conn* c, const Template& t, uint16_t slot) {
  char* f = Reserve(c, t.size());
  std::memcpy(f, t.frame.data(), t.size());
  c->out_len += t.size();
  int32_t xid = kXidBase + c->next_xid;
  c->next_xid = c->next_xid + 1 == kXidSpan ? 0 : c->next_xid + 1;
  PutXid(wire_.protocol(), f, t, xid);
  c->fifo[c->fifo_tail & (c->fifo.size() - 1)] = slot;
  ++c->fifo_tail;
  if (slot != kCloseSlot) {
    c->slots[slot].xid = xid;
    ++outstanding_local_;
  }
  return f;
}

void Worker::Issue(Conn* c, uint16_t s) {
  Slot& sl = c->slots[s];
  Phase ph = phase();
  if ((ph != Phase::kWarm && ph != Phase::kMeasure) ||
      (cfg_.max_ops > 0 && e_->issued_.fetch_add(1, std::memory_order_relaxed) >= cfg_.max_ops)) {
    sl.busy = false;
    --c->active;
    return;
  }
  int w = static_cast<int>(Rand() % static_cast<uint64_t>(cfg_.weight_sum));
  uint8_t op = 0;
  while (w >= cfg_.weights[op]) w -= cfg_.weights[op++];
  sl.op = op;
  sl.step = 0;
  sl.busy = true;
  sl.t0 = NowNs();
  uint64_t key = Rand() % static_cast<uint64_t>(cfg_.keyspace);
  const Template* t = &t_.op[op];
  if (op == kCreate && cfg_.unique_creates) t = &t_.create_unique;
  char* f = Append(c, *t, s);
  switch (op) {
    case kCreate:
      if (cfg_.unique_creates) {
        PutDigits(f + t->fields[0].offset, t->fields[0].width, sl.gid);
        PutDigits(f + t->fields[1].offset, t->fields[1].width, sl.seq++);
        break;
      }
      [[fallthrough]];
    case kSet:
    case kGet:
    case kExists:
    case kDelete:
      PutDigits(f + t->fields[0].offset, t->fields[0].width, key);
      break;
    case kMulti:
      PutDigits(f + t->fields[0].offset, t->fields[0].width, key);
      PutDigits(f + t->fields[1].offset, t->fields[1].width, Rand() % static_cast<uint64_t>(cfg_.keyspace));
      break;
    case kWatch:
      PutDigits(f + t->fields[0].offset, t->fields[0].width, sl.gid);
      break;
    default:  // children, lock: nothing varies
      break;
  }
}

void Worker::Finish(Conn* c, uint16_t s, int32_t err) {
  Slot& sl = c->slots[s];
  int64_t now = NowNs();
  uint64_t us = static_cast<uint64_t>(now - sl.t0) / 1000;
  ++completed_local_;
  completed.store(completed_local_, std::memory_order_relaxed);
  int64_t start = e_->measure_start_.load(std::memory_order_relaxed);
  if (now >= start && now < e_->measure_end_.load(std::memory_order_relaxed)) {
    int outcome = err == kOk ? 0 : (err == kNoNode || err == kNodeExists || err == kNotEmpty) ? 1 : 2;
    result_.ops[sl.op].Record(us, outcome);
    size_t b = static_cast<size_t>((now - start) / (static_cast<int64_t>(cfg_.timeline_bucket_ms) * 1000000));
    if (b < result_.timeline_count.size()) {
      ++result_.timeline_count[b];
      if (us > result_.timeline_max_us[b]) result_.timeline_max_us[b] = us;
    }
  }
  Issue(c, s);
}

void Worker::StartLoad(Conn* c) {
  c->started = true;
  for (int i = 0; i < cfg_.depth; ++i) {
    ++c->active;
    Issue(c, static_cast<uint16_t>(i));
  }
}

void Worker::Housekeeping(int64_t now) {
  Phase ph = phase();
  // Open sessions, a bounded number at a time.
  while (connecting_ < cfg_.max_connecting && next_connect_ < conns_.size()) {
    Conn* c = conns_[next_connect_++].get();
    StartConnect(c);
  }
  // Idle sessions only need a look every 100 ms (pings are due every few
  // seconds); load sessions every call.
  bool idle_too = now - last_idle_house_ > 100000000 || ph >= Phase::kClose;
  if (idle_too) last_idle_house_ = now;
  for (int pass = 0; pass < (idle_too ? 2 : 1); ++pass) {
  for (Conn* c : pass == 0 ? load_ : idle_) {
    if (c->state != Conn::State::kReady) continue;
    if (!c->idle && !c->started && (ph == Phase::kWarm || ph == Phase::kMeasure)) StartLoad(c);
    if (ph >= Phase::kClose && !c->close_sent) {
      if (c->fifo_tail == c->fifo_head) {
        c->close_sent = true;
        Append(c, t_.close, kCloseSlot);
      }
      continue;
    }
    // Keep the session alive when nothing else goes out (as the client
    // libraries do, at a third of the timeout).
    if (!c->ping_out && now - c->last_send_ns > c->ping_interval_ns) {
      char* f = Reserve(c, t_.ping.size());
      std::memcpy(f, t_.ping.frame.data(), t_.ping.size());
      c->out_len += t_.ping.size();
      c->ping_out = true;
    }
  }
  }
}

void Worker::Run() {
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  dirty_.reserve(conns_.size() + 16);
  scratch_.reserve(1024);
  while (phase() != Phase::kExit) {
    int n = epoll_wait(ep_, events_.data(), static_cast<int>(events_.size()), 2);
    for (int i = 0; i < n; ++i) {
      Conn* c = static_cast<Conn*>(events_[static_cast<size_t>(i)].data.ptr);
      uint32_t ev = events_[static_cast<size_t>(i)].events;
      if (c->state == Conn::State::kDead) continue;
      if (ev & EPOLLIN) OnReadable(c);
      if (c->state == Conn::State::kDead) continue;
      if (ev & (EPOLLERR | EPOLLHUP)) {
        if (c->state == Conn::State::kConnecting) {
          OnWritable(c);  // reports the connect error
        } else if (!(ev & EPOLLIN)) {
          Fail(c, "connection error");
        }
        continue;
      }
      if (ev & EPOLLOUT) OnWritable(c);
    }
    int64_t now = NowNs();
    if (now - last_house_ > 5000000 || n == 0) {
      last_house_ = now;
      Housekeeping(now);
    }
    for (Conn* c : dirty_) {
      c->dirty = false;
      if (c->state != Conn::State::kDead && c->state != Conn::State::kConnecting) Flush(c);
    }
    dirty_.clear();
    outstanding.store(outstanding_local_, std::memory_order_relaxed);
  }
}

}  // namespace arbor::bench
