// Latency histograms and process CPU accounting for arbor-bench.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace arbor::bench {

// Log-linear histogram of microseconds: exact below 256 µs, then 128 steps
// per power of two (under 0.8% error), up to ~2^63. Fixed size, no
// allocation after construction.
class Histogram {
 public:
  static constexpr int kBuckets = 256 + 56 * 128;
  Histogram() : counts_(kBuckets, 0) {}
  void Record(uint64_t us) {
    ++counts_[static_cast<size_t>(BucketOf(us))];
    ++total_;
  }
  void Merge(const Histogram& o);
  uint64_t total() const { return total_; }
  // The value at quantile q (0..1]; 0 when empty.
  uint64_t Percentile(double q) const;
  // (upper value, cumulative fraction) points for a CDF plot.
  std::vector<std::pair<uint64_t, double>> Cdf() const;

  static int BucketOf(uint64_t v) {
    if (v < 256) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    int b = 256 + (msb - 8) * 128 + static_cast<int>((v >> (msb - 7)) & 127);
    return b < kBuckets ? b : kBuckets - 1;
  }
  static uint64_t ValueOf(int b);

 private:
  std::vector<uint32_t> counts_;
  uint64_t total_ = 0;
};

struct OpStats {
  uint64_t ok = 0, miss = 0, err = 0;
  uint64_t sum_us = 0, max_us = 0;
  Histogram hist;
  uint64_t count() const { return ok + miss + err; }
  void Record(uint64_t us, int outcome) {  // 0 ok, 1 miss, 2 err
    if (outcome == 0) ++ok;
    else if (outcome == 1) ++miss;
    else ++err;
    sum_us += us;
    if (us > max_us) max_us = us;
    hist.Record(us);
  }
  void Merge(const OpStats& o);
};

// CPU time (user + system, seconds) of a process from /proc/<pid>/stat; -1
// if it cannot be read.
double ProcessCpuSeconds(pid_t pid);
// This process's CPU time (getrusage).
double SelfCpuSeconds();
// The machine's busy and total CPU seconds from /proc/stat (all cores).
bool MachineCpuSeconds(double* busy, double* total);
// RssAnon of a process in kB from /proc/<pid>/status; -1 if unknown.
long RssAnonKb(pid_t pid);

}  // namespace arbor::bench
