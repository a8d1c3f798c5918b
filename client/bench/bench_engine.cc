#include "client/bench/bench_engine.h"

#include <algorithm>
#include <ctime>

#include "client/bench/bench_worker.h"

namespace arbor::bench {

const char* const kOpNames[kNumOps] = {"create", "set",   "get",  "exists", "children",
                                       "delete", "multi", "lock", "watch"};

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// ---- engine ---------------------------------------------------------------

Engine::Engine(Config config, Templates templates, Wire wire)
    : config_(std::move(config)), templates_(std::move(templates)), wire_(wire) {}

Engine::~Engine() {
  SetPhase(Phase::kExit);
  Join();
}

void Engine::Start() {
  int nt = std::max(1, config_.threads);
  for (int i = 0; i < nt; ++i) workers_.push_back(std::make_unique<Worker>(this, i));
  for (int s = 0; s < config_.sessions; ++s) workers_[static_cast<size_t>(s % nt)]->AddLoadSession(s);
  for (int s = 0; s < config_.idle_sessions; ++s) workers_[static_cast<size_t>(s % nt)]->AddIdleSession();
  for (auto& w : workers_) threads_.emplace_back([p = w.get()] { p->Run(); });
}

void Engine::SetPhase(Phase p) { phase_.store(static_cast<int>(p)); }
void Engine::BeginMeasure(int64_t now_ns) { measure_start_.store(now_ns); }
void Engine::EndMeasure(int64_t now_ns) { measure_end_.store(now_ns); }

void Engine::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

#define ENGINE_SUM(name, field)                              \
  int64_t Engine::name() const {                             \
    int64_t n = 0;                                           \
    for (auto& w : workers_) n += w->field.load();           \
    return n;                                                \
  }
ENGINE_SUM(outstanding, outstanding)
ENGINE_SUM(completed, completed)
#undef ENGINE_SUM
#define ENGINE_ISUM(name, field)                             \
  int Engine::name() const {                                 \
    int n = 0;                                               \
    for (auto& w : workers_) n += w->field.load();           \
    return n;                                                \
  }
ENGINE_ISUM(load_ready, load_ready)
ENGINE_ISUM(idle_ready, idle_ready)
ENGINE_ISUM(failed, failed)
ENGINE_ISUM(lost, lost)
ENGINE_ISUM(idle_lost, idle_lost)
ENGINE_ISUM(open_connections, open)
#undef ENGINE_ISUM

WorkerResult Engine::Merge() const {
  WorkerResult m;
  m.timeline_count.assign(static_cast<size_t>(config_.timeline_buckets), 0);
  m.timeline_max_us.assign(static_cast<size_t>(config_.timeline_buckets), 0);
  for (auto& w : workers_) {
    for (int i = 0; i < kNumOps; ++i) m.ops[i].Merge(w->result_.ops[i]);
    for (size_t b = 0; b < m.timeline_count.size(); ++b) {
      m.timeline_count[b] += w->result_.timeline_count[b];
      m.timeline_max_us[b] = std::max(m.timeline_max_us[b], w->result_.timeline_max_us[b]);
    }
    m.desyncs += w->result_.desyncs;
  }
  return m;
}

}  // namespace arbor::bench
