// Online backup -> restore -> compare, with real processes: a 3-node cluster
// under a concurrent writer is backed up with `arbor-cli backup` through a
// follower; a new 3-node cluster seeded with `arbord --restore_from` must hold
// exactly the source's state at the backup's zxid: every znode with its data,
// Stat (zxids, times, versions, owner) and ACL; the writer's nodes a gapless
// prefix that includes every write acknowledged before the backup began.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "test/compat/child_process.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"
#include "test/ops/tree_walk.h"
#include "test/ops/workload.h"

namespace arbor::testing {
namespace {

using compat::ChildResult;
using compat::RunChild;

// super:test, as ZooKeeper's tests use it.
const char kSuperFlag[] = "--superdigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=";

proto::Response Auth(NativeTestClient* c, const std::string& user_password) {
  proto::Request r;
  r.mutable_auth()->set_scheme("digest");
  r.mutable_auth()->set_auth(user_password);
  return c->Call(r);
}

Caller CallerOf(NativeTestClient* c) {
  return [c](proto::Request r) { return c->Call(std::move(r)); };
}

// Every znode seen by a super session on `port`, after a sync.
Tree WalkAsSuper(int port) {
  NativeTestClient c;
  EXPECT_EQ(c.ConnectPatiently(port, 10000, 0, "", 0, 10000).error(), proto::OK);
  EXPECT_EQ(Auth(&c, "super:test").error(), proto::OK);
  EXPECT_EQ(c.Sync("/").error(), proto::OK);
  Tree t;
  std::string error;
  EXPECT_TRUE(WalkTree(CallerOf(&c), &t, &error)) << error;
  return t;
}

int64_t JsonInt(const std::string& out, const std::string& key) {
  size_t at = out.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(out.substr(at + key.size() + 3));
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("arbor-backup"); }
  void TearDown() override {
    if (getenv("ARBOR_KEEP_TEST_DATA") == nullptr) RemoveTree(dir_);
  }
  std::string dir_;
};

TEST_F(BackupRestoreTest, RestoredClusterEqualsSourceAtBackupZxid) {
  LocalCluster src(3, {kSuperFlag, "--tick_ms=50"});
  ASSERT_TRUE(src.StartAll());
  NativeTestClient owner;  // owns the ephemerals; stays connected throughout
  ASSERT_EQ(owner.ConnectPatiently(src.client_port(0), 30000, 0, "", 0).error(), proto::OK);
  ASSERT_EQ(Auth(&owner, kAliceAuth).error(), proto::OK);
  ASSERT_EQ(WriteVariedTree(CallerOf(&owner), 500, /*ephemerals=*/true), "");
  ASSERT_EQ(owner.Create("/load", "").error(), proto::OK);

  // A writer that never stops while the backup runs: k000000, k000001, ...
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::thread writer([&] {
    NativeTestClient w;
    if (w.ConnectPatiently(src.client_port(2), 10000, 0, "", 0).error() != proto::OK) return;
    for (int i = 0; !stop; ++i) {
      char path[32];
      std::snprintf(path, sizeof(path), "/load/k%06d", i);
      if (w.Create(path, std::to_string(i)).error() != proto::OK) return;
      acked = i + 1;
    }
  });
  while (acked < 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const int acked_before = acked;
  const std::string file = dir_ + "/cluster.backup";
  // Through a follower's port (server 1 is a follower unless it leads).
  ChildResult b = RunChild({ARBOR_CLI_PATH, "-server", "127.0.0.1:" + std::to_string(src.client_port(1)), "--json",
                            "backup", file},
                           60000);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const int64_t zxid = JsonInt(b.output, "zxid");
  ASSERT_GT(zxid, 0) << b.output;
  while (acked < acked_before + 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  writer.join();
  ASSERT_GE(acked, acked_before + 50) << "the writer failed";

  ChildResult check = RunChild({ARBOR_DUMP_PATH, "--backup=" + file}, 30000);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("zxid=" + std::to_string(zxid)), std::string::npos) << check.output;

  Tree source = WalkAsSuper(src.client_port(0));
  // What the backup must hold: the source as of zxid. The writer only
  // creates under /load, so that is every node created at or before zxid,
  // with /load's child list cut there.
  Tree expected;
  for (const auto& [path, z] : source) {
    if (z.stat.czxid() <= zxid) expected[path] = z;
  }
  Znode& load = expected.at("/load");
  std::vector<std::string> kept;
  for (const std::string& c : load.children) {
    if (expected.count("/load/" + c)) kept.push_back(c);
  }
  load.children = kept;
  for (const auto& [path, z] : expected) {
    if (path != "/load") {
      ASSERT_LE(z.stat.mzxid(), zxid) << path << " changed after the backup";
    }
  }

  // The varied tree: 475 of its 500 bulk nodes (25 are deleted by the churn) and ~35 others.
  ASSERT_GT(expected.size() - load.children.size(), 500u);
  LocalCluster dst(3, {kSuperFlag, "--tick_ms=50", "--restore_from=" + file});
  ASSERT_TRUE(dst.StartAll());
  Tree restored = WalkAsSuper(dst.client_port(2));
  CompareOptions everything;
  everything.skip = [](const std::string& p) { return p == "/load"; };  // its stat moved on in the source
  EXPECT_EQ(Join(DiffTrees(expected, restored, everything)), "");
  std::printf("backup at zxid %lld: %zu znodes compared (data, Stat, ACL); %d of the writer's creates acknowledged "
              "before it, %zu in it\n",
              static_cast<long long>(zxid), expected.size(), acked_before, load.children.size());
  // /load: a gapless prefix of the writer's creates, with every create
  // acknowledged before the backup started (the sync made it a ReadIndex
  // point), and the stat that prefix implies.
  ASSERT_TRUE(restored.count("/load"));
  const Znode& rl = restored.at("/load");
  EXPECT_EQ(rl.children, load.children);
  ASSERT_GE(static_cast<int>(rl.children.size()), acked_before);
  for (size_t i = 0; i < rl.children.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "k%06zu", i);
    ASSERT_EQ(rl.children[i], name);
  }
  EXPECT_EQ(rl.stat.num_children(), static_cast<int32_t>(rl.children.size()));
  EXPECT_EQ(rl.stat.cversion(), static_cast<int32_t>(rl.children.size()));
  EXPECT_EQ(rl.data, load.data);
  EXPECT_EQ(rl.stat.czxid(), load.stat.czxid());
  EXPECT_LE(rl.stat.pzxid(), zxid);
  // The ephemerals came back with their owner's session.
  ASSERT_TRUE(restored.count("/ops/live"));
  EXPECT_EQ(restored.at("/ops/live").stat.ephemeral_owner(), owner.session_id());

  // The restored cluster goes on from there.
  NativeTestClient after;
  ASSERT_EQ(after.ConnectPatiently(dst.client_port(0), 10000, 0, "", 0).error(), proto::OK);
  proto::Response created = after.Create("/after-restore", "x");
  ASSERT_EQ(created.error(), proto::OK);
  EXPECT_GT(created.zxid(), zxid);
  after.Close();

  // Restarting a seeded server with the same flags keeps its state.
  ASSERT_TRUE(dst.server(0).Terminate());
  ASSERT_TRUE(dst.server(0).Start());
  Tree again = WalkAsSuper(dst.client_port(0));
  EXPECT_TRUE(again.count("/after-restore"));
  EXPECT_EQ(again.at("/ops/versioned").stat.SerializeAsString(),
            expected.at("/ops/versioned").stat.SerializeAsString());
}

TEST_F(BackupRestoreTest, RestoreRefusesCorruptFilesAndUsedDirectories) {
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir_ + "/source";
  spec.extra_flags = {kSuperFlag};
  ServerProcess source(spec);
  ASSERT_TRUE(source.Start());
  {
    NativeTestClient c;
    ASSERT_EQ(c.ConnectPatiently(spec.client_port, 10000, 0, "", 0).error(), proto::OK);
    ASSERT_EQ(Auth(&c, kAliceAuth).error(), proto::OK);
    ASSERT_EQ(WriteVariedTree(CallerOf(&c), 20, false), "");
  }
  const std::string file = dir_ + "/single.backup";
  ChildResult b =
      RunChild({ARBOR_CLI_PATH, "-server", "127.0.0.1:" + std::to_string(spec.client_port), "backup", file}, 60000);
  ASSERT_EQ(b.exit_code, 0) << b.output;

  struct Restoring {
    std::unique_ptr<ServerProcess> process;
    bool started = false;
    std::string log;
  };
  auto start_restoring = [&](const std::string& data_dir, const std::string& from) {
    ServerSpec s;
    s.client_port = FreePort();
    s.peer_port = FreePort();
    s.data_dir = data_dir;
    s.extra_flags = {"--restore_from=" + from};
    Restoring r;
    r.process = std::make_unique<ServerProcess>(s);
    r.started = r.process->Start(true, 10000);
    std::ifstream in(r.process->log_path());
    r.log.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return r;
  };

  // One flipped byte in the middle of the state: refused, nothing created.
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 1000u);
  bytes[bytes.size() / 2] ^= 0x20;
  const std::string corrupt = dir_ + "/corrupt.backup";
  std::ofstream(corrupt, std::ios::binary) << bytes;
  Restoring bad = start_restoring(dir_ + "/from-corrupt", corrupt);
  EXPECT_FALSE(bad.started);
  EXPECT_NE(bad.log.find("--restore_from failed"), std::string::npos) << bad.log;
  EXPECT_NE(bad.log.find("checksum mismatch"), std::string::npos) << bad.log;
  EXPECT_NE(access((dir_ + "/from-corrupt/INITIALIZED").c_str(), F_OK), 0) << "a refused restore touched the dir";

