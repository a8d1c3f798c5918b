// StorageThread: group commit, bounded queue, completions, snapshot
// adoption and compaction, fatal write errors.
#include "server/storage/storage_thread.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <condition_variable>
#include <mutex>

#include "server/storage/snapshot_saver.h"
#include "test/unit/storage/test_util.h"

namespace arbor::storage {
namespace {

using ::testing::HasSubstr;
using testing::MakeEntries;
using testing::MakeHardState;
using testing::TempDir;
using testing::TestOptions;

WriteBatch Batch(uint64_t first, uint64_t last, uint64_t term, size_t size = 32) {
  WriteBatch b;
  b.entries = MakeEntries(first, last, term, size);
  return b;
}

// Collects completions; the first group can be held inside the callback so
// that later batches pile up in the queue.
class Collector {
 public:
  void OnComplete(const std::vector<Completion>& done) {
    std::unique_lock<std::mutex> l(mu_);
    got_.insert(got_.end(), done.begin(), done.end());
    ++groups_;
    cv_.notify_all();
    if (hold_first_ && groups_ == 1) cv_.wait(l, [&] { return released_; });
  }
  void HoldFirstGroup() { hold_first_ = true; }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(20), [&] { return got_.size() >= n; });
  }
  std::vector<Completion> got() {
    std::lock_guard<std::mutex> l(mu_);
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Completion> got_;
  int groups_ = 0;
  bool hold_first_ = false;
  bool released_ = false;
};

class StorageThreadTest : public ::testing::Test {
 protected:
  void Open(StorageOptions options = TestOptions()) {
    Result<std::unique_ptr<LogStore>> r = LogStore::Open(dir_.path() + "/log", options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    log_ = std::move(r).value();
    ASSERT_TRUE(snaps_.Init().ok());
    thread_ = std::make_unique<StorageThread>(log_.get(), &snaps_,
                                              [this](const std::vector<Completion>& d) { collector_.OnComplete(d); });
  }
  void TearDown() override {
    collector_.Release();
    if (thread_) thread_->Stop();
  }

  TempDir dir_;
  SnapshotStore snaps_{dir_.path() + "/snap"};
  std::unique_ptr<LogStore> log_;
  Collector collector_;
  std::unique_ptr<StorageThread> thread_;
};

TEST_F(StorageThreadTest, QueuedBatchesShareOneTransactionAndOneSync) {
  Open();
  collector_.HoldFirstGroup();
  thread_->Start();
  ASSERT_TRUE(thread_->Submit(Batch(1, 1, 1)).ok());
  ASSERT_TRUE(collector_.WaitFor(1));  // group 1 is durable; the thread is parked in our callback
  const uint64_t syncs_before = log_->sync_count();
  for (uint64_t i = 2; i <= 200; ++i) {
    WriteBatch b = Batch(i, i, 1);
    b.hard_state = MakeHardState(1, 1, i - 1);
    ASSERT_TRUE(thread_->Submit(std::move(b)).ok());
  }
  collector_.Release();
  ASSERT_TRUE(collector_.WaitFor(200));
  EXPECT_EQ(thread_->groups_committed(), 2u) << "199 queued batches should commit as one group";
  EXPECT_EQ(log_->sync_count() - syncs_before, 1u);
  std::vector<Completion> got = collector_.got();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, i + 1);
    EXPECT_EQ(got[i].kind, Completion::Kind::kWrite);
  }
  EXPECT_EQ(got.back().last_index, 200u);
  EXPECT_EQ(log_->hard_state().commit(), 199u);
  EXPECT_EQ(log_->Entries(1, 201, UINT64_MAX)->size(), 200u);
}

TEST_F(StorageThreadTest, SpacedBatchesEachCostASync) {
  Open();
  thread_->Start();
  const uint64_t syncs_before = log_->sync_count();
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(thread_->Submit(Batch(i, i, 1)).ok());
    ASSERT_TRUE(collector_.WaitFor(i));
  }
  EXPECT_EQ(thread_->groups_committed(), 3u);
  EXPECT_EQ(log_->sync_count() - syncs_before, 3u);
}

