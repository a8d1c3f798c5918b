// arbor-storage-bench: append throughput of the LMDB log.
//
// For batch sizes 1, 16 and 256 entries it measures two ways of writing:
//   direct    one batch per LogStore::Write (one transaction + one sync each)
//   grouped   batches submitted to the StorageThread with up to --inflight
//             outstanding, so queued batches share a transaction and a sync
// and prints appends/s, MB/s (entry data) and syncs per batch. Not run by
// ctest; no timing assertions anywhere. Example:
//   arbor-storage-bench --seconds=2 --entry_bytes=256 --dir=/var/tmp
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "server/storage/log_store.h"
#include "server/storage/storage_thread.h"

DEFINE_double(seconds, 2.0, "time spent on each configuration");
DEFINE_uint64(entry_bytes, 256, "data bytes per entry");
DEFINE_uint64(inflight, 64, "grouped mode: batches outstanding at once");
DEFINE_string(dir, "/tmp", "where the temporary data directories are made");
DEFINE_bool(sync, true, "fsync each commit (false shows the cost of the sync)");

namespace arbor::storage {
namespace {

using Clock = std::chrono::steady_clock;

struct Result_ {
  uint64_t batches = 0;
  uint64_t entries = 0;
  uint64_t syncs = 0;
  double seconds = 0;
};

WriteBatch MakeBatch(uint64_t first, uint64_t n, const std::string& data) {
  WriteBatch b;
  for (uint64_t i = 0; i < n; ++i) {
    raft::Entry e;
    e.set_index(first + i);
    e.set_term(1);
    e.set_data(data);
    b.entries.push_back(std::move(e));
  }
  raft::HardState hs;
  hs.set_term(1);
  hs.set_commit(first - 1);
  b.hard_state = hs;
  return b;
}

std::unique_ptr<LogStore> OpenFresh(std::string* dir) {
  std::string tmpl = FLAGS_dir + "/arbor-bench-XXXXXX";
  CHECK(::mkdtemp(tmpl.data()) != nullptr) << "mkdtemp in " << FLAGS_dir;
  *dir = tmpl;
  StorageOptions o;
  o.sync = FLAGS_sync;
  o.map_size_bytes = 8ull << 30;
  o.queue_batches_max = FLAGS_inflight + 1;
  auto log = LogStore::Open(*dir + "/log", o);
  CHECK(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

Result_ RunDirect(uint64_t batch) {
  std::string dir;
  std::unique_ptr<LogStore> log = OpenFresh(&dir);
  const std::string data(FLAGS_entry_bytes, 'x');
  Result_ r;
  const uint64_t syncs0 = log->sync_count();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(FLAGS_seconds);
  while (Clock::now() < end) {
    WriteBatch b = MakeBatch(r.entries + 1, batch, data);
    Status s = log->Write({&b});
    CHECK(s.ok()) << s.ToString();
    ++r.batches;
    r.entries += batch;
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.syncs = log->sync_count() - syncs0;
  log.reset();
  std::filesystem::remove_all(dir);
  return r;
}

Result_ RunGrouped(uint64_t batch) {
  std::string dir;
  std::unique_ptr<LogStore> log = OpenFresh(&dir);
  const std::string data(FLAGS_entry_bytes, 'x');
  std::mutex mu;
  std::condition_variable cv;
  uint64_t done = 0;
  StorageThread thread(log.get(), nullptr, [&](const std::vector<Completion>& c) {
    std::lock_guard<std::mutex> l(mu);
    done += c.size();
    cv.notify_all();
  });
  thread.Start();
  Result_ r;
  const uint64_t syncs0 = log->sync_count();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(FLAGS_seconds);
  while (Clock::now() < end) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return r.batches - done < FLAGS_inflight; });
    }
    CHECK(thread.Submit(MakeBatch(r.entries + 1, batch, data)).ok());
    ++r.batches;
    r.entries += batch;
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done == r.batches; });
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.syncs = log->sync_count() - syncs0;
  thread.Stop();
  log.reset();
  std::filesystem::remove_all(dir);
  return r;
}

void Print(const char* mode, uint64_t batch, const Result_& r) {
  const double mb = static_cast<double>(r.entries * FLAGS_entry_bytes) / (1 << 20);
  std::printf("%-8s %6llu %10llu %12.0f %9.2f %13.3f %11.3f\n", mode, static_cast<unsigned long long>(batch),
              static_cast<unsigned long long>(r.batches), r.entries / r.seconds, mb / r.seconds,
              static_cast<double>(r.syncs) / static_cast<double>(r.batches), 1e3 * r.seconds / r.batches);
}

}  // namespace
}  // namespace arbor::storage

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  std::printf("entry %llu bytes, sync %s, %.1f s per row, grouped inflight %llu, dir %s\n",
              static_cast<unsigned long long>(FLAGS_entry_bytes), FLAGS_sync ? "on" : "OFF", FLAGS_seconds,
              static_cast<unsigned long long>(FLAGS_inflight), FLAGS_dir.c_str());
  std::printf("%-8s %6s %10s %12s %9s %13s %11s\n", "mode", "batch", "batches", "appends/s", "MB/s",
              "syncs/batch", "ms/batch");
  for (uint64_t batch : {1, 16, 256}) {
    arbor::storage::Print("direct", batch, arbor::storage::RunDirect(batch));
    arbor::storage::Print("grouped", batch, arbor::storage::RunGrouped(batch));
  }
  return 0;
}