  // A directory that holds a server's state is never overwritten.
  ASSERT_TRUE(source.Terminate());
  Restoring used = start_restoring(spec.data_dir, file);
  EXPECT_FALSE(used.started);
  EXPECT_NE(used.log.find("already holds a server's state"), std::string::npos) << used.log;

  // A directory seeded from one backup starts again with the same flag, and
  // refuses another backup.
  Restoring seeded = start_restoring(dir_ + "/seeded", file);
  ASSERT_TRUE(seeded.started) << seeded.log;
  const int seeded_port = seeded.process->spec().client_port;
  {
    NativeTestClient c;
    ASSERT_EQ(c.ConnectPatiently(seeded_port, 10000, 0, "", 0).error(), proto::OK);
    ASSERT_EQ(c.Create("/later", "").error(), proto::OK);
  }
  const std::string later = dir_ + "/later.backup";
  ChildResult b2 =
      RunChild({ARBOR_CLI_PATH, "-server", "127.0.0.1:" + std::to_string(seeded_port), "backup", later}, 60000);
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  ASSERT_TRUE(seeded.process->Terminate());
  ASSERT_TRUE(seeded.process->Start()) << "restart with the same --restore_from";
  ASSERT_TRUE(seeded.process->Terminate());
  Restoring other = start_restoring(dir_ + "/seeded", later);
  EXPECT_FALSE(other.started);
  EXPECT_NE(other.log.find("was seeded from another backup"), std::string::npos) << other.log;
}

