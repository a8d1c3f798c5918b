// A few seconds of arbor-bench against a real single-node arbord on its
// ZooKeeper port (label integration, so CI runs it): every op of the mix
// round-trips, every reply decodes as a client library would (-verify), and
// without -verify the bench's hot path allocates nothing. No timing is
// asserted: figures depend on the machine.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

// Runs arbor-bench and returns its last stdout line (the JSON result).
std::string RunBench(const std::string& args, int* exit_code) {
  std::string cmd = std::string(ARBOR_BENCH_PATH) + " " + args + " -json_only -quiet 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {};
  std::string out, last;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) {
    out += buf;
    std::string line(buf);
    if (!line.empty() && line[0] == '{') last = line;
  }
  int st = pclose(p);
  *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (last.empty()) ADD_FAILURE() << "no JSON line from arbor-bench:\n" << out;
  return last;
}

// The number after "key": in a flat JSON line (first occurrence).
double Field(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

class BenchSmoke : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("bench-smoke");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.zk_port = FreePort();
    spec.data_dir = dir_ + "/data";
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  std::string Server() const { return "127.0.0.1:" + std::to_string(server_->spec().zk_port); }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

constexpr const char* kEveryOp = "create=1,set=1,get=1,exists=1,children=1,delete=1,multi=1,lock=1,watch=1";

TEST_F(BenchSmoke, EveryOpRoundTripsOnTheZooKeeperPort) {
  int rc = 0;
  std::string j = RunBench("-server " + Server() + " -protocol zk -threads 2 -sessions 4 -depth 4 -keyspace 100 -mix " +
                               kEveryOp + " -warmup_seconds 0.5 -seconds 1.5 -verify",
                           &rc);
  EXPECT_EQ(rc, 0) << j;
  EXPECT_GT(Field(j, "total_ops"), 0) << j;
  EXPECT_EQ(Field(j, "errors"), 0) << j;
  EXPECT_EQ(Field(j, "desyncs"), 0) << j;
  EXPECT_EQ(Field(j, "sessions_lost"), 0) << j;
  for (const char* op : {"create", "set", "get", "exists", "children", "delete", "multi", "lock", "watch"}) {
    EXPECT_NE(j.find(std::string("\"") + op + "\":{\"count\":"), std::string::npos) << op << " never completed: " << j;
  }
}

TEST_F(BenchSmoke, HotPathAllocatesNothing) {
  int rc = 0;
  std::string j = RunBench("-server " + Server() + " -protocol zk -threads 2 -sessions 4 -depth 8 -keyspace 100 -mix " +
                               kEveryOp + " -warmup_seconds 0.5 -seconds 1",
                           &rc);
  EXPECT_EQ(rc, 0) << j;
  EXPECT_GT(Field(j, "total_ops"), 0) << j;
  EXPECT_EQ(Field(j, "allocs_per_op"), 0) << j;
}

TEST_F(BenchSmoke, NativeProtocolAndIdleSessions) {
  int rc = 0;
  std::string native = "127.0.0.1:" + std::to_string(server_->spec().client_port);
  std::string j = RunBench("-server " + native + " -protocol native -threads 2 -sessions 2 -depth 4 -keyspace 100 -mix " +
                               std::string(kEveryOp) + " -idle_sessions 50 -warmup_seconds 0.5 -seconds 1 -verify",
                           &rc);
  EXPECT_EQ(rc, 0) << j;
  EXPECT_GT(Field(j, "total_ops"), 0) << j;
  EXPECT_EQ(Field(j, "desyncs"), 0) << j;
  EXPECT_EQ(Field(j, "idle_sessions_alive"), 50) << j;
  EXPECT_EQ(Field(j, "idle_sessions_lost"), 0) << j;
}

}  // namespace
}  // namespace arbor::testing
