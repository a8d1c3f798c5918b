// Prometheus text exposition (format 0.0.4) of ServerMetrics and of gauges
// the caller adds, rendered by prometheus-cpp's TextSerializer so names,
// label escaping, HELP/TYPE lines and histogram series follow the format
// (Debian's prometheus-cpp-dev; only its data model and serializer are
// used: the metrics themselves stay single-writer atomics, see
// server_metrics.h, because prometheus-cpp's Histogram takes a mutex per
// observation).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "server/metrics/server_metrics.h"

namespace arbor::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  void AddCounter(const std::string& name, const std::string& help, const Labels& labels, double value);
  void AddGauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  // `divisor` converts the histogram's integer unit to the exposed one (1e6:
  // microseconds to seconds, as Prometheus wants base units).
  void AddHistogram(const std::string& name, const std::string& help, const Labels& labels,
                    const Histogram& h, double divisor);
  std::string Render() const;

 private:
  prometheus::MetricFamily& Family(const std::string& name, const std::string& help, prometheus::MetricType type);
  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, size_t> index_;
};

// Every ServerMetrics series (arbor_requests_*, arbor_rejected_total,
// arbor_storage_*, arbor_snapshot_*). Requests of ops never seen are left out.
void AppendServerMetrics(const ServerMetrics& m, Exposition* out);

}  // namespace arbor::metrics
