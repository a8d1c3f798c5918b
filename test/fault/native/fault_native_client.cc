// arbor-fault-native: the fault suite's workloads through Arbor's native
// protocol and the C++ client library (client/). Run by test/fault's
// harness; every operation is appended, as it completes, to a per-worker
// history file (test/fault/checker/history.h, watch_check.h formats).
//
//   --mode=register: workers do plain reads, sync+reads, blind writes and CAS
//     on a few keys. Keys are renamed every --key_generation_s (r<slot>-g<N>,
//     created by the harness) so each key's history stays short enough for
//     the linearizability search.
//   --mode=watch: one writer changes each /fault/w<k>; watchers hold a
//     persistent watch on one key and read it; events, reads and session
//     state changes are recorded in the order the client delivered them.
//
// An operation that does not answer within --op_timeout_ms is recorded as
// unknown and its client replaced (its session may live on in the server).
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "client/client.h"
#include "test/fault/checker/history.h"
#include "test/fault/checker/watch_check.h"

DEFINE_string(servers, "", "connect string host:port,...");
DEFINE_string(mode, "register", "register | watch");
DEFINE_string(out_dir, ".", "history files go here");
DEFINE_string(name, "native", "prefix of worker names in the history");
DEFINE_int32(workers, 3, "concurrent clients (register) or watchers (watch)");
DEFINE_int32(duration_s, 30, "run this long, then close every client and exit");
DEFINE_uint64(seed, 1, "random seed");
DEFINE_int32(session_timeout_ms, 4000, "requested session timeout");
DEFINE_int32(op_timeout_ms, 8000, "an op unanswered this long is unknown and its client is replaced");
DEFINE_int32(slots, 3, "register keys per generation");
DEFINE_int32(key_generation_s, 30, "register keys are renamed this often");
DEFINE_int64(start_mono_ns, 0, "CLOCK_MONOTONIC of the run's start (generation 0); 0 = now");
DEFINE_int32(think_ms, 20, "pause between a worker's operations");
DEFINE_int32(watch_keys, 2, "keys the watch workload changes");
DEFINE_string(inject_bug, "",
              "self-test only: 'phantom_write' reports some writes as acknowledged without sending them");

namespace arbor::fault {
namespace {

using client::Client;
using client::OpResult;
using client::SessionState;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Definite answers from the server: the op did not take effect.
bool Definite(proto::ErrorCode c) {
  return c == proto::BADVERSION || c == proto::NONODE || c == proto::NODEEXISTS || c == proto::BADARGUMENTS;
}

std::unique_ptr<Client> Connect(uint64_t seed, client::SessionListener listener = nullptr) {
  client::ClientOptions o;
  o.connect_string = FLAGS_servers;
  o.session_timeout_ms = FLAGS_session_timeout_ms;
  o.shuffle_seed = seed;
  o.session_listener = std::move(listener);
  auto c = Client::Start(o);
  CHECK(c.ok()) << c.status().ToString();
  std::unique_ptr<Client> out = std::move(c).value();
  out->WaitConnected(FLAGS_op_timeout_ms);
  return out;
}

// Waits for an async op; nullopt when it did not answer in time.
template <typename T, typename StartFn>
std::optional<OpResult<T>> Await(StartFn start) {
  auto f = client::AsFuture<T>(start);
  if (f.wait_for(std::chrono::milliseconds(FLAGS_op_timeout_ms)) != std::future_status::ready) return std::nullopt;
  return f.get();
}

class RegisterWorker {
 public:
  RegisterWorker(int index, int64_t start_ns, int64_t end_ns)
      : index_(index), start_ns_(start_ns), end_ns_(end_ns), rng_(FLAGS_seed * 7919 + index),
        out_(FLAGS_out_dir + "/register-" + FLAGS_name + "-" + std::to_string(index) + ".tsv") {}

  void Run() {
    NewSession();
    while (NowNs() < end_ns_) {
      OneOp();
      std::this_thread::sleep_for(std::chrono::milliseconds(FLAGS_think_ms));
    }
    client_.reset();
  }

