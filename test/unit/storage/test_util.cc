#include "test/unit/storage/test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "server/storage/log_record.h"

namespace arbor::storage::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/arbor-storage-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

StorageOptions TestOptions() {
  StorageOptions o;
  o.map_size_bytes = 256ull << 20;
  o.max_entry_bytes = 1 << 20;
  o.sync = true;
  o.queue_batches_max = 4096;
  o.compact_chunk_entries = 100;
  o.compact_margin_entries = 10;
  o.snapshots_keep = 2;
  return o;
}

raft::Entry MakeEntry(uint64_t index, uint64_t term, size_t size) {
  raft::Entry e;
  e.set_index(index);
  e.set_term(term);
  std::string data(size, '\0');
  uint64_t x = index * 0x9E3779B97F4A7C15ull ^ term;
  for (size_t i = 0; i < size; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    data[i] = static_cast<char>(x >> 56);
  }
  e.set_data(data);
  return e;
}

std::vector<raft::Entry> MakeEntries(uint64_t first, uint64_t last, uint64_t term, size_t size) {
  std::vector<raft::Entry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(MakeEntry(i, term, size));
  return out;
}

bool EntryDataMatches(const raft::Entry& e) {
  return MakeEntry(e.index(), e.term(), e.data().size()).data() == e.data();
}

Status WriteOne(LogStore* log, std::vector<raft::Entry> entries, const raft::HardState* hs) {
  WriteBatch b;
  b.entries = std::move(entries);
  if (hs != nullptr) b.hard_state = *hs;
  return log->Write({&b});
}

raft::HardState MakeHardState(uint64_t term, uint64_t vote, uint64_t commit) {
  raft::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

void FlipByte(const std::string& path, int64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  off_t at = offset >= 0 ? offset : ::lseek(fd, 0, SEEK_END) + offset;
  char c = 0;
  ASSERT_EQ(::pread(fd, &c, 1, at), 1);
  c ^= 0x10;
  ASSERT_EQ(::pwrite(fd, &c, 1, at), 1);
  ::close(fd);
}

void TruncateFile(const std::string& path, uint64_t size) {
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0) << path;
}

uint64_t SizeOf(const std::string& path) { return std::filesystem::file_size(path); }

void CorruptLogRecord(const std::string& log_dir, uint64_t index) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 4), 0);
  ASSERT_EQ(mdb_env_open(env, log_dir.c_str(), 0, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, "log", 0, &dbi), 0);
  std::string k = EncodeIndexKey(index);
  MDB_val key{k.size(), k.data()}, val;
  ASSERT_EQ(mdb_get(txn, dbi, &key, &val), 0) << "no entry " << index;
  std::string v(static_cast<const char*>(val.mv_data), val.mv_size);
  v[v.size() - 1] ^= 0x01;  // a bit-rotted byte in the entry's data
  MDB_val nv{v.size(), v.data()};
  ASSERT_EQ(mdb_put(txn, dbi, &key, &nv, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

}  // namespace arbor::storage::testing
