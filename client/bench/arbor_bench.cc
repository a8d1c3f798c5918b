// arbor-bench: closed-loop load generator on Arbor's native protocol.
//
//   arbor-bench -server 127.0.0.1:7181 -sessions 16 -depth 32 -mix set=1 -value_bytes 256
//               -keyspace 1000 -seconds 10
//
// Each session keeps `depth` requests in flight; every completion issues the
// next until the duration ends. Ops: get, set (on ROOT/k/<key>, created first),
// create (unique ROOT/u/<session>-<n>). Progress is printed every second;
// the result is one JSON line (ops/s and p50/p99/p999 latency in µs), the
// same shape as ../shared/zkref/zkload's, so runs can be compared side by side.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"

DEFINE_string(server, "127.0.0.1:7181", "connect string");
DEFINE_int32(sessions, 16, "client sessions (each its own connection)");
DEFINE_int32(depth, 32, "requests in flight per session");
DEFINE_string(mix, "set=1", "op=weight,... with ops get, set, create");
DEFINE_int32(value_bytes, 256, "payload of set and create");
DEFINE_int32(keyspace, 1000, "keys for get/set");
DEFINE_int32(seconds, 10, "duration");
DEFINE_string(root, "/arbor-bench", "znode under which the benchmark works");

namespace {

using arbor::client::Client;
using Clock = std::chrono::steady_clock;
namespace proto = arbor::proto;

enum Op { kGet, kSet, kCreate };

struct Stats {
  std::mutex mu;
  std::vector<uint32_t> latencies_us;  // bounded by run length; fine for a bench
  uint64_t errors = 0;
};

std::vector<std::pair<Op, int>> ParseMix(const std::string& mix) {
  std::vector<std::pair<Op, int>> out;
  std::stringstream ss(mix);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto eq = item.find('=');
    std::string name = item.substr(0, eq);
    int w = eq == std::string::npos ? 1 : std::stoi(item.substr(eq + 1));
    if (name == "get") out.emplace_back(kGet, w);
    else if (name == "set") out.emplace_back(kSet, w);
    else if (name == "create") out.emplace_back(kCreate, w);
    else LOG(FATAL) << "unknown op '" << name << "' in --mix (use get, set, create)";
  }
  return out;
}

class Session {
 public:
  Session(int idx, std::unique_ptr<Client> c, const std::vector<std::pair<Op, int>>* mix, Stats* stats,
          Clock::time_point end)
      : idx_(idx), c_(std::move(c)), mix_(mix), stats_(stats), end_(end), rng_(idx * 7919 + 1) {
    for (auto& [op, w] : *mix_) total_weight_ += w;
  }
  void Start() {
    for (int i = 0; i < FLAGS_depth; ++i) Issue();
  }
  bool Done() const { return in_flight_.load() == 0; }
  Client* client() { return c_.get(); }

 private:
  Op Pick() {
    int r = static_cast<int>(rng_() % static_cast<uint64_t>(total_weight_));
    for (auto& [op, w] : *mix_) {
      if (r < w) return op;
      r -= w;
    }
    return kSet;
  }
  void Issue() {
    if (Clock::now() >= end_) return;
    in_flight_.fetch_add(1);
    auto t0 = Clock::now();
    auto done = [this, t0](proto::ErrorCode code) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      {
        std::lock_guard<std::mutex> g(stats_->mu);
        if (code == proto::OK) stats_->latencies_us.push_back(static_cast<uint32_t>(us));
        else ++stats_->errors;
      }
      in_flight_.fetch_sub(1);
      Issue();
    };
    std::string key = FLAGS_root + "/k/" + std::to_string(rng_() % static_cast<uint64_t>(FLAGS_keyspace));
    switch (Pick()) {
      case kGet:
        c_->GetDataAsync(key, nullptr, [done](auto r) { done(r.code()); });
        break;
      case kSet:
        c_->SetDataAsync(key, value_, -1, [done](auto r) { done(r.code()); });
        break;
      case kCreate:
        c_->CreateAsync(FLAGS_root + "/u/" + std::to_string(idx_) + "-" + std::to_string(seq_++), value_,
                        proto::PERSISTENT, [done](auto r) { done(r.code()); });
        break;
    }
  }

  int idx_;
  std::unique_ptr<Client> c_;
  const std::vector<std::pair<Op, int>>* mix_;
  Stats* stats_;
  Clock::time_point end_;
  std::mt19937_64 rng_;
  int total_weight_ = 0;
  std::atomic<int> in_flight_{0};
  std::string value_ = std::string(static_cast<size_t>(FLAGS_value_bytes), 'v');
  uint64_t seq_ = 0;
};

std::unique_ptr<Client> Connect() {
  arbor::client::ClientOptions o;
  o.connect_string = FLAGS_server;
  o.session_timeout_ms = 30000;
  auto c = Client::Start(o);
  if (!c.ok() || !(*c)->WaitConnected(10000)) {
    std::fprintf(stderr, "arbor-bench: cannot connect to %s (is arbord running?)\n", FLAGS_server.c_str());
    std::exit(3);
  }
  return std::move(c).value();
}

void Populate(Client* c) {
  for (const char* sub : {"", "/k", "/u"}) (void)c->Create(FLAGS_root + sub, "", proto::PERSISTENT);
  std::string value(static_cast<size_t>(FLAGS_value_bytes), 'v');
  std::atomic<int> pending{0};
  for (int i = 0; i < FLAGS_keyspace; ++i) {
    pending.fetch_add(1);
    c->CreateAsync(FLAGS_root + "/k/" + std::to_string(i), value, proto::PERSISTENT,
                   [&pending](auto) { pending.fetch_sub(1); });
  }
  while (pending.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("arbor-bench -server HOST:PORT -sessions N -depth D -mix set=1,get=4 -seconds T");
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  auto mix = ParseMix(FLAGS_mix);
  auto setup = Connect();
  Populate(setup.get());

  Stats stats;
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(FLAGS_seconds);
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < FLAGS_sessions; ++i) {
    sessions.push_back(std::make_unique<Session>(i, Connect(), &mix, &stats, end));
  }
  for (auto& s : sessions) s->Start();
  size_t last = 0;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    size_t n;
    {
      std::lock_guard<std::mutex> g(stats.mu);
      n = stats.latencies_us.size();
    }
    std::fprintf(stderr, "arbor-bench: %zu ops/s\n", n - last);
    last = n;
  }
  for (auto& s : sessions) {
    while (!s->Done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  auto& l = stats.latencies_us;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) { return l.empty() ? 0u : l[std::min(l.size() - 1, static_cast<size_t>(p * l.size()))]; };
  std::printf("{\"server\":\"%s\",\"mix\":\"%s\",\"sessions\":%d,\"depth\":%d,\"value_bytes\":%d,"
              "\"ops\":%zu,\"errors\":%llu,\"seconds\":%.2f,\"ops_per_sec\":%.0f,\"p50_us\":%u,\"p99_us\":%u,"
              "\"p999_us\":%u}\n",
              FLAGS_server.c_str(), FLAGS_mix.c_str(), FLAGS_sessions, FLAGS_depth, FLAGS_value_bytes, l.size(),
              static_cast<unsigned long long>(stats.errors), secs, static_cast<double>(l.size()) / secs, pct(0.5),
              pct(0.99), pct(0.999));
  for (auto& s : sessions) (void)s->client()->Close();
  (void)setup->Close();
  return 0;
}
