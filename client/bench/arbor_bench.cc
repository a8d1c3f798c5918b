// arbor-bench: closed-loop load generator for Apache ZooKeeper and Arbor,
// on ZooKeeper's wire protocol (-protocol=zk, served by ZooKeeper and by
// arbord's --zk_port) or Arbor's native one (-protocol=native).
//
//   arbor-bench -server 127.0.0.1:2191,127.0.0.1:2201,127.0.0.1:2211 -protocol zk
//               -threads 2 -sessions 16 -depth 32 -mix set=1 -value_bytes 256
//               -keyspace 10000 -warmup_seconds 2 -seconds 10 -server_pids 101,102,103
//
// Sessions are spread over the servers (session i on server i mod n) and over
// -threads worker threads, each an epoll loop (bench_engine.h). Each session
// keeps -depth requests in flight. Ops (-mix op=weight,...):
//   get, set, exists   ROOT/k/<key>, keys 0..keyspace-1 (created first)
//   create, delete     ROOT/d/<key> (NODEEXISTS / NONODE count as "miss");
//                      with -unique_creates, create makes ROOT/u/<unique name>
//                      (-path_bytes pads it to that many bytes)
//   children           getChildren ROOT/c (-children_fanout children)
//   multi              multi{setData ROOT/k/<a>, setData ROOT/k/<b>}
//   lock               create EPHEMERAL_SEQUENTIAL ROOT/l/lock- then delete it
//                      (latency covers both, as zkload's lock)
//   watch              getData ROOT/w/<slot> with a watch, then setData on it;
//                      done when both the answer and the event arrived
// Results: a table and one JSON line (ops/s and p50/p99/p99.9/max µs per op,
// like ../shared/zkref/zkload), with -server_pids the servers' CPU time per
// operation (user+system from /proc over the measured window, divided by the
// operations completed in it), the bench's own CPU share and how busy the
// whole machine was. Warm-up completions are not counted.
#include <arpa/inet.h>
#include <gflags/gflags.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/bench/bench_engine.h"
#include "client/bench/bench_stats.h"
#include "client/bench/bench_wire.h"
#include "client/bench/setup_client.h"
#include "common/frame.h"
#include "common/zk_wire/opcodes.h"

DEFINE_string(server, "127.0.0.1:2181", "servers, host:port,... (sessions are spread over them)");
DEFINE_string(protocol, "zk", "zk (ZooKeeper's wire protocol) or native (Arbor's)");
DEFINE_int32(threads, 2, "worker threads (each an epoll loop over its share of the sessions)");
DEFINE_int32(sessions, 16, "load sessions (one connection each)");
DEFINE_int32(depth, 32, "requests in flight per load session");
DEFINE_string(mix, "set=1",
              "op=weight,... ops: create set get exists children delete multi lock watch");
DEFINE_int32(value_bytes, 256, "data of set, create and multi's setData");
DEFINE_int32(keyspace, 10000, "keys for get/set/exists/multi (created first) and create/delete");
DEFINE_double(warmup_seconds, 2, "load before measuring (not counted)");
DEFINE_double(seconds, 10, "measured duration (with -max_ops: the longest it may take)");
DEFINE_int64(max_ops, 0, "stop after issuing this many ops (no warm-up then); 0 = by time");
DEFINE_bool(unique_creates, false, "create makes a new node every time (ROOT/u/...), never a miss");
DEFINE_int32(path_bytes, 0, "pad unique create paths to this length (S1: 64)");
DEFINE_int32(children_fanout, 10, "children of ROOT/c for the children op");
DEFINE_string(root, "/arbor-bench", "znode under which the benchmark works");
DEFINE_bool(populate, true, "create the keys first when the mix reads or sets them");
DEFINE_int32(session_timeout_ms, 30000, "session timeout asked for");
DEFINE_int32(idle_sessions, 0, "extra sessions that only keep themselves alive (pings), on -idle_server");
DEFINE_int32(idle_server, 0, "index in -server of the server the idle sessions connect to");
DEFINE_string(server_pids, "", "pids of the server processes: their CPU time per op is reported");
DEFINE_bool(verify, false, "decode every reply fully and check it (allocates; for smoke tests)");
DEFINE_bool(json_only, false, "print only the JSON line");
DEFINE_bool(quiet, false, "no per-second progress on stderr");
DEFINE_string(label, "", "label copied into the JSON line");
DEFINE_string(cdf_out, "", "write latency CDF points (op value_us fraction) to this file");
DEFINE_string(timeline_out, "", "write per-100ms completions and max latency to this file");
DEFINE_string(ready_file, "", "created once every session is open (before the warm-up), for scripts");
DEFINE_int32(connect_timeout_s, 120, "longest wait for every session to open");
DEFINE_double(probe_serving_s, 0,
              "probe mode: try every server (handshake + exists /) until each answers or this many seconds "
              "pass; prints when the first and the last began serving (restart time), and runs no load");

