// The interactive shell, driven through a pseudo-terminal: typing
// commands, tab completion of commands and paths, history recall (in the
// session and from the history file of an earlier one).
#include <fstream>
#include <sstream>

#include "test/cli/cli_fixture.h"

namespace arbor::testing {
namespace {

using CliShellTest = CliServerTest;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST_F(CliShellTest, TypesCommandsCompletesAndRecallsHistory) {
  ASSERT_EQ(Cli({"create", "/sh"}).exit_code, 0);
  ASSERT_EQ(Cli({"create", "/sh/beta1", "b1"}).exit_code, 0);
  ASSERT_EQ(Cli({"create", "/sh/beta2", "b2"}).exit_code, 0);
  std::string home = MakeTempDir("arbor-cli-home");
  {
    PtyCli sh({"-server", Server()}, home);
    ASSERT_TRUE(sh.Expect("(CONNECTED) 0] ")) << sh.transcript();
    sh.Type("create /sh/alpha datum-7\r");
    ASSERT_TRUE(sh.Expect("Created /sh/alpha")) << sh.transcript();
    sh.Type("ls /sh\r");
    EXPECT_TRUE(sh.Expect("[alpha, beta1, beta2]")) << sh.transcript();
    // A unique path completes in place: "/sh/al" + tab runs "get /sh/alpha".
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("get /sh/al\t\r");
    EXPECT_TRUE(sh.Expect("datum-7")) << sh.transcript();
    // Several candidates: tab extends to their common prefix, a second tab
    // lists them.
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("get /sh/b\t");
    EXPECT_TRUE(sh.Expect("eta")) << sh.transcript();
    sh.Type("\t");
    EXPECT_TRUE(sh.Expect("/sh/beta1  /sh/beta2")) << sh.transcript();
    sh.Type("2\r");
    EXPECT_TRUE(sh.Expect("b2\r\n")) << sh.transcript();
    // A command name completes too.
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("whoa\t\r");
    EXPECT_TRUE(sh.Expect("ip: 127.0.0.1")) << sh.transcript();
    // ^P recalls the previous line (whoami) and runs it again.
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("\x10\r");
    EXPECT_TRUE(sh.Expect("ip: 127.0.0.1")) << sh.transcript();
    // An error is explained, and the shell goes on.
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("get /sh/none\r");
    EXPECT_TRUE(sh.Expect("NONODE: the node does not exist")) << sh.transcript();
    EXPECT_TRUE(sh.Expect("hint:")) << sh.transcript();
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("history\r");
    EXPECT_TRUE(sh.Expect("4 - whoami\r\n5 - whoami\r\n")) << sh.transcript();
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("ls /sh\r");
    EXPECT_TRUE(sh.Expect("[alpha, beta1, beta2]")) << sh.transcript();
    ASSERT_TRUE(sh.Expect("] "));
    // ^D on an empty line ends the shell. A ^D typed in the instant before
    // libedit puts the terminal back in raw mode is taken by the cooked tty
    // and leaves a literal character on the line, so later ^Ds only beep:
    // each attempt clears the line first (^U), then sends ^D (bounded).
    int rc = -1;
    for (int attempt = 0; attempt < 5 && rc == -1; ++attempt) {
      sh.Type("\x15\x04");  // ^U ^D
      rc = sh.Wait(2000);
    }
    EXPECT_EQ(rc, 0) << sh.transcript();
  }
  std::string saved = ReadFile(home + "/.arbor_cli_history");
  EXPECT_NE(saved.find("whoami"), std::string::npos) << saved;
  {
    // A new shell recalls the last line of the previous one from the file
    // (with the up arrow this time).
    ASSERT_EQ(Cli({"create", "/sh/gamma"}).exit_code, 0);
    PtyCli sh({"-server", Server()}, home);
    ASSERT_TRUE(sh.Expect("(CONNECTED) 0] ")) << sh.transcript();
    sh.Type("\x1b[A\r");
    EXPECT_TRUE(sh.Expect("[alpha, beta1, beta2, gamma]")) << sh.transcript();
    ASSERT_TRUE(sh.Expect("] "));
    sh.Type("quit\r");
    EXPECT_EQ(sh.Wait(), 0) << sh.transcript();
  }
  RemoveTree(home);
}

TEST_F(CliShellTest, MultiBlockTreeAndSessionCommands) {
  std::string home = MakeTempDir("arbor-cli-home");
  PtyCli sh({"-server", Server()}, home);
  ASSERT_TRUE(sh.Expect("(CONNECTED) 0] ")) << sh.transcript();
  // ^C at the prompt does not end the shell (nor its session).
  sh.Type("half-typed\x03");
  sh.Type("sync /\r");
  EXPECT_TRUE(sh.Expect("Sync is OK")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("multi\r");
  ASSERT_TRUE(sh.Expect("multi> ")) << sh.transcript();
  sh.Type("create /blk\r");
  ASSERT_TRUE(sh.Expect("multi> "));
  sh.Type("create /blk/one 1\r");
  ASSERT_TRUE(sh.Expect("multi> "));
  sh.Type("end\r");
  EXPECT_TRUE(sh.Expect("create /blk/one 1: OK (created /blk/one)")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("tree /blk\r");
  EXPECT_TRUE(sh.Expect("└── one")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("create -e /blk/eph\r");
  ASSERT_TRUE(sh.Expect("Created /blk/eph")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("getEphemerals\r");
  EXPECT_TRUE(sh.Expect("[/blk/eph]")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("addWatch /blk\r");
  ASSERT_TRUE(sh.Expect("] "));
  ASSERT_EQ(Cli({"set", "/blk", "changed"}).exit_code, 0);
  EXPECT_TRUE(sh.Expect("WatchedEvent state:SyncConnected type:NodeDataChanged path:/blk")) << sh.transcript();
  // `watch` streams until ^C, which ends the stream but not the shell. (The
  // event above printed after the prompt, so no new prompt to wait for.)
  sh.Type("watch /blk\r");
  ASSERT_TRUE(sh.Expect("watching /blk (^C to stop)")) << sh.transcript();
  ASSERT_EQ(Cli({"set", "/blk", "again"}).exit_code, 0);
  EXPECT_TRUE(sh.Expect("NodeDataChanged /blk")) << sh.transcript();
  sh.Type("\x03");
  ASSERT_TRUE(sh.Expect("] ")) << sh.transcript();
  sh.Type("get /blk\r");
  EXPECT_TRUE(sh.Expect("again")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("close\r");
  EXPECT_TRUE(sh.Expect("Session closed")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("(CLOSED)")) << sh.transcript();
  sh.Type("ls /blk\r");
  EXPECT_TRUE(sh.Expect("not connected")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("connect\r");
  EXPECT_TRUE(sh.Expect("Connected to 127.0.0.1")) << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("ls /blk\r");
  EXPECT_TRUE(sh.Expect("[one]")) << "the ephemeral went with the closed session: " << sh.transcript();
  ASSERT_TRUE(sh.Expect("] "));
  sh.Type("exit\r");
  EXPECT_EQ(sh.Wait(), 0) << sh.transcript();
  RemoveTree(home);
}

}  // namespace
}  // namespace arbor::testing
