// Crash safety: a child process (storage_crash_helper) appends batches and
// acknowledges each only after its sync; we kill -9 it at random moments,
// many times, and after every kill check that the data directory recovers
// to a state that contains every acknowledged batch and reads cleanly.
//
// Exactness: the child announces each batch before submitting it. The
// durable state must equal the result of applying batches 1..k of this
// round, for some k between the last acknowledged batch and the last
// announced one (a batch may be durable without its ack having been sent).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "server/storage/data_dir.h"
#include "server/storage/snapshot_file.h"
#include "test/unit/storage/test_util.h"

#ifndef ARBOR_CRASH_HELPER
#error "ARBOR_CRASH_HELPER must name the storage_crash_helper binary"
#endif

namespace arbor::storage {
namespace {

using Clock = std::chrono::steady_clock;

struct Announced {
  uint64_t first, count, term, size, hs_term, hs_commit;
};

// index -> (term, data size) plus the hard state's term and commit.
struct LogModel {
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> entries;
  uint64_t hs_term = 0, hs_commit = 0;

  void Apply(const Announced& b) {
    entries.erase(entries.lower_bound(b.first), entries.end());
    for (uint64_t i = b.first; i < b.first + b.count; ++i) entries[i] = {b.term, b.size};
    hs_term = b.hs_term;
    hs_commit = b.hs_commit;
  }
  // True if `durable` (a possibly compacted log) is this state.
  bool Matches(const LogModel& durable, uint64_t durable_last) const {
    uint64_t last = entries.empty() ? 0 : entries.rbegin()->first;
    if (last != durable_last || hs_term != durable.hs_term || hs_commit != durable.hs_commit) return false;
    for (const auto& [index, ts] : durable.entries) {
      auto it = entries.find(index);
      if (it == entries.end() || it->second != ts) return false;
    }
    return true;
  }
};

struct Child {
  pid_t pid = -1;
  int out = -1;
  std::string buffer;
};

Child Spawn(const std::string& dir, uint64_t seed, bool ack_early) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(fds[1], 1);
    std::string s = std::to_string(seed);
    ::execl(ARBOR_CRASH_HELPER, ARBOR_CRASH_HELPER, dir.c_str(), s.c_str(), ack_early ? "ack-early" : "ack-after-sync",
            static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[1]);
  c.out = fds[0];
  return c;
}

// Reads what the child wrote until `deadline` (or EOF), returning whole lines.
std::vector<std::string> ReadLines(Child* c, Clock::time_point deadline) {
  std::vector<std::string> lines;
  char buf[65536];
  while (true) {
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    pollfd p{c->out, POLLIN, 0};
    if (::poll(&p, 1, std::max(wait_ms, 0)) <= 0) break;
    ssize_t n = ::read(c->out, buf, sizeof(buf));
    if (n <= 0) break;
    c->buffer.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = c->buffer.find('\n')) != std::string::npos;) {
      lines.push_back(c->buffer.substr(0, nl));
      c->buffer.erase(0, nl + 1);
    }
  }
  return lines;
}

// Opens the directory as the server would and reads everything back.
void LoadDurable(const std::string& dir, LogModel* durable, uint64_t* last, bool* has_snapshot, std::string* error) {
  Result<std::unique_ptr<DataDir>> dd = DataDir::Open(dir, testing::TestOptions());
  if (!dd.ok()) {
    *error = "recovery failed: " + dd.status().ToString();
    return;
  }
  LogStore* log = (*dd)->log();
  *last = log->LastIndex();
  raft::HardState hs = log->hard_state();
  durable->hs_term = hs.term();
  durable->hs_commit = hs.commit();
  Result<std::vector<raft::Entry>> all = log->Entries(log->FirstIndex(), *last + 1, UINT64_MAX);
  if (!all.ok()) {
    *error = "reading the log: " + all.status().ToString();
    return;
  }
  for (const raft::Entry& e : *all) {
    if (!testing::EntryDataMatches(e)) *error = "entry " + std::to_string(e.index()) + " has wrong data";
    durable->entries[e.index()] = {e.term(), e.data().size()};
  }
  *has_snapshot = (*dd)->recovered_snapshot().has_value();
  if (const auto& snap = (*dd)->recovered_snapshot()) {
    Result<std::unique_ptr<SnapshotFileReader>> r = SnapshotFileReader::Open(snap->path);
    std::string head;
    if (!r.ok() || !(*r)->ReadExactly(9, &head).ok() || head != "snapshot ") *error = "snapshot unreadable";
    if (snap->index + 1 < log->FirstIndex()) *error = "log does not continue the snapshot";
  } else if (log->FirstIndex() != 1) {
    *error = "log compacted but no snapshot recovered";
  }
}

struct Stats {
  int kills = 0;
  uint64_t acked = 0;
  int rounds_with_acks = 0;
  int rounds_with_snapshot = 0;
};

