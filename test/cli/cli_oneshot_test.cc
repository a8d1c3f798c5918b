// One-shot mode: output, exit codes (0 ok, 1 server error, 2 usage, 3 no
// server), --json, long operations with progress, `watch`.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "test/cli/cli_fixture.h"

namespace arbor::testing {
namespace {

namespace pb = google::protobuf;

// Parses one JSON document (the test fails if it does not parse).
pb::Struct ParseJson(const std::string& text) {
  pb::Struct s;
  auto st = pb::util::JsonStringToMessage(text, &s);
  EXPECT_TRUE(st.ok()) << "not JSON: " << text;
  return s;
}

using CliOneShotTest = CliServerTest;

TEST_F(CliOneShotTest, BasicCommandsPrintTheirResults) {
  CliResult r = Cli({"create", "/basic", "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Created /basic\n");
  r = Cli({"create", "-s", "/basic/seq-", "x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Created /basic/seq-0000000000\n");
  r = Cli({"get", "/basic"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello\n");
  r = Cli({"set", "/basic", "world", "-v", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"get", "-s", "/basic"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("world\ncZxid = 0x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dataVersion = 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("numChildren = 1\n"), std::string::npos) << r.out;
  r = Cli({"ls", "/basic"});
  EXPECT_EQ(r.out, "[seq-0000000000]\n");
  r = Cli({"stat", "/basic"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("dataLength = 5\n"), std::string::npos) << r.out;
  r = Cli({"sync", "/basic"});
  EXPECT_EQ(r.out, "Sync is OK\n");
  r = Cli({"delete", "/basic/seq-0000000000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"delete", "/basic"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"ls", "/"});
  EXPECT_EQ(r.out.find("basic"), std::string::npos) << r.out;
}

TEST_F(CliOneShotTest, ServerErrorsExitOneWithMeaningAndHint) {
  CliResult r = Cli({"get", "/missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("get /missing: NONODE: the node does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: "), std::string::npos) << r.err;

  ASSERT_EQ(Cli({"create", "/err"}).exit_code, 0);
  ASSERT_EQ(Cli({"create", "/err/child"}).exit_code, 0);
  r = Cli({"create", "/err"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NODEEXISTS"), std::string::npos) << r.err;
  r = Cli({"delete", "/err"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NOTEMPTY"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("deleteall"), std::string::npos) << "the hint names the way out: " << r.err;
  r = Cli({"set", "-v", "5", "/err", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("BADVERSION"), std::string::npos) << r.err;
  r = Cli({"create", "-e", "/err/eph"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The ephemeral went with that one-shot session.
  EXPECT_EQ(Cli({"stat", "/err/eph"}).exit_code, 1);
  r = Cli({"multi", "create /err/m1", "create /err/child"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("create /err/child: NODEEXISTS"), std::string::npos) << r.out;
  EXPECT_EQ(Cli({"stat", "/err/m1"}).exit_code, 1) << "a failed multi applies nothing";
  EXPECT_EQ(Cli({"deleteall", "/err"}).exit_code, 0);
}

TEST_F(CliOneShotTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"get"},                       // missing path
           {"frobnicate", "/"},           // unknown command
           {"ls", "-Z", "/"},             // unknown option
           {"set", "/x", "d", "-v", "abc"},  // bad version
           {"create", "-e", "-t", "100", "/x"},  // ttl with ephemeral
           {"setAcl", "/", "world:anyone:xyz"},  // bad permission letters
           {"delete", "/a", "/b"},        // too many arguments
       }) {
    CliResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << args[0];
  }
  CliResult bad = RunCli({"-server", "no-port-here", "ls", "/"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("bad -server"), std::string::npos) << bad.err;
  CliResult r = Cli({"ls", "-Z", "/"});
  EXPECT_NE(r.err.find("unknown option -Z"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: ls"), std::string::npos) << r.err;
}

TEST_F(CliOneShotTest, NoServerExitsThree) {
  int port = FreePort();  // nothing listens there
  CliResult r = RunCli({"-server", "127.0.0.1:" + std::to_string(port), "-connect_wait_ms", "300", "ls", "/"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("could not connect"), std::string::npos) << r.err;
  // A command without a session (help) works without a server.
  r = RunCli({"-server", "127.0.0.1:" + std::to_string(port), "help", "ls"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: ls [-R] [-s] [-w] PATH"), std::string::npos) << r.out;
}

TEST_F(CliOneShotTest, JsonOutputParses) {
  CliResult r = Cli({"--json", "create", "/js", "a \"quoted\"\nline"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out).fields().at("path").string_value(), "/js");
  r = Cli({"--json", "get", "/js"});
  ASSERT_EQ(r.exit_code, 0);
  pb::Struct got = ParseJson(r.out);
  EXPECT_EQ(got.fields().at("data").string_value(), "a \"quoted\"\nline");
  EXPECT_EQ(got.fields().at("stat").struct_value().fields().at("version").number_value(), 0);
  ASSERT_EQ(Cli({"create", "/js/k1"}).exit_code, 0);
  r = Cli({"--json", "ls", "/js"});
  pb::Struct ls = ParseJson(r.out);
  ASSERT_EQ(ls.fields().at("children").list_value().values_size(), 1);
  EXPECT_EQ(ls.fields().at("children").list_value().values(0).string_value(), "k1");
  r = Cli({"--json", "get", "/js/none"});
  EXPECT_EQ(r.exit_code, 1);
  pb::Struct err = ParseJson(r.out);
  EXPECT_FALSE(err.fields().at("ok").bool_value());
  EXPECT_EQ(err.fields().at("error").string_value(), "NONODE");
  EXPECT_EQ(err.fields().at("code").number_value(), -101);
  r = Cli({"--json", "tree", "/js"});
  EXPECT_EQ(ParseJson(r.out).fields().at("children").list_value().values(0).struct_value().fields().at("name").string_value(),
            "k1");
  r = Cli({"--json", "status"});
  pb::Struct status = ParseJson(r.out);
  ASSERT_EQ(status.fields().at("servers").list_value().values_size(), 1);
  EXPECT_TRUE(status.fields().at("servers").list_value().values(0).struct_value().fields().at("reachable").bool_value());
  for (const char* cmd : {"stat", "getAcl", "getAllChildrenNumber", "sync"}) {
    r = Cli({"--json", cmd, "/js"});
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
    EXPECT_TRUE(ParseJson(r.out).fields().at("ok").bool_value()) << cmd;
  }
}

TEST_F(CliOneShotTest, LargeSubtreeListsAndDeletesWithProgress) {
  ASSERT_EQ(Cli({"create", "/big"}).exit_code, 0);
  // 1200 children in two atomic batches.
  for (int batch = 0; batch < 2; ++batch) {
    std::vector<std::string> args = {"multi"};
    for (int i = 0; i < 600; ++i) args.push_back("create /big/n" + std::to_string(batch * 600 + i));
    CliResult r = Cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CliResult r = Cli({"ls", "-R", "/big"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1201);
  EXPECT_NE(r.err.find("listed 1000 nodes"), std::string::npos) << r.err;
  r = Cli({"getAllChildrenNumber", "/big"});
  EXPECT_EQ(r.out, "1200\n");
  r = Cli({"deleteall", "/big"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("deleted 1201/1201 nodes"), std::string::npos) << r.err;
  EXPECT_EQ(Cli({"stat", "/big"}).exit_code, 1);
}

TEST_F(CliOneShotTest, AclAndAuthPassThrough) {
  ASSERT_EQ(Cli({"create", "/acl"}).exit_code, 0);
  CliResult r = Cli({"getAcl", "/acl"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "'world,'anyone\n: cdrwa\n");
  r = Cli({"setAcl", "/acl", "world:anyone:cdr"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"getAcl", "/acl"});
  EXPECT_EQ(r.out, "'world,'anyone\n: cdr\n");
  r = Cli({"whoami"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ip: 127.0.0.1"), std::string::npos) << r.out;

  // addauth in one session (a script), then only that identity may read.
  ASSERT_EQ(Cli({"create", "/acl/secret", "s3"}).exit_code, 0);
  r = Cli({}, "addauth digest bob:pw\nsetAcl /acl/secret auth::cdrwa\ngetAcl /acl/secret\nget /acl/secret\nwhoami\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("'digest,'bob:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("digest: bob"), std::string::npos) << r.out;
  r = Cli({"get", "/acl/secret"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NOAUTH: not authorized"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("addauth"), std::string::npos) << "the hint names the way in: " << r.err;
  r = Cli({}, "addauth digest bob:pw\nget /acl/secret\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "s3\n");
}

TEST_F(CliOneShotTest, StdinScriptRunsCommandsAndBlocks) {
  CliResult r = Cli({}, "create /script a\nmulti\ncreate /script/x 1\nset /script b\nend\nget /script\nget /nope\nls /script\n");
  EXPECT_EQ(r.exit_code, 1) << "the failing get sets the exit code";
  EXPECT_NE(r.out.find("Created /script\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("set /script b: OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b\n[x]\n"), std::string::npos) << r.out;
}

TEST_F(CliOneShotTest, WatchStreamsEventsUntilCountOrInterrupt) {
  ASSERT_EQ(Cli({"create", "/w", "0"}).exit_code, 0);
  PtyCli watch({"-server", Server(), "watch", "-n", "2", "/w"}, dir());
  ASSERT_TRUE(watch.Expect("watching /w")) << watch.transcript();
  ASSERT_EQ(Cli({"set", "/w", "1"}).exit_code, 0);
  ASSERT_EQ(Cli({"set", "/w", "2"}).exit_code, 0);
  EXPECT_TRUE(watch.Expect("NodeDataChanged /w")) << watch.transcript();
  EXPECT_TRUE(watch.Expect("NodeDataChanged /w")) << watch.transcript();
  EXPECT_EQ(watch.Wait(), 0) << watch.transcript();

  PtyCli forever({"-server", Server(), "watch", "-R", "/w"}, dir());
  ASSERT_TRUE(forever.Expect("watching /w and its subtree")) << forever.transcript();
  ASSERT_EQ(Cli({"create", "/w/kid"}).exit_code, 0);
  EXPECT_TRUE(forever.Expect("NodeCreated /w/kid")) << forever.transcript();
  forever.Type("\x03");  // ^C
  EXPECT_EQ(forever.Wait(), 0) << forever.transcript();
}

}  // namespace
}  // namespace arbor::testing

namespace arbor::testing {
namespace {

// status/members against three servers: every one reachable with a zxid,
// then one killed and reported unreachable while the others still answer.
TEST(CliStatusTest, ProbesEveryServerOfTheConnectString) {
  LocalCluster cluster(3, {"--tick_ms=50"});
  ASSERT_TRUE(cluster.StartAll());
  std::string servers;
  for (int i = 0; i < 3; ++i) servers += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(cluster.client_port(i));
  CliResult r = RunCli({"-server", servers, "-connect_wait_ms", "5000", "create", "/st", "x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCli({"-server", servers, "--json", "status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pb::Struct s = ParseJson(r.out);
  const auto& list = s.fields().at("servers").list_value();
  ASSERT_EQ(list.values_size(), 3);
  int leaders = 0;
  for (const auto& v : list.values()) {
    const auto& f = v.struct_value().fields();
    EXPECT_TRUE(f.at("reachable").bool_value()) << r.out;
    EXPECT_GT(f.at("zxid").number_value(), 0) << r.out;
    EXPECT_GE(f.at("term").number_value(), 1) << r.out;
    EXPECT_GT(f.at("commit_index").number_value(), 0) << r.out;
    leaders += f.at("role").string_value() == "leader";
    EXPECT_TRUE(f.at("role").string_value() == "leader" || f.at("role").string_value() == "follower") << r.out;
  }
  EXPECT_EQ(leaders, 1) << r.out;
  cluster.server(2).Kill();
  r = RunCli({"-server", servers, "-connect_wait_ms", "1500", "members"});
  EXPECT_EQ(r.exit_code, 1) << "one server unreachable: " << r.err;
  std::string dead = "127.0.0.1:" + std::to_string(cluster.client_port(2));
  size_t at = r.out.find(dead);
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unreachable", at), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 5) << "a header, 3 servers, 1 note line: " << r.out;
  EXPECT_NE(r.out.find("leader"), std::string::npos) << r.out;
  cluster.server(0).Kill();
  cluster.server(1).Kill();
  r = RunCli({"-server", servers, "-connect_wait_ms", "1000", "--json", "status"});
  EXPECT_EQ(r.exit_code, 3) << "no server answers: " << r.out << r.err;
  EXPECT_FALSE(ParseJson(r.out).fields().at("ok").bool_value()) << r.out;
}

}  // namespace
}  // namespace arbor::testing
