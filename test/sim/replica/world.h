// The simulated world of the whole-replica simulator: one seeded random
// stream and one queue of timed events, run in (time, sequence) order. Every
// source of nondeterminism in a run (network delays, faults, client choices,
// election jitter, session passwords) draws from this one stream, so a seed
// replays exactly.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <functional>
#include <queue>
#include <vector>

#include "server/raft/rand.h"

namespace arbor::sim {

class World {
 public:
  explicit World(uint64_t seed) : rng_(seed) {}

  int64_t now() const { return now_; }
  raft::SplitMix64& rng() { return rng_; }
  uint64_t Uniform(uint64_t n) { return rng_.Uniform(n); }
  bool Chance(uint64_t num, uint64_t den) { return rng_.Chance(num, den); }
  // A uniform delay in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng_.Uniform(hi - lo + 1)); }

  // Runs `fn` at now() + delay_ms (after every event already due then).
  void At(int64_t delay_ms, std::function<void()> fn) {
    queue_.push(Event{now_ + (delay_ms < 0 ? 0 : delay_ms), seq_++, std::move(fn)});
  }
  // Runs events until the queue is empty or time passes `end_ms`.
  void RunUntil(int64_t end_ms) {
    while (!queue_.empty() && queue_.top().at <= end_ms) {
      Event e = queue_.top();
      queue_.pop();
      now_ = e.at;
      ++events_;
      e.fn();
    }
    if (now_ < end_ms) now_ = end_ms;
  }
  uint64_t events() const { return events_; }

  // Replays print a line per client-visible step (ARBOR_REPLICA_SIM_TRACE=1).
  bool tracing() const { return tracing_; }
  void set_tracing(bool on) { tracing_ = on; }
  template <typename... Args>
  void Trace(const Args&... parts) const {
    if (!tracing_) return;
    std::fprintf(stderr, "%8lld ", static_cast<long long>(now_));
    (TracePart(parts), ...);
    std::fputc('\n', stderr);
  }

 private:
  struct Event {
    int64_t at;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  static void TracePart(const std::string& s) { std::fputs(s.c_str(), stderr); }
  static void TracePart(const char* s) { std::fputs(s, stderr); }
  template <typename T>
  static void TracePart(const T& v) { std::fputs(std::to_string(v).c_str(), stderr); }

  bool tracing_ = false;
  raft::SplitMix64 rng_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t events_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
};

}  // namespace arbor::sim
