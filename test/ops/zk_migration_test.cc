// Migration from a real Apache ZooKeeper 3.8 (Debian's, started by
// ../shared/zkref/zkctl.sh) into Arbor, both ways, each compared znode by
// znode with what ZooKeeper itself answers:
//   - over the wire (`arbor-cli import-zk`, ZooKeeper running): data (null
//     kept), ACL and the tree; ephemerals skipped and reported;
//   - offline (`arbor-zk-import` on ZooKeeper's data directory, ZooKeeper
//     stopped, then `arbord --restore_from`): also every Stat field (czxid,
//     mzxid, pzxid, ctime, mtime, versions, cversion, ephemeralOwner) and the
//     ephemerals with their sessions, containers and TTL nodes; sequence
//     numbers go on where ZooKeeper's would.
// The workload crosses ZooKeeper snapshots (snapCount 60), so the reader
// loads a real snapshot and replays the logs after it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test/compat/child_process.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"
#include "test/integration/zk_test_client.h"
#include "test/ops/tree_walk.h"
#include "test/ops/workload.h"

namespace arbor::testing {
namespace {

using compat::ChildResult;
using compat::RunChild;

const char kSuperFlag[] = "--superdigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=";  // super:test, as zkctl.sh's ZooKeeper

bool Exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

Caller CallerOf(ZkTestClient* c) {
  return [c](proto::Request r) { return c->Call(std::move(r)); };
}

// Every znode seen through the ZooKeeper protocol on `port` as super.
Tree WalkZkAsSuper(int port) {
  ZkTestClient c;
  Tree t;
  if (c.Connect(port, 30000).timeout_ms() <= 0) {
    ADD_FAILURE() << "no session on port " << port;
    return t;
  }
  EXPECT_EQ(c.AddAuth("digest", "super:test").error(), proto::OK);
  std::string error;
  EXPECT_TRUE(WalkTree(CallerOf(&c), &t, &error)) << error;
  return t;
}

std::string NameOfPath(const std::string& p) { return p.substr(p.rfind('/') + 1); }
std::string ParentOfPath(const std::string& p) {
  size_t s = p.rfind('/');
  return s == 0 ? "/" : p.substr(0, s);
}

class ZkMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zkctl_ = std::string(ZKREF_DIR) + "/zkctl.sh";
    if (!Exists(zkctl_) || !Exists("/usr/bin/java") || !Exists("/usr/share/java/zookeeper.jar")) {
      GTEST_SKIP() << "needs " << zkctl_ << ", java and Debian's zookeeper (deploy/install-deps.sh installs them)";
    }
    base_ = MakeTempDir("arbor-zkmig");
    zk_port_ = FreePort();
    env_ = {"ZK_BASE=" + base_ + "/zk", "ZK_CLIENT_PORT_BASE=" + std::to_string(zk_port_),
            "ZK_PEER_PORT_BASE=" + std::to_string(FreePort()), "ZK_ELECTION_PORT_BASE=" + std::to_string(FreePort()),
            "ZK_HEAP=256m",
            // TTL nodes as Arbor always has them; a snapshot every ~60 txns.
            "ZK_JVM_OPTS=-Dzookeeper.extendedTypesEnabled=true -Dzookeeper.snapCount=60"};
    ChildResult started = RunChild({"/bin/bash", zkctl_, "start", "1"}, 120000, nullptr, env_);
    ASSERT_EQ(started.exit_code, 0) << started.output;
    zk_started_ = true;
  }
  void TearDown() override {
    if (zk_started_) RunChild({"/bin/bash", zkctl_, "clean"}, 60000, nullptr, env_);  // only its recorded pids
    if (!base_.empty() && getenv("ARBOR_KEEP_TEST_DATA") == nullptr) RemoveTree(base_);
  }
  void StopZk() { ASSERT_EQ(RunChild({"/bin/bash", zkctl_, "stop"}, 60000, nullptr, env_).exit_code, 0); }

  std::string zkctl_, base_;
  int zk_port_ = 0;
  std::vector<std::string> env_;
  bool zk_started_ = false;
};

