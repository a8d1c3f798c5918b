// A single arbord for a test suite of arbor-cli tests, plus shorthand to
// run the cli against it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test/cli/cli_process.h"
#include "test/integration/server_process.h"

namespace arbor::testing {

class CliServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir("arbor-cli-test");
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.data_dir = dir_ + "/data";
    spec.extra_flags = {"--tick_ms=50"};
    server_ = new ServerProcess(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    RemoveTree(dir_);
  }
  static std::string Server() { return "127.0.0.1:" + std::to_string(server_->spec().client_port); }
  static const std::string& dir() { return dir_; }

  // arbor-cli -server <this server> ARGS.
  static CliResult Cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"-server", Server(), "-connect_wait_ms", "5000"});
    return RunCli(args, input);
  }

 private:
  static inline ServerProcess* server_ = nullptr;
  static inline std::string dir_;
};

}  // namespace arbor::testing