namespace {

using namespace arbor::bench;  // NOLINT
namespace proto = arbor::proto;
namespace op = arbor::zk_wire::op;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "arbor-bench: %s\n", why.c_str());
  std::exit(2);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<sockaddr_in> Resolve(const std::string& list) {
  std::vector<sockaddr_in> out;
  for (const std::string& hp : Split(list, ',')) {
    size_t colon = hp.rfind(':');
    if (colon == std::string::npos) Die("bad server '" + hp + "' (want host:port)");
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(hp.substr(0, colon).c_str(), hp.substr(colon + 1).c_str(), &hints, &res) != 0 || !res) {
      Die("cannot resolve " + hp);
    }
    sockaddr_in a;
    std::memcpy(&a, res->ai_addr, sizeof a);
    freeaddrinfo(res);
    out.push_back(a);
  }
  if (out.empty()) Die("-server names no server");
  return out;
}

std::string Digits(int width, uint64_t v) {
  std::string s(static_cast<size_t>(width), '0');
  PutDigits(s.data(), width, v);
  return s;
}

// ---- templates ---------------------------------------------------------------

Templates MakeTemplates(const Wire& wire, const Config& cfg, const std::string& value) {
  const std::string& root = FLAGS_root;
  Templates t;
  auto make = [&](const proto::Request& r, int32_t zk_op, std::vector<Wire::Placeholder> ph) {
    auto tpl = wire.MakeTemplate(r, zk_op, ph);
    if (!tpl.ok()) Die("template: " + tpl.status().ToString());
    t.max_frame = std::max(t.max_frame, tpl->size());
    return std::move(tpl).value();
  };
  std::string key0 = Digits(cfg.key_width, 0);
  std::string kpath = root + "/k/" + key0, dpath = root + "/d/" + key0;
  {
    t.op[kCreate] = make(CreateReq(dpath, value, proto::PERSISTENT), op::kCreate, {{dpath, cfg.key_width}});
    // ROOT/u/<pad>s<gid:9>n<seq:10>
    std::string tail = "s" + Digits(9, 0) + "n" + Digits(10, 0);
    std::string upath = root + "/u/" + tail;
    if (FLAGS_path_bytes > static_cast<int>(upath.size())) {
      upath = root + "/u/" + std::string(static_cast<size_t>(FLAGS_path_bytes) - upath.size(), 'x') + tail;
    }
    std::string gid_path = upath.substr(0, upath.size() - 11);  // ends with the 9 gid digits
    t.create_unique = make(CreateReq(upath, value, proto::PERSISTENT), op::kCreate,
                           {{gid_path, 9}, {upath.substr(gid_path.size()), 10}});
  }
  {
    proto::Request r;
    auto* s = r.mutable_set_data();
    s->set_path(kpath);
    s->set_data(value);
    s->set_version(-1);
    t.op[kSet] = make(r, op::kSetData, {{kpath, cfg.key_width}});
  }
  {
    proto::Request r;
    r.mutable_get_data()->set_path(kpath);
    t.op[kGet] = make(r, op::kGetData, {{kpath, cfg.key_width}});
  }
  {
    proto::Request r;
    r.mutable_exists()->set_path(kpath);
    t.op[kExists] = make(r, op::kExists, {{kpath, cfg.key_width}});
  }
  {
    proto::Request r;
    r.mutable_get_children()->set_path(root + "/c");
    t.op[kChildren] = make(r, op::kGetChildren, {});
  }
  {
    proto::Request r;
    r.mutable_delete_()->set_path(dpath);
    r.mutable_delete_()->set_version(-1);
    t.op[kDelete] = make(r, op::kDelete, {{dpath, cfg.key_width}});
  }
  {
    proto::Request r;
    for (int i = 0; i < 2; ++i) {
      auto* s = r.mutable_multi()->add_ops()->mutable_set_data();
      s->set_path(kpath);
      s->set_data(value);
      s->set_version(-1);
    }
    t.op[kMulti] = make(r, op::kMulti, {{kpath, cfg.key_width}, {kpath, cfg.key_width}});
  }
  {
    t.op[kLock] = make(CreateReq(root + "/l/lock-", "", proto::EPHEMERAL_SEQUENTIAL), op::kCreate, {});
    proto::Request r;
    std::string lp = root + "/l/lock-" + Digits(10, 0);
    r.mutable_delete_()->set_path(lp);
    r.mutable_delete_()->set_version(-1);
    t.lock_delete = make(r, op::kDelete, {{lp, 10}});
  }
  {
    std::string wp = root + "/w/" + Digits(9, 0);
    proto::Request r;
    r.mutable_get_data()->set_path(wp);
    r.mutable_get_data()->set_watch(true);
    t.op[kWatch] = make(r, op::kGetData, {{wp, 9}});
    proto::Request s;
    s.mutable_set_data()->set_path(wp);
    s.mutable_set_data()->set_data(value);
    s.mutable_set_data()->set_version(-1);
    t.watch_set = make(s, op::kSetData, {{wp, 9}});
  }
  t.ping = wire.MakePing();
  t.close = wire.MakeClose();
  return t;
}

