#include "server/metrics/server_metrics.h"

#include <algorithm>
#include <cstring>

namespace arbor::metrics {
namespace {

// Request latency in microseconds: 50 us .. 10 s. Reads on a local tree
// take tens of microseconds; writes wait for a majority's fsync (ms).
constexpr std::initializer_list<uint64_t> kLatencyUs = {50,     100,    250,     500,     1000,    2500,
                                                         5000,   10000,  25000,   50000,   100000,  250000,
                                                         500000, 1000000, 2500000, 5000000, 10000000};
constexpr std::initializer_list<uint64_t> kCountBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
// Snapshots take milliseconds to minutes.
constexpr std::initializer_list<uint64_t> kSnapshotUs = {1000,    10000,    50000,    100000,   250000,
                                                          500000,  1000000,  2500000,  5000000,  10000000,
                                                          30000000, 60000000, 300000000};

void RelaxedAdd(std::atomic<uint64_t>& a, uint64_t n) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

Histogram::Histogram(std::initializer_list<uint64_t> upper_bounds)
    : bounds_(upper_bounds), buckets_(new std::atomic<uint64_t>[upper_bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(uint64_t v) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  RelaxedAdd(buckets_[i], 1);
  RelaxedAdd(sum_, v);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const char* ProtocolName(Protocol p) { return p == Protocol::kZooKeeper ? "zookeeper" : "native"; }

Protocol ProtocolOf(const char* codec_name) {
  return codec_name != nullptr && std::strcmp(codec_name, "zookeeper") == 0 ? Protocol::kZooKeeper
                                                                             : Protocol::kNative;
}

const char* RejectionName(Rejection r) {
  switch (r) {
    case Rejection::kNotServing: return "not_serving";
    case Rejection::kClientAhead: return "client_ahead";
    case Rejection::kDataTooLarge: return "data_too_large";
    case Rejection::kAuthFailed: return "auth_failed";
    case Rejection::kBadFrame: return "bad_frame";
    case Rejection::kPipelineFull: return "pipeline_full";
    case Rejection::kClusterFull: return "cluster_full";
    case Rejection::kTooManyWatches: return "too_many_watches";
    case Rejection::kCount: break;
  }
  return "unknown";
}

ServerMetrics::ServerMetrics()
    : fsync_us_(kLatencyUs),
      group_batches_(kCountBounds),
      group_entries_(kCountBounds),
      snapshot_us_(kSnapshotUs) {
  for (auto& per_protocol : req_) {
    for (auto& r : per_protocol) r.latency = std::make_unique<Histogram>(kLatencyUs);
  }
}

void ServerMetrics::RequestDone(Protocol p, proto::Request::OpCase op, uint64_t latency_us, bool error) {
  size_t i = static_cast<size_t>(op) < kMaxOps ? static_cast<size_t>(op) : 0;
  RequestStats& r = req_[static_cast<size_t>(p)][i];
  r.latency->Observe(latency_us);
  if (error) r.errors.Add();
  bool first = window_count_.value() == static_cast<uint64_t>(window_base_count_.value());
  window_count_.Add();
  window_sum_us_.Add(latency_us);
  auto v = static_cast<int64_t>(latency_us);
  if (first || v < window_min_us_.value()) window_min_us_.Set(v);
  if (v > window_max_us_.value()) window_max_us_.Set(v);
}

void ServerMetrics::ResetLatencyWindow() {
  // Counters only go up; the window keeps its own base instead.
  window_base_count_.Set(static_cast<int64_t>(window_count_.value()));
  window_base_sum_us_.Set(static_cast<int64_t>(window_sum_us_.value()));
  window_min_us_.Set(0);
  window_max_us_.Set(0);
}

ServerMetrics::LatencyWindow ServerMetrics::latency_window() const {
  LatencyWindow w;
  w.count = window_count_.value() - static_cast<uint64_t>(window_base_count_.value());
  w.sum_us = window_sum_us_.value() - static_cast<uint64_t>(window_base_sum_us_.value());
  w.min_us = w.count == 0 ? 0 : static_cast<uint64_t>(window_min_us_.value());
  w.max_us = static_cast<uint64_t>(window_max_us_.value());
  return w;
}

uint64_t ServerMetrics::requests_total() const {
  uint64_t total = 0;
  for (const auto& per_protocol : req_) {
    for (const auto& r : per_protocol) total += r.latency->Read().count;
  }
  return total;
}

void ServerMetrics::GroupCommitted(uint64_t write_us, uint64_t batches, uint64_t entries, uint64_t bytes) {
  fsync_us_.Observe(write_us);
  group_batches_.Observe(batches);
  group_entries_.Observe(entries);
  group_bytes_.Add(bytes);
}

void ServerMetrics::SnapshotSaved(uint64_t duration_us, uint64_t bytes, bool ok) {
  if (!ok) {
    snapshot_failures_.Add();
    return;
  }
  snapshot_us_.Observe(duration_us);
  last_snapshot_bytes_.Set(static_cast<int64_t>(bytes));
}

}  // namespace arbor::metrics