// Parses one round's output into the announced batches and the number of
// acknowledged ones; an empty string when the output is well formed.
std::string Parse(const std::vector<std::string>& lines, std::vector<Announced>* batches, uint64_t* acked) {
  for (const std::string& line : lines) {
    std::istringstream in(line);
    std::string word;
    in >> word;
    uint64_t n = 0;
    if (word == "submit") {
      Announced a;
      in >> n >> a.first >> a.count >> a.term >> a.size >> a.hs_term >> a.hs_commit;
      if (n != batches->size() + 1) return "batches announced out of order: " + line;
      batches->push_back(a);
    } else if (word == "ack") {
      in >> n;
      if (n != *acked + 1) return "acks must arrive in submission order: " + line;
      *acked = n;
    } else if (word != "ready" && word != "snapshot-busy") {
      return "unexpected helper output: " + line;
    }
  }
  return "";
}

// Runs one child and kills it at a random moment; returns its output.
std::vector<std::string> RunAndKill(const std::string& dir, uint64_t child_seed, bool ack_early,
                                    std::mt19937_64* rng, std::string* error) {
  Child child = Spawn(dir, child_seed, ack_early);
  std::vector<std::string> lines;
  // A random moment: a quarter during start-up and recovery, the rest while
  // appending (after "ready").
  if ((*rng)() % 4 == 0) {
    lines = ReadLines(&child, Clock::now() + std::chrono::microseconds((*rng)() % 15000));
  } else {
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < give_up && lines.empty()) lines = ReadLines(&child, Clock::now() + std::chrono::milliseconds(1));
    if (lines.empty() || lines[0].rfind("ready", 0) != 0) *error = "helper not ready: " + (lines.empty() ? "" : lines[0]);
    std::vector<std::string> more = ReadLines(&child, Clock::now() + std::chrono::microseconds((*rng)() % 100000));
    lines.insert(lines.end(), more.begin(), more.end());
  }
  ::kill(child.pid, SIGKILL);  // only the child we forked
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  std::vector<std::string> rest = ReadLines(&child, Clock::now() + std::chrono::seconds(1));
  ::close(child.out);
  lines.insert(lines.end(), rest.begin(), rest.end());
  if (!WIFSIGNALED(status) && error->empty()) {
    *error = "the helper exited by itself: " + (lines.empty() ? std::string() : lines.back());
  }
  return lines;
}

// `rounds` kill/recover cycles on one directory. Returns the first
// violation, or an empty string.
std::string KillAndVerify(int rounds, uint64_t seed, bool ack_early, Stats* stats) {
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  LogModel start;  // the durable state at the beginning of a round
  for (int round = 0; round < rounds; ++round) {
    const std::string where = "round " + std::to_string(round) + ": ";
    std::string error;
    std::vector<std::string> lines = RunAndKill(dir.path(), seed * 1000 + round, ack_early, &rng, &error);
    if (!error.empty()) return where + error;
    ++stats->kills;
    std::vector<Announced> batches;
    uint64_t acked = 0;
    error = Parse(lines, &batches, &acked);
    if (!error.empty()) return where + error;
    stats->acked += acked;
    stats->rounds_with_acks += acked > 0;
    LogModel durable;
    uint64_t last = 0;
    bool has_snapshot = false;
    LoadDurable(dir.path(), &durable, &last, &has_snapshot, &error);
    if (!error.empty()) return where + error;
    stats->rounds_with_snapshot += has_snapshot;
    LogModel model = start;
    bool matched = false;
    for (size_t k = 0; k <= batches.size() && !matched; ++k) {
      if (k > 0) model.Apply(batches[k - 1]);
      matched = k >= acked && model.Matches(durable, last);
    }
    if (!matched) {
      return where + "durable state (last " + std::to_string(last) + ", commit " + std::to_string(durable.hs_commit) +
             ") is not the state after any batch in [" + std::to_string(acked) + ", " +
             std::to_string(batches.size()) + "]: an acknowledged batch was lost or the log was damaged";
    }
    start = durable;
  }
  return "";
}

uint64_t Seed() {
  const char* env_seed = std::getenv("ARBOR_CRASH_SEED");
  return env_seed != nullptr ? std::stoull(env_seed) : 20261128;
}

TEST(StorageCrashTest, AcknowledgedBatchesSurviveKill9) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("replay with ARBOR_CRASH_SEED=" + std::to_string(seed));
  Stats stats;
  const int kRounds = 60;
  std::string violation = KillAndVerify(kRounds, seed, /*ack_early=*/false, &stats);
  EXPECT_EQ(violation, "");
  EXPECT_EQ(stats.kills, kRounds);
  EXPECT_GE(stats.rounds_with_acks, kRounds / 4) << "many kills should land while appending";
  EXPECT_GE(stats.rounds_with_snapshot, 1) << "the snapshot path should be exercised";
  std::printf("crash test: %d kills, %llu acknowledged batches verified, %d rounds with acks, %d recovered a snapshot\n",
              stats.kills, static_cast<unsigned long long>(stats.acked), stats.rounds_with_acks,
              stats.rounds_with_snapshot);
}

// The check above can fail: a helper that acknowledges a batch as soon as
// it is queued (before the sync) is caught losing acknowledged batches.
TEST(StorageCrashTest, CatchesAcknowledgementBeforeSync) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("replay with ARBOR_CRASH_SEED=" + std::to_string(seed));
  Stats stats;
  std::string violation = KillAndVerify(30, seed, /*ack_early=*/true, &stats);
  EXPECT_THAT(violation, ::testing::HasSubstr("an acknowledged batch was lost"));
}

}  // namespace
}  // namespace arbor::storage