// One attempt: handshake and exists("/") on `addr` within ~1 s.
bool ProbeOnce(const Wire& wire, const sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  bool ok = false;
  std::string buf;
  auto read_frame = [&](std::string* out) {
    while (true) {
      if (buf.size() >= 4) {
        uint32_t len = arbor::ReadBigEndian32(buf.data());
        if (buf.size() >= 4 + len) {
          *out = buf.substr(4, len);
          buf.erase(0, 4 + len);
          return true;
        }
      }
      char tmp[4096];
      ssize_t n = recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
  };
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    std::string hello = wire.EncodeConnect(10000), payload;
    int64_t sid;
    int32_t timeout;
    if (send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(hello.size()) &&
        read_frame(&payload) && wire.DecodeConnect(payload, &sid, &timeout)) {
      proto::Request r;
      r.set_xid(1);
      r.mutable_exists()->set_path("/");
      auto t = wire.MakeTemplate(r, op::kExists, {});
      Reply rep;
      std::string scratch;
      if (t.ok() && send(fd, t->frame.data(), t->size(), MSG_NOSIGNAL) == static_cast<ssize_t>(t->size())) {
        while (read_frame(&payload) && wire.Parse(payload, false, &rep, &scratch)) {
          if (rep.kind == Reply::Kind::kResponse) {
            ok = rep.err == kOk;
            break;
          }
        }
      }
      if (ok) {
        auto c = wire.MakeClose();
        (void)send(fd, c.frame.data(), c.size(), MSG_NOSIGNAL);
      }
    }
  }
  close(fd);
  return ok;
}

