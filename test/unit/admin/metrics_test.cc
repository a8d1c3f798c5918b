#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "server/metrics/prometheus_text.h"
#include "server/metrics/server_metrics.h"
#include "test/unit/testing/prom_text_check.h"

namespace arbor::metrics {
namespace {

using testing::ParsePromText;

TEST(HistogramTest, BucketsAreCumulativeAndCountMatches) {
  Histogram h({10, 100, 1000});
  for (uint64_t v : {1, 10, 11, 100, 5000}) h.Observe(v);
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 4, 4, 5}));  // le is inclusive
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.sum, 1u + 10 + 11 + 100 + 5000);
}

TEST(ServerMetricsTest, RequestsCountPerProtocolAndOp) {
  ServerMetrics m;
  m.RequestDone(Protocol::kNative, proto::Request::kCreate, 2000, false);
  m.RequestDone(Protocol::kNative, proto::Request::kCreate, 4000, true);
  m.RequestDone(Protocol::kZooKeeper, proto::Request::kGetData, 30, false);
  EXPECT_EQ(m.latency(Protocol::kNative, proto::Request::kCreate).Read().count, 2u);
  EXPECT_EQ(m.errors(Protocol::kNative, proto::Request::kCreate), 1u);
  EXPECT_EQ(m.latency(Protocol::kZooKeeper, proto::Request::kCreate).Read().count, 0u);
  EXPECT_EQ(m.requests_total(), 3u);
  ServerMetrics::LatencyWindow w = m.latency_window();
  EXPECT_EQ(w.count, 3u);
  EXPECT_EQ(w.min_us, 30u);
  EXPECT_EQ(w.max_us, 4000u);
  EXPECT_EQ(w.sum_us, 6030u);
}

TEST(ServerMetricsTest, ResetStartsAFreshWindowButCountersKeepGoing) {
  ServerMetrics m;
  m.RequestDone(Protocol::kNative, proto::Request::kPing, 9000, false);
  m.ResetLatencyWindow();
  EXPECT_EQ(m.latency_window().count, 0u);
  EXPECT_EQ(m.latency_window().max_us, 0u);
  m.RequestDone(Protocol::kNative, proto::Request::kPing, 70, false);
  EXPECT_EQ(m.latency_window().min_us, 70u);  // not the 0 left by the reset
  EXPECT_EQ(m.latency_window().max_us, 70u);
  EXPECT_EQ(m.requests_total(), 2u);
}

TEST(ServerMetricsTest, ProtocolFollowsTheCodecName) {
  EXPECT_EQ(ProtocolOf("zookeeper"), Protocol::kZooKeeper);
  EXPECT_EQ(ProtocolOf("native"), Protocol::kNative);
  EXPECT_STREQ(RejectionName(Rejection::kDataTooLarge), "data_too_large");
}

TEST(ExpositionTest, EveryLineIsValidAndValuesRoundTrip) {
  ServerMetrics m;
  m.RequestDone(Protocol::kNative, proto::Request::kSetData, 1500, false);
  m.RequestDone(Protocol::kZooKeeper, proto::Request::kMulti, 20, true);
  m.Rejected(Rejection::kNotServing);
  m.GroupCommitted(800, 3, 7, 4096);
  m.SnapshotSaved(120000, 1 << 20, true);
  Exposition e;
  AppendServerMetrics(m, &e);
  e.AddGauge("arbor_raft_peer_lag_entries", "lag", {{"peer", "2"}}, 5);
  e.AddGauge("arbor_test_escapes", "escapes", {{"path", "a\"b\\c\nd"}}, 1);
  std::string text = e.Render();
  testing::PromParse p = ParsePromText(text);
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors) << "\n" << text;
  EXPECT_EQ(p.types["arbor_request_duration_seconds"], "histogram");
  EXPECT_EQ(p.Value("arbor_request_duration_seconds_count", {{"protocol", "native"}, {"op", "setData"}}), 1);
  EXPECT_DOUBLE_EQ(p.Value("arbor_request_duration_seconds_sum", {{"protocol", "native"}, {"op", "setData"}}),
                   0.0015);
  EXPECT_EQ(p.Value("arbor_request_duration_seconds_bucket",
                    {{"protocol", "native"}, {"op", "setData"}, {"le", "0.001"}}),
            0);
  EXPECT_EQ(p.Value("arbor_request_duration_seconds_bucket",
                    {{"protocol", "native"}, {"op", "setData"}, {"le", "0.0025"}}),
            1);
  EXPECT_EQ(p.Value("arbor_request_errors_total", {{"protocol", "zookeeper"}, {"op", "multi"}}), 1);
  EXPECT_EQ(p.Value("arbor_rejected_total", {{"reason", "not_serving"}}), 1);
  EXPECT_EQ(p.Value("arbor_storage_group_entries_sum"), 7);
  EXPECT_EQ(p.Value("arbor_snapshot_last_bytes"), 1 << 20);
  EXPECT_EQ(p.Value("arbor_test_escapes", {{"path", "a\"b\\c\nd"}}), 1);
  // Ops never seen are left out rather than exposed as zeros.
  EXPECT_TRUE(std::isnan(p.Value("arbor_request_duration_seconds_count", {{"op", "getACL"}})));
}

TEST(PromTextCheckTest, RejectsMalformedExposition) {
  // The reader the exposition tests rely on must itself catch errors.
  EXPECT_FALSE(ParsePromText("x_total 1\n").errors.empty());                              // no TYPE
  EXPECT_FALSE(ParsePromText("# TYPE x counter\nx{a=\"1} 1\n").errors.empty());            // unterminated
  EXPECT_FALSE(ParsePromText("# TYPE x counter\nx{1a=\"1\"} 1\n").errors.empty());         // label name
  EXPECT_FALSE(ParsePromText("# TYPE x gauge\nx one\n").errors.empty());                   // value
  EXPECT_FALSE(ParsePromText("# TYPE x gauge\nx 1").errors.empty());                       // final newline
  EXPECT_FALSE(ParsePromText("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                             "h_count 1\nh_sum 1\n").errors.empty());                     // not cumulative
  EXPECT_FALSE(ParsePromText("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 1\n")
                   .errors.empty());  // +Inf != count
  EXPECT_TRUE(ParsePromText("# HELP x a thing\n# TYPE x counter\nx{a=\"q\\\"\"} 1 1700000000\n").errors.empty());
}

TEST(ServerMetricsTest, ReadersOnAnotherThreadSeeConsistentHistograms) {
  ServerMetrics m;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200000; ++i) m.RequestDone(Protocol::kNative, proto::Request::kExists, i % 5000, false);
    stop = true;
  });
  while (!stop) {
    Histogram::Snapshot s = m.latency(Protocol::kNative, proto::Request::kExists).Read();
    ASSERT_EQ(s.count, s.cumulative.back());
    for (size_t i = 1; i < s.cumulative.size(); ++i) ASSERT_LE(s.cumulative[i - 1], s.cumulative[i]);
  }
  writer.join();
  EXPECT_EQ(m.requests_total(), 200000u);
}

}  // namespace
}  // namespace arbor::metrics