TEST_F(StorageThreadTest, FullQueueAnswersBusyWithoutBlocking) {
  StorageOptions o = TestOptions();
  o.queue_batches_max = 4;
  Open(o);
  collector_.HoldFirstGroup();
  thread_->Start();
  ASSERT_TRUE(thread_->Submit(Batch(1, 1, 1)).ok());
  ASSERT_TRUE(collector_.WaitFor(1));
  for (uint64_t i = 2; i <= 5; ++i) ASSERT_TRUE(thread_->Submit(Batch(i, i, 1)).ok());
  Result<uint64_t> r = thread_->Submit(Batch(6, 6, 1));
  EXPECT_EQ(r.status().code(), Status::Code::kBusy);
  collector_.Release();
  ASSERT_TRUE(collector_.WaitFor(5));
  EXPECT_TRUE(thread_->Submit(Batch(6, 6, 1)).ok());
  ASSERT_TRUE(collector_.WaitFor(6));
  EXPECT_EQ(log_->LastIndex(), 6u);
}

TEST_F(StorageThreadTest, RejectsOversizedAndNonConsecutiveEntries) {
  Open();
  thread_->Start();
  WriteBatch big = Batch(1, 1, 1, TestOptions().max_entry_bytes + 1);
  Result<uint64_t> r = thread_->Submit(std::move(big));
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("storage_max_entry_bytes"));
  WriteBatch gap = Batch(1, 2, 1);
  gap.entries[1].set_index(3);
  EXPECT_EQ(thread_->Submit(std::move(gap)).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(StorageThreadTest, SavedSnapshotIsRecordedPrunedAndCompactsTheLog) {
  StorageOptions o = TestOptions();  // margin 10, chunks of 100, keep 2
  Open(o);
  thread_->Start();
  WriteBatch b = Batch(1, 1000, 1);
  b.hard_state = MakeHardState(1, 1, 1000);
  ASSERT_TRUE(thread_->Submit(std::move(b)).ok());
  ASSERT_TRUE(collector_.WaitFor(1));
  SnapshotSaver saver(&snaps_, thread_.get());
  size_t expected = 1;
  for (uint64_t index : {300, 600, 900}) {
    raft::SnapshotMetadata meta;
    meta.set_index(index);
    meta.set_term(1);
    std::mutex mu;
    Status result = Status::Internal("not done");
    ASSERT_TRUE(saver
                    .Start(meta, [&](ByteSink* sink) { return sink->Append("state at " + std::to_string(index)); },
                           [&](const Status& s, uint64_t) {
                             std::lock_guard<std::mutex> l(mu);
                             result = s;
                           })
                    .ok());
    ASSERT_TRUE(collector_.WaitFor(++expected));
    std::lock_guard<std::mutex> l(mu);
    EXPECT_TRUE(result.ok()) << result.ToString();
  }
  EXPECT_EQ(collector_.got().back().kind, Completion::Kind::kSnapshotRecorded);
  EXPECT_EQ(log_->Snapshot().index(), 900u);
  for (int i = 0; i < 200 && log_->FirstIndex() != 891; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log_->FirstIndex(), 891u) << "log below snapshot 900 minus margin 10 is compacted";
  Result<std::vector<SnapshotFile>> files = snaps_.List();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].index, 900u);
  EXPECT_EQ((*files)[1].index, 600u);
}

TEST_F(StorageThreadTest, FailedSnapshotLeavesNoFileAndOneSaveRunsAtATime) {
  Open();
  thread_->Start();
  WriteBatch b = Batch(1, 10, 1);
  b.hard_state = MakeHardState(1, 1, 10);
  ASSERT_TRUE(thread_->Submit(std::move(b)).ok());
  ASSERT_TRUE(collector_.WaitFor(1));
  SnapshotSaver saver(&snaps_, thread_.get());
  raft::SnapshotMetadata meta;
  meta.set_index(10);
  meta.set_term(1);
  std::mutex mu;
  std::condition_variable cv;
  bool go = false, finished = false;
  Status result;
  ASSERT_TRUE(saver
                  .Start(meta,
                         [&](ByteSink* sink) {
                           EXPECT_TRUE(sink->Append("half a tree").ok());
                           std::unique_lock<std::mutex> l(mu);
                           cv.wait(l, [&] { return go; });
                           return Status::IOError("state machine gave up");
                         },
                         [&](const Status& s, uint64_t) {
                           std::lock_guard<std::mutex> l(mu);
                           result = s;
                           finished = true;
                           cv.notify_all();
                         })
                  .ok());
  EXPECT_EQ(saver.Start(meta, nullptr, nullptr).code(), Status::Code::kBusy);
  {
    std::unique_lock<std::mutex> l(mu);
    go = true;
    cv.notify_all();
    cv.wait(l, [&] { return finished; });
  }
  EXPECT_THAT(result.message(), HasSubstr("state machine gave up"));
  EXPECT_TRUE(snaps_.List()->empty());
  EXPECT_TRUE(std::filesystem::is_empty(snaps_.dir())) << "the temporary file is removed";
  EXPECT_EQ(log_->Snapshot().index(), 0u);
}