int Probe(const Wire& wire, const std::vector<sockaddr_in>& servers) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<double> at(servers.size(), -1);
  size_t done = 0;
  while (done < servers.size()) {
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (el > FLAGS_probe_serving_s) break;
    for (size_t i = 0; i < servers.size(); ++i) {
      if (at[i] >= 0) continue;
      if (ProbeOnce(wire, servers[i])) {
        at[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ++done;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double first = -1, last = -1;
  for (double a : at) {
    if (a < 0) continue;
    if (first < 0 || a < first) first = a;
    if (a > last) last = a;
  }
  std::printf("{\"tool\":\"arbor-bench\",\"label\":\"%s\",\"probe\":\"%s\",\"servers\":%zu,\"serving\":%zu,"
              "\"first_serving_s\":%.3f,\"all_serving_s\":%.3f}\n",
              FLAGS_label.c_str(), FLAGS_server.c_str(), servers.size(), done, first, done == servers.size() ? last : -1.0);
  return done == servers.size() ? 0 : 1;
}

struct Sample {
  double wall = 0;
  std::vector<double> server_cpu;
  double self_cpu = 0;
  double machine_busy = 0, machine_total = 0;
  uint64_t allocs = 0;
};

}  // namespace

namespace arbor::bench {
extern std::atomic<uint64_t> g_allocations;
}

namespace {

Sample TakeSample(const std::vector<pid_t>& pids) {
  Sample s;
  s.wall = static_cast<double>(NowNs()) / 1e9;
  for (pid_t p : pids) s.server_cpu.push_back(ProcessCpuSeconds(p));
  s.self_cpu = SelfCpuSeconds();
  MachineCpuSeconds(&s.machine_busy, &s.machine_total);
  s.allocs = g_allocations.load();
  return s;
}

void RaiseFdLimit(int want) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < static_cast<rlim_t>(want)) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(want));
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "arbor-bench -server HOST:PORT,... -protocol zk|native -threads 2 -sessions 16 -depth 32 "
      "-mix set=1,get=4 -seconds 10 [-server_pids P,...]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);

  Config cfg;
  if (FLAGS_protocol == "zk" || FLAGS_protocol == "zookeeper") {
    cfg.protocol = Protocol::kZooKeeper;
  } else if (FLAGS_protocol == "native") {
    cfg.protocol = Protocol::kNative;
  } else {
    Die("-protocol must be zk or native");
  }
  Wire wire(cfg.protocol);
  cfg.servers = Resolve(FLAGS_server);
  if (FLAGS_probe_serving_s > 0) return Probe(wire, cfg.servers);
  cfg.threads = std::max(1, FLAGS_threads);
  cfg.sessions = FLAGS_sessions;
  cfg.depth = std::max(1, FLAGS_depth);
  if (cfg.depth > 60000) Die("-depth too large");
  cfg.keyspace = std::max(1, FLAGS_keyspace);
  cfg.key_width = static_cast<int>(std::to_string(cfg.keyspace - 1).size());
  cfg.unique_creates = FLAGS_unique_creates;
  cfg.max_ops = FLAGS_max_ops;
  cfg.session_timeout_ms = FLAGS_session_timeout_ms;
  cfg.idle_sessions = FLAGS_idle_sessions;
  cfg.idle_server = FLAGS_idle_server;
  if (cfg.idle_server < 0 || cfg.idle_server >= static_cast<int>(cfg.servers.size())) Die("bad -idle_server");
  cfg.verify = FLAGS_verify;
  cfg.expected_value_bytes = FLAGS_value_bytes;
  for (const std::string& item : Split(FLAGS_mix, ',')) {
    size_t eq = item.find('=');
    std::string name = item.substr(0, eq);
    int w = eq == std::string::npos ? 1 : std::atoi(item.c_str() + eq + 1);
    int found = -1;
    for (int i = 0; i < kNumOps; ++i) {
      if (name == kOpNames[i]) found = i;
    }
    if (found < 0) Die("unknown op '" + name + "' in -mix");
    cfg.weights[found] += w;
    cfg.weight_sum += w;
  }
  if (cfg.weight_sum <= 0 && cfg.sessions > 0) Die("-mix has no weight");
  if (static_cast<int64_t>(cfg.sessions) * cfg.depth > 999999999) Die("too many slots");
  double warmup = cfg.max_ops > 0 ? 0 : FLAGS_warmup_seconds;
  cfg.timeline_buckets = static_cast<int>((FLAGS_seconds + 60) * 1000 / cfg.timeline_bucket_ms);
  std::vector<pid_t> pids;
  for (const std::string& p : Split(FLAGS_server_pids, ',')) pids.push_back(static_cast<pid_t>(std::atoi(p.c_str())));
  RaiseFdLimit(cfg.sessions + cfg.idle_sessions + 256);

  std::string value(static_cast<size_t>(std::max(0, FLAGS_value_bytes)), 'v');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);
  Templates templates = MakeTemplates(wire, cfg, value);

  // ---- setup: the tree the load works on
  if (cfg.sessions > 0) {
    SetupClient sc(wire, cfg.servers[0]);
    std::vector<std::string> dirs{FLAGS_root};
    for (const char* sub : {"k", "d", "u", "l", "w", "c"}) dirs.push_back(FLAGS_root + "/" + sub);
    for (const std::string& d : dirs) {
      int32_t err = sc.Call(CreateReq(d, "", proto::PERSISTENT), op::kCreate);
      if (err != kOk && err != kNodeExists) Die("cannot create " + d + " (error " + std::to_string(err) + ")");
    }
    std::vector<std::string> paths;
    bool keys = cfg.weights[kGet] || cfg.weights[kSet] || cfg.weights[kExists] || cfg.weights[kMulti];
    if (keys && FLAGS_populate) {
      for (int i = 0; i < cfg.keyspace; ++i) paths.push_back(FLAGS_root + "/k/" + Digits(cfg.key_width, static_cast<uint64_t>(i)));
    }
    if (cfg.weights[kWatch]) {
      for (int i = 0; i < cfg.sessions * cfg.depth; ++i) paths.push_back(FLAGS_root + "/w/" + Digits(9, static_cast<uint64_t>(i)));
    }
    if (cfg.weights[kChildren]) {
      for (int i = 0; i < FLAGS_children_fanout; ++i) paths.push_back(FLAGS_root + "/c/child-" + std::to_string(i));
    }
    auto t0 = std::chrono::steady_clock::now();
    CreateMany(&sc, paths, value);
    if (!FLAGS_quiet && !paths.empty()) {
      std::fprintf(stderr, "arbor-bench: populated %zu znodes in %.1f s\n", paths.size(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }

  // ---- sessions
  Engine engine(cfg, templates, wire);
  engine.Start();
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(FLAGS_connect_timeout_s);
    int want = cfg.sessions + cfg.idle_sessions;
    while (engine.load_ready() + engine.idle_ready() + engine.failed() < want) {
      if (std::chrono::steady_clock::now() > deadline) Die("sessions did not open in time");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (engine.failed() > 0) {
      Die(std::to_string(engine.failed()) + " of " + std::to_string(want) + " sessions could not be opened");
    }
  }
  std::vector<long> rss_before;
  for (pid_t p : pids) rss_before.push_back(RssAnonKb(p));
  if (!FLAGS_ready_file.empty()) std::ofstream(FLAGS_ready_file) << "ready\n";

  // ---- warm-up, then the measured window
  if (warmup > 0) {
    engine.SetPhase(Phase::kWarm);
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  }
  Sample a = TakeSample(pids);
  int64_t start_ns = NowNs();
  engine.BeginMeasure(start_ns);
  engine.SetPhase(Phase::kMeasure);
  int64_t last_done = engine.completed();
  int64_t next_tick = start_ns + 1000000000;
  while (true) {
    int64_t now = NowNs();
    double elapsed = static_cast<double>(now - start_ns) / 1e9;
    if (elapsed >= FLAGS_seconds) break;
    if (cfg.max_ops > 0 && engine.issued_.load() >= cfg.max_ops && engine.outstanding() == 0) break;
    if (cfg.sessions > 0 && engine.load_ready() == 0) break;  // every load session lost
    if (now >= next_tick) {
      next_tick += 1000000000;
      int64_t done = engine.completed();
      if (!FLAGS_quiet) {
        std::fprintf(stderr, "arbor-bench: %4.0fs %8lld ops/s, %lld in flight%s\n", elapsed,
                     static_cast<long long>(done - last_done), static_cast<long long>(engine.outstanding()),
                     cfg.idle_sessions > 0 ? (", idle sessions alive " + std::to_string(engine.idle_ready())).c_str()
                                           : "");
      }
      last_done = done;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int64_t end_ns = NowNs();
  engine.EndMeasure(end_ns);
  Sample b = TakeSample(pids);
  std::vector<long> rss_after;
  for (pid_t p : pids) rss_after.push_back(RssAnonKb(p));

  // ---- drain and close
  engine.SetPhase(Phase::kDrain);
  for (int i = 0; i < 3000 && engine.outstanding() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int lost = engine.lost(), idle_lost = engine.idle_lost();
  int idle_alive = engine.idle_ready();
  engine.SetPhase(Phase::kClose);
  for (int i = 0; i < 2000 && engine.open_connections() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  engine.SetPhase(Phase::kExit);
  engine.Join();

  // ---- results
  WorkerResult res = engine.Merge();
  double secs = static_cast<double>(end_ns - start_ns) / 1e9;
  OpStats all;
  for (int i = 0; i < kNumOps; ++i) all.Merge(res.ops[i]);
  uint64_t total = all.count();
  double server_cpu = 0;
  std::vector<double> per_server;
  for (size_t i = 0; i < pids.size(); ++i) {
    double d = (a.server_cpu[i] < 0 || b.server_cpu[i] < 0) ? 0 : b.server_cpu[i] - a.server_cpu[i];
    per_server.push_back(d);
    server_cpu += d;
  }
  double self_cpu = b.self_cpu - a.self_cpu;
  double machine_busy = b.machine_busy - a.machine_busy, machine_total = b.machine_total - a.machine_total;
  int ncpu = static_cast<int>(std::thread::hardware_concurrency());
  uint64_t allocs = b.allocs - a.allocs;

  if (!FLAGS_json_only) {
    std::printf("%-9s %10s %10s %9s %8s %8s %9s %9s %8s %6s\n", "op", "count", "ops/s", "mean_us", "p50_us", "p99_us",
                "p99.9_us", "max_us", "miss", "err");
    auto row = [&](const char* name, const OpStats& s) {
      std::printf("%-9s %10llu %10.0f %9.0f %8llu %8llu %9llu %9llu %8llu %6llu\n", name,
                  static_cast<unsigned long long>(s.count()), static_cast<double>(s.count()) / secs,
                  s.count() ? static_cast<double>(s.sum_us) / static_cast<double>(s.count()) : 0.0,
                  static_cast<unsigned long long>(s.hist.Percentile(0.5)),
                  static_cast<unsigned long long>(s.hist.Percentile(0.99)),
                  static_cast<unsigned long long>(s.hist.Percentile(0.999)),
                  static_cast<unsigned long long>(s.max_us), static_cast<unsigned long long>(s.miss),
                  static_cast<unsigned long long>(s.err));
    };
    for (int i = 0; i < kNumOps; ++i) {
      if (res.ops[i].count() > 0) row(kOpNames[i], res.ops[i]);
    }
    row("all", all);
    std::printf("%s protocol, %d threads, %d sessions x %d, %.2f s measured", wire.name(), cfg.threads, cfg.sessions,
                cfg.depth, secs);
    if (!pids.empty() && total > 0) {
      std::printf(", servers' CPU %.2f s = %.1f us/op", server_cpu, server_cpu * 1e6 / static_cast<double>(total));
    }
    std::printf(", bench CPU %.2f s (%.0f%% of %d cores), machine busy %.0f%%\n", self_cpu,
                100.0 * self_cpu / (secs * ncpu), ncpu, machine_total > 0 ? 100.0 * machine_busy / machine_total : 0.0);
  }

  std::ostringstream j;
  j.setf(std::ios::fixed);
  j.precision(1);
  j << "{\"tool\":\"arbor-bench\",\"label\":\"" << FLAGS_label << "\",\"protocol\":\"" << wire.name()
    << "\",\"server\":\"" << FLAGS_server << "\",\"threads\":" << cfg.threads << ",\"sessions\":" << cfg.sessions
    << ",\"depth\":" << cfg.depth << ",\"mix\":\"" << FLAGS_mix << "\",\"value_bytes\":" << FLAGS_value_bytes
    << ",\"keyspace\":" << cfg.keyspace << ",\"unique_creates\":" << (cfg.unique_creates ? 1 : 0)
    << ",\"max_ops\":" << cfg.max_ops << ",\"warmup_s\":" << warmup << ",\"seconds\":" << secs;
  j << ",\"ops\":{";
  bool first = true;
  auto opjson = [&](const char* name, const OpStats& s) {
    j << (first ? "" : ",") << "\"" << name << "\":{\"count\":" << s.count() << ",\"ok\":" << s.ok
      << ",\"miss\":" << s.miss << ",\"err\":" << s.err << ",\"ops_per_s\":" << static_cast<double>(s.count()) / secs
      << ",\"mean_us\":" << (s.count() ? static_cast<double>(s.sum_us) / static_cast<double>(s.count()) : 0.0)
      << ",\"p50_us\":" << s.hist.Percentile(0.5) << ",\"p99_us\":" << s.hist.Percentile(0.99)
      << ",\"p999_us\":" << s.hist.Percentile(0.999) << ",\"max_us\":" << s.max_us << "}";
    first = false;
  };
  for (int i = 0; i < kNumOps; ++i) {
    if (res.ops[i].count() > 0) opjson(kOpNames[i], res.ops[i]);
  }
  j << "},\"total_ops\":" << total << ",\"ops_per_sec\":" << static_cast<double>(total) / secs
    << ",\"p50_us\":" << all.hist.Percentile(0.5) << ",\"p99_us\":" << all.hist.Percentile(0.99)
    << ",\"p999_us\":" << all.hist.Percentile(0.999) << ",\"max_us\":" << all.max_us
    << ",\"errors\":" << all.err << ",\"misses\":" << all.miss;
  j.precision(3);
  j << ",\"server_cpu_s\":" << server_cpu << ",\"server_cpu_us_per_op\":"
    << (total > 0 && !pids.empty() ? server_cpu * 1e6 / static_cast<double>(total) : 0.0) << ",\"server_cpu_s_each\":[";
  for (size_t i = 0; i < per_server.size(); ++i) j << (i ? "," : "") << per_server[i];
  j << "],\"server_rss_anon_kb_before\":[";
  for (size_t i = 0; i < rss_before.size(); ++i) j << (i ? "," : "") << rss_before[i];
  j << "],\"server_rss_anon_kb_after\":[";
  for (size_t i = 0; i < rss_after.size(); ++i) j << (i ? "," : "") << rss_after[i];
  j << "],\"bench_cpu_s\":" << self_cpu << ",\"bench_cpu_share\":" << self_cpu / (secs * ncpu)
    << ",\"machine_busy_share\":" << (machine_total > 0 ? machine_busy / machine_total : 0.0)
    << ",\"other_cpu_s\":" << std::max(0.0, machine_busy - server_cpu - self_cpu) << ",\"cores\":" << ncpu
    << ",\"allocs_per_op\":" << (total ? static_cast<double>(allocs) / static_cast<double>(total) : 0.0)
    << ",\"sessions_lost\":" << lost << ",\"idle_sessions\":" << cfg.idle_sessions
    << ",\"idle_sessions_alive\":" << idle_alive << ",\"idle_sessions_lost\":" << idle_lost
    << ",\"desyncs\":" << res.desyncs;
  // The longest 100 ms window's worst latency, and the worst bucket's time.
  uint64_t worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < res.timeline_max_us.size(); ++i) {
    if (res.timeline_max_us[i] > worst) {
      worst = res.timeline_max_us[i];
      worst_at = i;
    }
  }
  j << ",\"worst_latency_at_s\":" << static_cast<double>(worst_at * static_cast<size_t>(cfg.timeline_bucket_ms)) / 1000.0
    << "}";
  std::printf("%s\n", j.str().c_str());
  std::fflush(stdout);

  if (!FLAGS_cdf_out.empty()) {
    std::ofstream out(FLAGS_cdf_out);
    for (int i = 0; i < kNumOps; ++i) {
      if (res.ops[i].count() == 0) continue;
      for (auto& [v, f] : res.ops[i].hist.Cdf()) out << kOpNames[i] << " " << v << " " << f << "\n";
    }
    for (auto& [v, f] : all.hist.Cdf()) out << "all " << v << " " << f << "\n";
  }
  if (!FLAGS_timeline_out.empty()) {
    std::ofstream out(FLAGS_timeline_out);
    size_t n = static_cast<size_t>(secs * 1000 / cfg.timeline_bucket_ms) + 1;
    for (size_t i = 0; i < n && i < res.timeline_count.size(); ++i) {
      out << static_cast<double>(i * static_cast<size_t>(cfg.timeline_bucket_ms)) / 1000.0 << " "
          << res.timeline_count[i] << " " << res.timeline_max_us[i] << "\n";
    }
  }
  bool bad = res.desyncs > 0 || lost > 0 || (cfg.sessions > 0 && total == 0);
  return bad ? 1 : 0;
}
