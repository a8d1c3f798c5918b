// arbor-zk-import: turns an Apache ZooKeeper 3.x data directory (its newest
// valid snapshot plus the transaction logs after it) into an Arbor backup
// file, which `arbord --restore_from=FILE` seeds a new cluster from.
//
//   arbor-zk-import --zk_data_dir=/var/lib/zookeeper [--zk_log_dir=DIR] --out=zk.backup
//
// Stop ZooKeeper first (or at least its writers): a running server keeps
// appending, and a follower's log may end in proposals never committed.
// Read-only on the ZooKeeper files. Exit status: 0 written, 1 failed.
// docs/OPERATIONS.md ("Migrating from Apache ZooKeeper") has the whole path.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <sys/random.h>

#include <cinttypes>
#include <cstdio>
#include <iostream>

#include "tools/zk_import/arbor_image.h"
#include "tools/zk_import/zk_files.h"

DEFINE_string(zk_data_dir, "", "ZooKeeper's dataDir (holding version-2/snapshot.*)");
DEFINE_string(zk_log_dir, "", "ZooKeeper's dataLogDir (version-2/log.*); default: --zk_data_dir");
DEFINE_string(out, "", "the Arbor backup file to write");

namespace {

std::string RandomPassword() {
  std::string p(16, '\0');
  size_t got = 0;
  while (got < p.size()) {
    ssize_t n = getrandom(p.data() + got, p.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  return p;
}

int Fail(const std::string& what) {
  std::cerr << "arbor-zk-import: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("arbor-zk-import --zk_data_dir=DIR [--zk_log_dir=DIR] --out=FILE");
  gflags::SetVersionString(ARBOR_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  using namespace arbor::zkimport;
  if (FLAGS_zk_data_dir.empty() || FLAGS_out.empty()) return Fail("--zk_data_dir and --out are required");
  const std::string log_dir = FLAGS_zk_log_dir.empty() ? FLAGS_zk_data_dir : FLAGS_zk_log_dir;

  auto snaps = ListZkFiles(FLAGS_zk_data_dir, "snapshot");
  if (!snaps.ok()) return Fail(snaps.status().ToString());
  auto logs = ListZkFiles(log_dir, "log");
  if (!logs.ok()) return Fail(logs.status().ToString());

  // The newest snapshot that reads whole, as ZooKeeper's FileSnap chooses.
  ZkState state;
  bool loaded = false;
  for (auto it = snaps->rbegin(); it != snaps->rend() && !loaded; ++it) {
    ZkState attempt;
    arbor::Status s = ReadSnapshot(it->path, &attempt);
    if (!s.ok()) {
      std::cerr << "arbor-zk-import: skipping " << it->path << ": " << s.ToString() << "\n";
      continue;
    }
    attempt.set_snapshot_zxid(it->zxid);
    state = std::move(attempt);
    loaded = true;
    std::cerr << "snapshot " << it->path << ": " << state.nodes().size() << " znodes, " << state.sessions().size()
              << " sessions\n";
  }
  if (!loaded) {
    // A server that never snapshotted: ZooKeeper replays its logs onto an
    // empty tree that has / and /zookeeper (with quota and config).
    if (!snaps->empty()) return Fail("no snapshot in " + FLAGS_zk_data_dir + " reads whole");
    return Fail("no snapshot.* in " + FLAGS_zk_data_dir + "; let ZooKeeper write one (restart it) first");
  }
  // Every log that may hold transactions after the snapshot: from the last
  // one starting at or below it.
  size_t first = 0;
  for (size_t i = 0; i < logs->size(); ++i) {
    if ((*logs)[i].zxid <= state.snapshot_zxid()) first = i;
  }
  if (!logs->empty() && (*logs)[first].zxid > state.snapshot_zxid() + 1) {
    std::cerr << "arbor-zk-import: warning: the oldest log starts at zxid 0x" << std::hex << (*logs)[first].zxid
              << ", after the snapshot's 0x" << state.snapshot_zxid() << std::dec
              << "; transactions in between may be missing\n";
  }
  ReplayStats stats;
  for (size_t i = first; i < logs->size(); ++i) {
    arbor::Status s = ReadTxnLog((*logs)[i].path, [&](const ZkTxn& t) { return state.Apply(t, &stats); });
    if (!s.ok()) return Fail(s.ToString());
  }
  std::cerr << "replayed " << stats.applied << " transactions after the snapshot (" << stats.no_ops
            << " changed nothing), skipped " << stats.skipped_old << " older ones\n";

  auto sm = ToArborState(state, RandomPassword);
  if (!sm.ok()) return Fail(sm.status().ToString());
  auto size = WriteBackupFile(**sm, FLAGS_out);
  if (!size.ok()) return Fail(size.status().ToString());
  std::printf("wrote %s: zxid 0x%" PRIx64 ", %zu znodes, %zu sessions, %" PRIu64 " bytes\n", FLAGS_out.c_str(),
              static_cast<uint64_t>((*sm)->last_applied_zxid()), static_cast<size_t>((*sm)->tree().node_count()),
              (*sm)->sessions().size(), *size);
  return 0;
}