TEST_F(StorageThreadTest, InstalledSnapshotResetsTheLog) {
  Open();
  thread_->Start();
  ASSERT_TRUE(thread_->Submit(Batch(1, 50, 1)).ok());
  raft::SnapshotMetadata meta;
  meta.set_index(700);
  meta.set_term(4);
  ASSERT_TRUE(thread_->SubmitSnapshotInstalled(meta).ok());
  ASSERT_TRUE(thread_->Submit(Batch(701, 705, 4)).ok());
  ASSERT_TRUE(collector_.WaitFor(3));
  std::vector<Completion> got = collector_.got();
  EXPECT_EQ(got[1].kind, Completion::Kind::kSnapshotInstalled);
  EXPECT_EQ(got[1].last_index, 700u);
  EXPECT_EQ(got[2].last_index, 705u);
  EXPECT_EQ(got[2].last_term, 4u);
  EXPECT_EQ(log_->FirstIndex(), 701u);
}

// The loop thread reads (raft::Storage) while the storage thread appends,
// overwrites and compacts: every read is either a consistent, checked view
// or a clean Unavailable/OutOfRange from losing a race, never wrong data.
TEST_F(StorageThreadTest, ReadsAreSafeWhileTheStorageThreadWrites) {
  StorageOptions o = TestOptions();
  o.compact_margin_entries = 20;
  o.compact_chunk_entries = 15;
  Open(o);
  thread_->Start();
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0}, races{0};
  std::string failure;
  std::thread reader([&] {
    while (!done.load() && failure.empty()) {
      const uint64_t first = log_->FirstIndex(), last = log_->LastIndex();
      Result<std::vector<raft::Entry>> r = log_->Entries(first, last + 1, 4096);
      Result<uint64_t> t = log_->Term(last);
      if (!r.ok() && !r.status().IsUnavailable() && r.status().code() != Status::Code::kOutOfRange) {
        failure = r.status().ToString();
      } else if (r.ok()) {
        for (size_t i = 0; i < r->size(); ++i) {
          const raft::Entry& e = (*r)[i];
          if (e.index() != first + i || !testing::EntryDataMatches(e)) failure = "bad entry " + std::to_string(e.index());
        }
      } else {
        ++races;
      }
      if (!t.ok() && !t.status().IsUnavailable() && t.status().code() != Status::Code::kOutOfRange) {
        failure = t.status().ToString();
      }
      ++reads;
    }
  });
  uint64_t last = 0, submitted = 0;
  for (uint64_t round = 1; round <= 300; ++round) {
    uint64_t first = last + 1;
    if (round % 7 == 0 && last > 10) first = last - 3;  // overwrite an uncommitted suffix
    WriteBatch b = Batch(first, first + 9, round);
    last = first + 9;
    b.hard_state = MakeHardState(round, 1, last - 5);
    ASSERT_TRUE(thread_->Submit(std::move(b)).ok());
    ++submitted;
    if (round % 25 == 0) {
      ASSERT_TRUE(collector_.WaitFor(submitted));
      raft::SnapshotMetadata meta;
      meta.set_index(last - 5);
      meta.set_term(round);
      ASSERT_TRUE(thread_->SubmitSnapshotSaved(meta).ok());
      ++submitted;
    }
  }
  ASSERT_TRUE(collector_.WaitFor(submitted));
  done = true;
  reader.join();
  EXPECT_EQ(failure, "");
  EXPECT_GT(reads.load(), 10u);
  EXPECT_EQ(log_->LastIndex(), last);
  std::printf("concurrent reads: %llu, lost races: %llu\n", static_cast<unsigned long long>(reads.load()),
              static_cast<unsigned long long>(races.load()));
}

// An LMDB write error (here: the map is full and may not grow further) must
// stop the process rather than be retried or reported as durable.
TEST(StorageThreadDeathTest, WriteErrorIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir dir;
  StorageOptions o = TestOptions();
  o.map_size_bytes = 1 << 20;
  o.max_map_size_bytes = 1 << 20;
  EXPECT_DEATH(
      {
        Result<std::unique_ptr<LogStore>> log = LogStore::Open(dir.path() + "/log", o);
        if (!log.ok()) return;
        StorageThread t(log->get(), nullptr, nullptr);
        t.Start();
        WriteBatch b;
        b.entries = MakeEntries(1, 4, 1, 600 << 10);
        (void)t.Submit(std::move(b));
        t.Stop();
      },
      "storage: writing 1 batches to .*data.mdb failed: .*needs more than --storage_map_size_max_mb");
}

}  // namespace
}  // namespace arbor::storage
