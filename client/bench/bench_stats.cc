#include "client/bench/bench_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace arbor::bench {

uint64_t Histogram::ValueOf(int b) {
  if (b < 256) return static_cast<uint64_t>(b);
  int msb = (b - 256) / 128 + 8, sub = (b - 256) % 128;
  // The middle of the bucket.
  return (static_cast<uint64_t>(128 + sub) << (msb - 7)) + ((uint64_t{1} << (msb - 7)) >> 1);
}

void Histogram::Merge(const Histogram& o) {
  for (int i = 0; i < kBuckets; ++i) counts_[static_cast<size_t>(i)] += o.counts_[static_cast<size_t>(i)];
  total_ += o.total_;
}

uint64_t Histogram::Percentile(double q) const {
  if (total_ == 0) return 0;
  uint64_t target = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.5);
  if (target < 1) target = 1;
  uint64_t acc = 0;
  for (int b = 0; b < kBuckets; ++b) {
    acc += counts_[static_cast<size_t>(b)];
    if (acc >= target) return ValueOf(b);
  }
  return ValueOf(kBuckets - 1);
}

std::vector<std::pair<uint64_t, double>> Histogram::Cdf() const {
  std::vector<std::pair<uint64_t, double>> out;
  if (total_ == 0) return out;
  uint64_t acc = 0;
  for (int b = 0; b < kBuckets; ++b) {
    uint32_t c = counts_[static_cast<size_t>(b)];
    if (c == 0) continue;
    acc += c;
    out.emplace_back(ValueOf(b), static_cast<double>(acc) / static_cast<double>(total_));
  }
  return out;
}

void OpStats::Merge(const OpStats& o) {
  ok += o.ok;
  miss += o.miss;
  err += o.err;
  sum_us += o.sum_us;
  if (o.max_us > max_us) max_us = o.max_us;
  hist.Merge(o.hist);
}

double ProcessCpuSeconds(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // The command name is in parentheses and may hold spaces: fields after
  // the last ')' are space-separated; utime and stime are fields 14 and 15.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  int field = 2;
  for (const char* q = p + 1; *q != '\0' && field < 15; ++q) {
    if (*q != ' ') continue;
    ++field;
    if (field == 14) utime = std::strtoull(q + 1, nullptr, 10);
    if (field == 15) stime = std::strtoull(q + 1, nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

bool MachineCpuSeconds(double* busy, double* total) {
  FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return false;
  unsigned long long v[10] = {0};
  int got = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                        &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
  std::fclose(f);
  if (got < 8) return false;
  // user nice system idle iowait irq softirq steal (guest time is in user).
  unsigned long long idle = v[3] + v[4];
  unsigned long long all = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
  double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  *busy = static_cast<double>(all - idle) / hz;
  *total = static_cast<double>(all) / hz;
  return true;
}

long RssAnonKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::strtol(line.c_str() + 8, nullptr, 10);
  }
  return -1;
}

}  // namespace arbor::bench
