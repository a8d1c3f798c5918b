#include "server/metrics/prometheus_text.h"

#include <prometheus/text_serializer.h>

#include <limits>

#include "common/ops.h"

namespace arbor::metrics {
namespace {

std::vector<prometheus::ClientMetric::Label> ToLabels(const Labels& labels) {
  std::vector<prometheus::ClientMetric::Label> out;
  for (const auto& [k, v] : labels) out.push_back({k, v});
  return out;
}

}  // namespace

prometheus::MetricFamily& Exposition::Family(const std::string& name, const std::string& help,
                                             prometheus::MetricType type) {
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second];
  index_[name] = families_.size();
  families_.push_back(prometheus::MetricFamily{name, help, type, {}});
  return families_.back();
}

void Exposition::AddCounter(const std::string& name, const std::string& help, const Labels& labels, double value) {
  prometheus::ClientMetric m;
  m.label = ToLabels(labels);
  m.counter.value = value;
  Family(name, help, prometheus::MetricType::Counter).metric.push_back(std::move(m));
}

void Exposition::AddGauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
  prometheus::ClientMetric m;
  m.label = ToLabels(labels);
  m.gauge.value = value;
  Family(name, help, prometheus::MetricType::Gauge).metric.push_back(std::move(m));
}

void Exposition::AddHistogram(const std::string& name, const std::string& help, const Labels& labels,
                              const Histogram& h, double divisor) {
  Histogram::Snapshot s = h.Read();
  prometheus::ClientMetric m;
  m.label = ToLabels(labels);
  m.histogram.sample_count = s.count;
  m.histogram.sample_sum = static_cast<double>(s.sum) / divisor;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    m.histogram.bucket.push_back({s.cumulative[i], static_cast<double>(h.bounds()[i]) / divisor});
  }
  m.histogram.bucket.push_back({s.count, std::numeric_limits<double>::infinity()});
  Family(name, help, prometheus::MetricType::Histogram).metric.push_back(std::move(m));
}

std::string Exposition::Render() const { return prometheus::TextSerializer().Serialize(families_); }

void AppendServerMetrics(const ServerMetrics& m, Exposition* out) {
  for (size_t p = 0; p < static_cast<size_t>(Protocol::kCount); ++p) {
    auto proto = static_cast<Protocol>(p);
    for (size_t op = 0; op < kMaxOps; ++op) {
      const Histogram& h = m.latency(proto, op);
      if (h.Read().count == 0) continue;
      Labels labels = {{"protocol", ProtocolName(proto)},
                       {"op", ops::TraitsOf(static_cast<proto::Request::OpCase>(op)).name}};
      out->AddHistogram("arbor_request_duration_seconds",
                        "Time from decoding a request to queueing its response, per protocol and operation", labels,
                        h, 1e6);
      out->AddCounter("arbor_request_errors_total", "Requests answered with an error code", labels,
                      static_cast<double>(m.errors(proto, op)));
    }
  }
  for (size_t r = 0; r < static_cast<size_t>(Rejection::kCount); ++r) {
    auto reason = static_cast<Rejection>(r);
    out->AddCounter("arbor_rejected_total", "Handshakes, requests and input turned away, per reason",
                    {{"reason", RejectionName(reason)}}, static_cast<double>(m.rejected(reason)));
  }
  out->AddHistogram("arbor_storage_fsync_duration_seconds",
                    "One group commit of the Raft log: LMDB transaction plus fsync", {}, m.fsync_latency(), 1e6);
  out->AddHistogram("arbor_storage_group_batches", "Write batches (Raft Readies) per group commit", {},
                    m.group_batches(), 1);
  out->AddHistogram("arbor_storage_group_entries", "Log entries per group commit", {}, m.group_entries(), 1);
  out->AddCounter("arbor_storage_written_bytes_total", "Log entry bytes written by group commits", {},
                  static_cast<double>(m.group_bytes()));
  out->AddHistogram("arbor_snapshot_duration_seconds", "Writing one snapshot file (serialize, fsync, rename)", {},
                    m.snapshot_duration(), 1e6);
  out->AddGauge("arbor_snapshot_last_bytes", "Size of the last snapshot written", {},
                static_cast<double>(m.last_snapshot_bytes()));
  out->AddCounter("arbor_snapshot_failures_total", "Snapshot saves that failed", {},
                  static_cast<double>(m.snapshot_failures()));
  out->AddCounter("arbor_snapshots_received_total", "Snapshots installed from the leader", {},
                  static_cast<double>(m.snapshots_received()));
}

}  // namespace arbor::metrics
