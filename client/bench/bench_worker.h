// The load worker of arbor-bench's engine (bench_engine.h): one epoll loop
// over its share of the sessions, each a non-blocking connection with
// `depth` request slots. Private to client/bench: bench_engine.cc starts the
// workers and sums their results; bench_worker.cc is the loop itself.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/bench/bench_engine.h"

namespace arbor::bench {

constexpr uint16_t kCloseSlot = 0xFFFF;

struct Slot {
  uint8_t op = 0;
  uint8_t step = 0;  // two-request ops (lock, watch): 0 first, 1 second
  bool got_reply = false;
  bool got_event = false;
  bool busy = false;
  int32_t saved_err = 0;
  int32_t xid = 0;
  uint32_t gid = 0;  // global slot number: names the slot's watch node and unique creates
  uint64_t seq = 0;
  int64_t t0 = 0;
};

struct Conn {
  enum class State { kNew, kConnecting, kHandshake, kReady, kClosing, kDead };
  State state = State::kNew;
  int fd = -1;
  bool idle = false;
  int server = 0;
  int64_t session_id = 0;
  int64_t ping_interval_ns = 0;
  int64_t last_send_ns = 0;
  bool ping_out = false;
  bool close_sent = false;
  bool started = false;
  bool dirty = false;
  bool want_out = false;
  int32_t next_xid = 0;

  std::unique_ptr<char[]> in;
  size_t in_len = 0, in_cap = 0;
  std::unique_ptr<char[]> out;
  size_t out_len = 0, out_sent = 0, out_cap = 0;

  std::vector<Slot> slots;
  std::vector<uint16_t> fifo;  // power-of-two ring of slot numbers
  uint32_t fifo_head = 0, fifo_tail = 0;
  int active = 0;  // slots with an op in progress
  uint32_t first_gid = 0;
};

class Worker {
 public:
  Worker(Engine* e, int index) : e_(e), index_(index), cfg_(e->config_), t_(e->templates_), wire_(e->wire_) {
    rng_ = 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(index + 1) << 32) ^ static_cast<uint64_t>(getpid());
    result_.timeline_count.assign(static_cast<size_t>(cfg_.timeline_buckets), 0);
    result_.timeline_max_us.assign(static_cast<size_t>(cfg_.timeline_buckets), 0);
    events_.resize(256);
  }
  ~Worker() {
    for (auto& c : conns_) {
      if (c->fd >= 0) close(c->fd);
    }
    if (ep_ >= 0) close(ep_);
  }

  void AddLoadSession(int session_index) {
    auto c = std::make_unique<Conn>();
    c->server = session_index % static_cast<int>(cfg_.servers.size());
    c->first_gid = static_cast<uint32_t>(session_index * cfg_.depth);
    c->slots.resize(static_cast<size_t>(cfg_.depth));
    for (int i = 0; i < cfg_.depth; ++i) c->slots[static_cast<size_t>(i)].gid = c->first_gid + static_cast<uint32_t>(i);
    size_t ring = 8;
    while (ring < static_cast<size_t>(cfg_.depth) + 8) ring <<= 1;
    c->fifo.resize(ring);
    c->in_cap = 256 << 10;
    c->out_cap = static_cast<size_t>(cfg_.depth + 4) * (t_.max_frame + 64) + 4096;
    Alloc(c.get());
    load_.push_back(c.get());
    conns_.push_back(std::move(c));
  }
  void AddIdleSession() {
    auto c = std::make_unique<Conn>();
    c->idle = true;
    c->server = cfg_.idle_server;
    c->fifo.resize(8);
    c->in_cap = 1024;
    c->out_cap = 512;
    Alloc(c.get());
    idle_.push_back(c.get());
    conns_.push_back(std::move(c));
  }

  void Run();

  // Progress counters (written by this thread, read by the main thread).
  std::atomic<int> load_ready{0}, idle_ready{0}, failed{0}, lost{0}, idle_lost{0}, open{0};
  std::atomic<int64_t> outstanding{0}, completed{0};
  WorkerResult result_;

 private:
  static void Alloc(Conn* c) {
    c->in.reset(new char[c->in_cap]);
    c->out.reset(new char[c->out_cap]);
  }
  Phase phase() const { return static_cast<Phase>(e_->phase_.load(std::memory_order_relaxed)); }
  uint64_t Rand() {  // xorshift64*
    uint64_t x = rng_;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_ = x;
    return x * 2685821657736338717ULL;
  }

  void StartConnect(Conn* c);
  void OnWritable(Conn* c);
  void OnReadable(Conn* c);
  void HandleFrame(Conn* c, std::string_view payload);
  void OnResponse(Conn* c, const Reply& r, std::string_view payload);
  void OnEvent(Conn* c, const Reply& r);
  void Flush(Conn* c);
  void Fail(Conn* c, const char* why);
  void Housekeeping(int64_t now);

  char* Reserve(Conn* c, size_t n);
  // Appends a copy of `t` with a fresh xid; returns the frame in the buffer.
  char* Append(Conn* c, const Template& t, uint16_t slot);
  void Issue(Conn* c, uint16_t s);
  void Finish(Conn* c, uint16_t s, int32_t err);
  void StartLoad(Conn* c);

  Engine* e_;
  int index_;
  const Config& cfg_;
  const Templates& t_;
  const Wire& wire_;
  int ep_ = -1;
  uint64_t rng_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> load_, idle_;
  std::vector<Conn*> dirty_;
  std::vector<epoll_event> events_;
  std::string scratch_;
  size_t next_connect_ = 0;
  int connecting_ = 0;
  int64_t last_house_ = 0;
  int64_t last_idle_house_ = 0;
  int64_t outstanding_local_ = 0;
  int64_t completed_local_ = 0;

  friend class Engine;
};

}  // namespace arbor::bench