TEST_F(ZkMigrationTest, WireCopyAndDataDirectoryImportEqualZooKeeper) {
  ZkTestClient owner;  // writes everything and owns the ephemerals until ZooKeeper stops
  ASSERT_GT(owner.Connect(zk_port_, 30000).timeout_ms(), 0);
  ASSERT_EQ(owner.AddAuth("digest", kAliceAuth).error(), proto::OK);
  ASSERT_EQ(WriteVariedTree(CallerOf(&owner), 300, /*ephemerals=*/true), "");
  const Tree zk = WalkZkAsSuper(zk_port_);
  ASSERT_GT(zk.size(), 300u);
  std::vector<std::string> ephemerals;
  for (const auto& [path, z] : zk) {
    if (z.stat.ephemeral_owner() != 0) ephemerals.push_back(path);
  }
  ASSERT_EQ(ephemerals.size(), 2u);

  // ---- over the wire, ZooKeeper running ----
  {
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.zk_port = FreePort();
    spec.data_dir = base_ + "/wire";
    spec.extra_flags = {kSuperFlag};
    ServerProcess arbor(spec);
    ASSERT_TRUE(arbor.Start());
    ChildResult r = RunChild({ARBOR_CLI_PATH, "-server", "127.0.0.1:" + std::to_string(spec.client_port), "import-zk",
                              "-a", "digest:super:test", "127.0.0.1:" + std::to_string(zk_port_)},
                             120000);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("skipped 2 ephemeral"), std::string::npos) << r.output;
    Tree copied = WalkZkAsSuper(spec.zk_port);
    Tree expected = zk;
    for (const std::string& e : ephemerals) {
      expected.erase(e);
      auto& kids = expected.at(ParentOfPath(e)).children;
      kids.erase(std::find(kids.begin(), kids.end(), NameOfPath(e)));
    }
    CompareOptions wire;
    wire.stat = false;  // zxids, times and versions start afresh on this path
    wire.skip = [](const std::string& p) { return p.rfind("/zookeeper", 0) == 0; };
    EXPECT_EQ(Join(DiffTrees(expected, copied, wire)), "");
    std::printf("import-zk: %zu znodes compared (data, null data, ACL, children, owner)\n", expected.size());
  }

  // ---- offline: ZooKeeper's data directory, ZooKeeper stopped ----
  StopZk();
  owner.Close();
  const std::string file = base_ + "/zk.backup";
  ChildResult imported =
      RunChild({ARBOR_ZK_IMPORT_PATH, "--zk_data_dir=" + base_ + "/zk/node1/data", "--out=" + file}, 120000);
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  std::printf("%s", imported.output.c_str());
  // The workload crossed snapshots: a real one was read and logs replayed.
  EXPECT_EQ(imported.output.find("snapshot.0:"), std::string::npos) << imported.output;
  EXPECT_NE(imported.output.find("replayed"), std::string::npos) << imported.output;

  LocalCluster restored(3, {kSuperFlag, "--restore_from=" + file}, false, /*zk=*/true);
  ASSERT_TRUE(restored.StartAll());
  Tree arbor = WalkZkAsSuper(restored.zk_port(1));
  CompareOptions all;  // every Stat field, as ZooKeeper showed it
  EXPECT_EQ(Join(DiffTrees(zk, arbor, all)), "");
  std::printf("arbor-zk-import: %zu znodes compared with every Stat field (container owner as ZooKeeper shows it: "
              "%lld)\n",
              zk.size(), static_cast<long long>(zk.at("/ops/container").stat.ephemeral_owner()));

  // What the wire hides, through the native protocol: node kinds.
  NativeTestClient native;
  ASSERT_EQ(native.ConnectPatiently(restored.client_port(0), 10000, 0, "", 0).error(), proto::OK);
  EXPECT_EQ(native.Exists("/ops/container").exists().stat().ephemeral_owner(), INT64_MIN);
  EXPECT_EQ(static_cast<uint64_t>(native.Exists("/ops/ttl").exists().stat().ephemeral_owner()),
            0xFF00000000000000ull | 3600000u);
  EXPECT_EQ(native.Exists("/ops/live").exists().stat().ephemeral_owner(), owner.session_id());
  // Sequence numbers go on from ZooKeeper's (5 created, 2 deleted under /ops/queue).
  proto::Response seq = native.Create("/ops/queue/item-", "after", proto::PERSISTENT_SEQUENTIAL);
  ASSERT_EQ(seq.error(), proto::OK);
  EXPECT_EQ(seq.create().path(), "/ops/queue/item-0000000005");
  // Zxids go on from ZooKeeper's last one.
  int64_t zk_max = 0;
  for (const auto& [path, z] : zk) zk_max = std::max({zk_max, z.stat.mzxid(), z.stat.pzxid()});
  EXPECT_GT(seq.zxid(), zk_max);
}

}  // namespace
}  // namespace arbor::testing
