// storage_crash_helper DATA_DIR SEED MODE: the victim of storage_crash_test.
// MODE is "ack-after-sync" (the contract) or "ack-early" (a deliberately
// broken writer that acknowledges at Submit, to prove the test catches it).
//
// Opens the data directory (running recovery), then appends random batches
// through the StorageThread forever, sometimes overwriting an uncommitted
// suffix with a new term and sometimes saving a snapshot, until the parent
// kills it with SIGKILL. It reports on stdout, one line per write(2) (atomic
// on a pipe):
//   ready <last_index> <commit>
//   submit <n> <first> <count> <term> <size> <hs_term> <hs_commit>   before batch n is submitted
//   ack <n>                                                          after batch n is durable
// The ack is written from the storage thread's completion callback, i.e.
// only after the group's sync returned.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "server/storage/data_dir.h"
#include "server/storage/snapshot_saver.h"
#include "server/storage/storage_thread.h"
#include "test/unit/storage/test_util.h"

namespace arbor::storage {
namespace {

void Say(const std::string& line) {
  std::string l = line + "\n";
  ssize_t n = ::write(1, l.data(), l.size());
  if (n != static_cast<ssize_t>(l.size())) _exit(4);
}

StorageOptions HelperOptions() {
  StorageOptions o = testing::TestOptions();
  o.compact_margin_entries = 50;
  o.compact_chunk_entries = 20;
  o.snapshots_keep = 2;
  return o;
}

// Starts a background snapshot at the commit index unless one is running.
void MaybeSnapshot(LogStore* log, SnapshotSaver* saver, uint64_t commit, const std::map<uint64_t, uint64_t>& terms) {
  if (saver->running() || commit == 0 || commit <= log->Snapshot().index()) return;
  raft::SnapshotMetadata meta;
  meta.set_index(commit);
  meta.set_term(terms.at(commit));
  std::string body = "snapshot " + std::to_string(meta.index()) + " " + std::to_string(meta.term());
  Status s = saver->Start(meta, [body](ByteSink* sink) {
    for (int i = 0; i < 1000; ++i) ARBOR_RETURN_IF_ERROR(sink->Append(body));
    return Status::Ok();
  }, nullptr);
  if (!s.ok()) Say("snapshot-busy");
}

int Run(const std::string& dir, uint64_t seed, bool ack_early) {
  Result<std::unique_ptr<DataDir>> opened = DataDir::Open(dir, HelperOptions());
  if (!opened.ok()) {
    Say("error " + opened.status().ToString());
    return 3;
  }
  DataDir& dd = **opened;
  LogStore* log = dd.log();
  std::mt19937_64 rng(seed);
  std::mutex mu;  // guards batch_of (seq -> batch number) and acked_last
  std::map<uint64_t, uint64_t> batch_of;
  std::atomic<uint64_t> acked_last{log->LastIndex()};
  std::atomic<uint64_t> in_flight{0};
  StorageThread thread(log, dd.snapshots(), [&](const std::vector<Completion>& done) {
    std::lock_guard<std::mutex> l(mu);
    for (const Completion& c : done) {
      if (c.kind != Completion::Kind::kWrite) continue;
      if (!ack_early) Say("ack " + std::to_string(batch_of.at(c.seq)));
      batch_of.erase(c.seq);
      acked_last = c.last_index;
      --in_flight;
    }
  });
  thread.Start();
  SnapshotSaver saver(dd.snapshots(), &thread);
  raft::HardState hs = log->hard_state();
  std::map<uint64_t, uint64_t> terms;  // index -> term of what was submitted (above the base)
  uint64_t last = log->LastIndex();
  uint64_t term = std::max<uint64_t>(hs.term(), last == 0 ? 1 : log->Term(last).value());
  for (uint64_t i = log->FirstIndex(); i <= last; ++i) terms[i] = log->Term(i).value();
  Say("ready " + std::to_string(last) + " " + std::to_string(hs.commit()));
  for (uint64_t n = 1;; ++n) {
    while (in_flight.load() > 32) std::this_thread::sleep_for(std::chrono::microseconds(200));
    uint64_t first = last + 1;
    if (last > hs.commit() && rng() % 10 == 0) {  // a new leader overwrites an uncommitted suffix
      ++term;
      first = hs.commit() + 1 + rng() % (last - hs.commit());
    }
    const uint64_t count = 1 + rng() % 16;
    const size_t size = 16 + rng() % 2048;
    hs.set_term(term);
    hs.set_vote(1);
    hs.set_commit(std::max<uint64_t>(hs.commit(), std::min<uint64_t>(acked_last.load(), first - 1)));
    WriteBatch b;
    b.entries = testing::MakeEntries(first, first + count - 1, term, size);
    b.hard_state = hs;
    terms.erase(terms.lower_bound(first), terms.end());
    for (uint64_t i = first; i < first + count; ++i) terms[i] = term;
    last = first + count - 1;
    Say("submit " + std::to_string(n) + " " + std::to_string(first) + " " + std::to_string(count) + " " +
        std::to_string(term) + " " + std::to_string(size) + " " + std::to_string(hs.term()) + " " +
        std::to_string(hs.commit()));
    {
      std::lock_guard<std::mutex> l(mu);
      Result<uint64_t> seq = thread.Submit(std::move(b));
      if (!seq.ok()) {
        Say("error " + seq.status().ToString());
        return 5;
      }
      batch_of[*seq] = n;
      ++in_flight;
      if (ack_early) Say("ack " + std::to_string(n));
    }
    if (n % 20 == 0) MaybeSnapshot(log, &saver, hs.commit(), terms);
  }
}

}  // namespace
}  // namespace arbor::storage

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR SEED ack-after-sync|ack-early\n", argv[0]);
    return 2;
  }
  return arbor::storage::Run(argv[1], std::stoull(argv[2]), std::string(argv[3]) == "ack-early");
}