 private:
  void NewSession() {
    ++session_;
    client_.reset();  // an abandoned session is closed (or expires) on its own
    client_ = Connect(FLAGS_seed * 31 + index_ * 1000 + session_);
    name_ = FLAGS_name + "-" + std::to_string(index_) + "." + std::to_string(session_);
  }

  std::string PickKey() {
    const int64_t gen = (NowNs() - start_ns_) / (int64_t{FLAGS_key_generation_s} * 1'000'000'000);
    return "r" + std::to_string(rng_() % FLAGS_slots) + "-g" + std::to_string(gen);
  }

  void Record(RegisterOp op) {
    out_ << FormatRegisterOp(op) << "\n";
    out_.flush();
  }

  void OneOp() {
    RegisterOp op;
    op.client = name_;
    op.key = PickKey();
    const std::string path = "/fault/reg/" + op.key;
    const int dice = static_cast<int>(rng_() % 100);
    op.type = dice < 30 ? OpType::kRead : dice < 50 ? OpType::kSyncRead : dice < 75 ? OpType::kWrite : OpType::kCas;
    const bool write = op.type == OpType::kWrite || op.type == OpType::kCas;
    if (write) op.value = name_ + "-" + std::to_string(++seq_);
    if (op.type == OpType::kCas) op.version = last_version_[op.key];
    op.invoke_ns = NowNs();
    if (write && FLAGS_inject_bug == "phantom_write" && rng_() % 10 == 0) {
      // The bug the checker must catch: success reported for a write never sent.
      op.complete_ns = NowNs();
      op.outcome = Outcome::kOk;
      op.new_version = last_version_[op.key] + 1;
      last_version_[op.key] = op.new_version;
      Record(op);
      return;
    }
    std::optional<proto::ErrorCode> code;
    if (write) {
      auto r = Await<proto::Stat>([&](client::Callback<proto::Stat> cb) {
        client_->SetDataAsync(path, op.value, op.type == OpType::kCas ? op.version : -1, cb);
      });
      if (r) {
        code = r->code();
        if (r->ok()) op.new_version = last_version_[op.key] = r->value().version();
      }
    } else {
      bool synced = true;
      if (op.type == OpType::kSyncRead) {
        auto s = Await<std::string>([&](client::Callback<std::string> cb) { client_->SyncAsync(path, cb); });
        synced = s && s->ok();
        if (s && !s->ok()) code = s->code();
      }
      if (synced) {
        auto r = Await<proto::GetDataResponse>(
            [&](client::Callback<proto::GetDataResponse> cb) { client_->GetDataAsync(path, nullptr, cb); });
        if (r) {
          code = r->code();
          if (r->ok()) {
            op.value = r->value().data();
            op.version = last_version_[op.key] = r->value().stat().version();
          }
        }
      }
    }
    if (code && *code == proto::OK) {
      op.outcome = Outcome::kOk;
      op.complete_ns = NowNs();
    } else if (code && Definite(*code)) {
      op.outcome = Outcome::kFail;
      op.complete_ns = NowNs();
    } else {
      op.outcome = Outcome::kUnknown;
      op.complete_ns = kNever;
    }
    Record(op);
    // A session that expired, or an op that never answered, ends this client.
    if (!code || *code == proto::SESSIONEXPIRED || client_->state() == SessionState::kExpired) NewSession();
  }

  int index_;
  int64_t start_ns_, end_ns_;
  std::mt19937_64 rng_;
  std::ofstream out_;
  std::unique_ptr<Client> client_;
  std::string name_;
  int session_ = 0;
  uint64_t seq_ = 0;
  std::map<std::string, int32_t> last_version_;
};

// One watcher: persistent watch on one key; events, reads and state changes
// appended from the client's event thread, so the file is in delivery order.
class Watcher {
 public:
  Watcher(int index, int64_t end_ns)
      : index_(index), end_ns_(end_ns), path_("/fault/watch/w" + std::to_string(index % FLAGS_watch_keys)),
        out_(FLAGS_out_dir + "/watch-" + FLAGS_name + "-" + std::to_string(index) + ".tsv") {}

