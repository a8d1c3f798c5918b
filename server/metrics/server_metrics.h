// ServerMetrics: the counters and histograms one arbord keeps about itself,
// read by the admin port (/metrics, the console) and the four-letter words.
//
// Cheap on the hot path: every metric has exactly one writer thread (the
// loop for requests and rejections, the storage thread for group commits,
// the snapshot saver for snapshots), so an update is a relaxed load and a
// relaxed store of a std::atomic, with no lock and no read-modify-write; any
// thread may read at any time. A reader may see a histogram half-updated
// (one bucket ahead of the sum): Read() derives the count from the buckets,
// so the exposition is always self-consistent.
//
// No threads, no clock, no libuv: the whole-replica simulator gives each
// replica its own instance that nobody reads (the null sink).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::metrics {

// A monotonic counter with one writer thread.
class Counter {
 public:
  void Add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// A value with one writer thread.
class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Fixed buckets over integer observations (microseconds, entries, bytes);
// the exposition scales them (e.g. microseconds to seconds). One writer.
class Histogram {
 public:
  explicit Histogram(std::initializer_list<uint64_t> upper_bounds);
  void Observe(uint64_t v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf last
    uint64_t count = 0;                // == cumulative.back()
    uint64_t sum = 0;
  };
  Snapshot Read() const;
  const std::vector<uint64_t>& bounds() const { return bounds_; }

 private:
  std::vector<uint64_t> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> sum_{0};
};

enum class Protocol : uint8_t { kNative = 0, kZooKeeper = 1, kCount };
const char* ProtocolName(Protocol p);
// "native" or "zookeeper", as net::ClientCodec::name() says.
Protocol ProtocolOf(const char* codec_name);

// Why the server turned something away (arbor_rejected_total{reason}).
enum class Rejection : uint8_t {
  kNotServing = 0,    // a handshake or request while no leader is in contact
  kClientAhead,       // a handshake from a client that saw a newer zxid
  kDataTooLarge,      // a write above --max_data_bytes
  kAuthFailed,        // an auth packet that did not authenticate
  kBadFrame,          // undecodable or oversized input: the connection closed
  kPipelineFull,      // --max_outstanding_requests reached: reading paused
  kClusterFull,       // --max_znodes or --max_total_data_bytes reached
  kTooManyWatches,    // --max_watches_per_session reached
  kCount
};
const char* RejectionName(Rejection r);

constexpr size_t kMaxOps = proto::Request::kServerStatus + 1;

class ServerMetrics {
 public:
  ServerMetrics();

  // ---- loop thread ----
  // One request answered: its latency from decoding to the response being
  // queued for writing, and whether the answer was an error.
  void RequestDone(Protocol p, proto::Request::OpCase op, uint64_t latency_us, bool error);
  void Rejected(Rejection r) { rejected_[static_cast<size_t>(r)].Add(); }
  // ZooKeeper's srst: resets the min/avg/max window four-letter words show
  // (never the Prometheus counters, which only go up).
  void ResetLatencyWindow();
  struct LatencyWindow {
    uint64_t count = 0;
    uint64_t sum_us = 0;
    uint64_t min_us = 0;
    uint64_t max_us = 0;
  };
  LatencyWindow latency_window() const;
  void SnapshotReceived() { snapshots_received_.Add(); }

  // ---- storage thread ----
  // One group commit: one LMDB transaction and one fsync.
  void GroupCommitted(uint64_t write_us, uint64_t batches, uint64_t entries, uint64_t bytes);

  // ---- snapshot saver thread ----
  void SnapshotSaved(uint64_t duration_us, uint64_t bytes, bool ok);

  // ---- readers (any thread) ----
  const Histogram& latency(Protocol p, size_t op) const { return *req_[static_cast<size_t>(p)][op].latency; }
  uint64_t errors(Protocol p, size_t op) const { return req_[static_cast<size_t>(p)][op].errors.value(); }
  uint64_t rejected(Rejection r) const { return rejected_[static_cast<size_t>(r)].value(); }
  // Every request of every protocol and op.
  uint64_t requests_total() const;
  const Histogram& fsync_latency() const { return fsync_us_; }
  const Histogram& group_batches() const { return group_batches_; }
  const Histogram& group_entries() const { return group_entries_; }
  uint64_t group_bytes() const { return group_bytes_.value(); }
  const Histogram& snapshot_duration() const { return snapshot_us_; }
  int64_t last_snapshot_bytes() const { return last_snapshot_bytes_.value(); }
  uint64_t snapshot_failures() const { return snapshot_failures_.value(); }
  uint64_t snapshots_received() const { return snapshots_received_.value(); }

 private:
  struct RequestStats {
    std::unique_ptr<Histogram> latency;
    Counter errors;
  };
  RequestStats req_[static_cast<size_t>(Protocol::kCount)][kMaxOps];
  Counter rejected_[static_cast<size_t>(Rejection::kCount)];
  // The four-letter words' window (loop thread).
  Counter window_count_;
  Counter window_sum_us_;
  Gauge window_min_us_;
  Gauge window_max_us_;
  Gauge window_base_count_;  // counts at the last reset
  Gauge window_base_sum_us_;

  Histogram fsync_us_;
  Histogram group_batches_;
  Histogram group_entries_;
  Counter group_bytes_;
  Histogram snapshot_us_;
  Gauge last_snapshot_bytes_;
  Counter snapshot_failures_;
  Counter snapshots_received_;
};

}  // namespace arbor::metrics