TEST_F(BackupRestoreTest, BackupNeedsSuperOrAnAllowedAddress) {
  ServerSpec spec;
  spec.client_port = FreePort();
  spec.peer_port = FreePort();
  spec.data_dir = dir_ + "/data";
  spec.extra_flags = {kSuperFlag, "--backup_allow_ips="};
  ServerProcess server(spec);
  ASSERT_TRUE(server.Start());
  const std::string hostport = "127.0.0.1:" + std::to_string(spec.client_port);
  const std::string file = dir_ + "/denied.backup";
  ChildResult denied = RunChild({ARBOR_CLI_PATH, "-server", hostport, "backup", file}, 30000);
  EXPECT_EQ(denied.exit_code, 1) << denied.output;
  EXPECT_NE(access(file.c_str(), F_OK), 0);
  EXPECT_NE(access((file + ".tmp").c_str(), F_OK), 0);
  // As super (commands from stdin run in one session).
  ChildResult allowed = RunChild({"/bin/sh", "-c",
                                  "printf 'addauth digest super:test\\nbackup " + file + "\\n' | " ARBOR_CLI_PATH
                                  " -server " + hostport},
                                 30000);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  EXPECT_EQ(access(file.c_str(), F_OK), 0) << allowed.output;
}

}  // namespace
}  // namespace arbor::testing