  void Run() {
    while (NowNs() < end_ns_) {
      ++session_;
      name_ = FLAGS_name + "-w" + std::to_string(index_) + "." + std::to_string(session_);
      Append(WatchRecord::Kind::kEpoch, 0, -1);
      auto c = Connect(FLAGS_seed * 131 + index_ * 1000 + session_, [this](SessionState, SessionState) {
        Append(WatchRecord::Kind::kEpoch, 0, -1);
      });
      auto added = Await<client::Done>([&](client::Callback<client::Done> cb) {
        c->AddWatchAsync(path_, proto::ADD_WATCH_PERSISTENT,
                         [this](const proto::WatchEvent& e) {
                           if (e.type() == proto::NODE_DATA_CHANGED) Append(WatchRecord::Kind::kEvent, e.zxid(), -1);
                         },
                         cb);
      });
      if (!added || !added->ok()) continue;  // try again with a new session
      while (NowNs() < end_ns_ && c->state() != SessionState::kExpired) {
        // Recorded in the callback, on the event thread, after any event
        // the server sent before this answer.
        auto r = Await<client::Done>([&](client::Callback<client::Done> done) {
          c->GetDataAsync(path_, nullptr, [this, done](OpResult<proto::GetDataResponse> g) {
            if (g.ok()) Append(WatchRecord::Kind::kRead, g->stat().mzxid(), g->stat().version());
            done(client::Done{});
          });
        });
        if (!r) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(FLAGS_think_ms));
      }
    }
  }

 private:
  void Append(WatchRecord::Kind kind, int64_t zxid, int32_t version) {
    std::lock_guard<std::mutex> l(mu_);
    out_ << FormatWatchRecord(WatchRecord{name_, kind, NowNs(), zxid, version}) << "\n";
    out_.flush();
  }

  int index_;
  int64_t end_ns_;
  std::string path_;
  std::mutex mu_;
  std::ofstream out_;
  std::string name_;
  int session_ = 0;
};

// Changes every watched key in turn; what it wrote is in the znodes' versions.
void WatchWriter(int64_t end_ns) {
  std::unique_ptr<Client> c = Connect(FLAGS_seed * 17);
  uint64_t n = 0;
  while (NowNs() < end_ns) {
    const std::string path = "/fault/watch/w" + std::to_string(n % FLAGS_watch_keys);
    auto r = Await<proto::Stat>(
        [&](client::Callback<proto::Stat> cb) { c->SetDataAsync(path, std::to_string(++n), -1, cb); });
    if (!r || r->code() == proto::SESSIONEXPIRED) c = Connect(FLAGS_seed * 17 + n);
    std::this_thread::sleep_for(std::chrono::milliseconds(FLAGS_think_ms));
  }
}

int Main() {
  const int64_t start = FLAGS_start_mono_ns > 0 ? FLAGS_start_mono_ns : NowNs();
  const int64_t end = NowNs() + int64_t{FLAGS_duration_s} * 1'000'000'000;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<RegisterWorker>> workers;
  std::vector<std::unique_ptr<Watcher>> watchers;
  if (FLAGS_mode == "register") {
    for (int i = 0; i < FLAGS_workers; ++i) workers.push_back(std::make_unique<RegisterWorker>(i, start, end));
    for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });
  } else if (FLAGS_mode == "watch") {
    for (int i = 0; i < FLAGS_workers; ++i) watchers.push_back(std::make_unique<Watcher>(i, end));
    for (auto& w : watchers) threads.emplace_back([&w] { w->Run(); });
    threads.emplace_back([end] { WatchWriter(end); });
  } else {
    LOG(ERROR) << "unknown --mode=" << FLAGS_mode;
    return 2;
  }
  for (auto& t : threads) t.join();
  LOG(INFO) << "done: mode " << FLAGS_mode;
  return 0;
}

}  // namespace
}  // namespace arbor::fault

int main(int argc, char** argv) {
  gflags::SetUsageMessage("fault-suite workloads through the native protocol");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  if (FLAGS_servers.empty()) {
    LOG(ERROR) << "--servers is required";
    return 2;
  }
  return arbor::fault::Main();
}
