// arbor-bench's engine: worker threads, each with its own epoll loop and
// its share of the sessions. Closed loop: every session keeps `depth`
// requests in flight and every answer issues the next request. The hot path
// (issue, send, receive, look at the reply, record the latency) allocates
// nothing: requests are copied from pre-encoded templates (bench_wire.h)
// into per-connection buffers sized at start, replies are looked at in
// place, statistics go to fixed histograms owned by the thread.
//
// Responses on one connection come back in request order (ZooKeeper's FIFO
// client order, which both of Arbor's protocols keep), so each connection
// matches them to its slots through a ring of slot numbers and checks the
// xid. Pings (xid -2) and watch events (xid -1) are routed apart.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/bench/bench_stats.h"
#include "client/bench/bench_wire.h"

namespace arbor::bench {

enum Op : uint8_t { kCreate, kSet, kGet, kExists, kChildren, kDelete, kMulti, kLock, kWatch, kNumOps };
extern const char* const kOpNames[kNumOps];

enum class Phase : int {
  kConnect = 0,  // sessions are being opened
  kWarm = 1,     // load runs, nothing is recorded
  kMeasure = 2,  // load runs, completions are recorded
  kDrain = 3,    // no new requests; in-flight ones finish
  kClose = 4,    // sessions are closed (closeSession)
  kExit = 5,
};

struct Config {
  Protocol protocol = Protocol::kZooKeeper;
  std::vector<sockaddr_in> servers;
  int threads = 2;
  int sessions = 16;
  int depth = 32;
  int weights[kNumOps] = {0};
  int weight_sum = 0;
  int keyspace = 10000;
  int key_width = 5;  // decimal digits of key names (k/00042)
  bool unique_creates = false;
  int64_t max_ops = 0;  // 0: no limit
  int session_timeout_ms = 30000;
  int idle_sessions = 0;
  int idle_server = 0;     // index into servers
  bool verify = false;     // decode every reply fully (allocates)
  int expected_value_bytes = 256;  // --verify: a get's data size
  int timeline_bucket_ms = 100;
  int timeline_buckets = 0;  // sized for the run by the caller
  int max_connecting = 64;   // handshakes in progress per thread
};

// Every request the load can send. Fields: the decimal placeholders of each
// template, in order (see MakeTemplates in bench_main.cc).
struct Templates {
  Template op[kNumOps];       // first request of each op
  Template create_unique;     // ROOT/u/<pad><gid:9><seq:10>
  Template lock_delete;       // ROOT/l/lock-<10 digits>
  Template watch_set;         // setData ROOT/w/<gid>
  Template ping;
  Template close;
  size_t max_frame = 0;
};

// Per-thread results, merged by the caller after the threads stopped.
struct WorkerResult {
  OpStats ops[kNumOps];
  std::vector<uint64_t> timeline_count;  // completions per bucket from measure start
  std::vector<uint64_t> timeline_max_us;
  uint64_t desyncs = 0;
};

class Worker;

class Engine {
 public:
  Engine(Config config, Templates templates, Wire wire);
  ~Engine();

  void Start();  // threads start and open their sessions
  void SetPhase(Phase p);
  // The measurement window (steady-clock ns): completions inside count.
  void BeginMeasure(int64_t now_ns);
  void EndMeasure(int64_t now_ns);
  void Join();

  // Progress, read by the main thread while the workers run.
  int load_ready() const;
  int idle_ready() const;
  int failed() const;          // sessions that could not connect
  int lost() const;            // load sessions lost after connecting
  int idle_lost() const;       // idle sessions lost (closed or expired)
  int64_t outstanding() const; // requests in flight
  int64_t completed() const;   // all completions so far (all phases)
  int open_connections() const;

  const Config& config() const { return config_; }
  // After Join().
  WorkerResult Merge() const;
  int64_t measure_start_ns() const { return measure_start_.load(); }

  // Shared with the workers.
  std::atomic<int> phase_{static_cast<int>(Phase::kConnect)};
  std::atomic<int64_t> measure_start_{INT64_MAX};
  std::atomic<int64_t> measure_end_{INT64_MAX};
  std::atomic<int64_t> issued_{0};

 private:
  friend class Worker;
  Config config_;
  Templates templates_;
  Wire wire_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

int64_t NowNs();

}  // namespace arbor::bench
