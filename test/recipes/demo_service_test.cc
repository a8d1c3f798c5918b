// DemoServiceTest: the example service (client/examples) as real processes
// against arbord: one leader, config followed by all, SIGKILL hand-over.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

class DemoServiceTest : public RecipeTest {
 protected:
  struct Proc {
    pid_t pid = -1;
    std::string out;
  };
  // The fixture owns every Proc, so TearDown can still reach them after the
  // test body's scope is gone (a failed ASSERT must not leak a process).
  Proc& Spawn(const std::string& name) {
    procs_.push_back(std::make_unique<Proc>());
    Proc& p = *procs_.back();
    p.out = dir_ + "/" + name + ".out";
    std::string server = "--server=" + address(), id = "--name=" + name;
    p.pid = fork();
    if (p.pid == 0) {
      int fd = open(p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(ARBOR_DEMO_PATH, ARBOR_DEMO_PATH, server.c_str(), id.c_str(), "--session_timeout_ms=1000",
            "--work_interval_ms=50", static_cast<char*>(nullptr));
      _exit(127);
    }
    return p;
  }
  static std::string Read(const Proc& p) {
    std::ifstream f(p.out);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  static bool Has(const Proc& p, const std::string& line) { return Read(p).find(line + "\n") != std::string::npos; }
  void TearDown() override {
    for (auto& p : procs_) {
      if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, nullptr, 0);
      }
    }
    RecipeTest::TearDown();
  }
  std::vector<std::unique_ptr<Proc>> procs_;
};

TEST_F(DemoServiceTest, OneLeaderWorksAllFollowConfigAndKillHandsOver) {
  Proc& alpha = Spawn("alpha");
  ASSERT_TRUE(WaitFor([&] { return Has(alpha, "LEADER alpha"); }, 10000)) << Read(alpha);
  Proc& beta = Spawn("beta");
  ASSERT_TRUE(WaitFor([&] { return Has(beta, "STARTED beta"); }, 10000)) << Read(beta);
  EXPECT_TRUE(Has(beta, "CONFIG beta <none>"));
  ASSERT_TRUE(WaitFor([&] { return Read(alpha).find("WORK alpha") != std::string::npos; }, 5000)) << Read(alpha);
  EXPECT_EQ(Read(beta).find("LEADER beta"), std::string::npos) << "two leaders";
  TestClient admin = Connect();
  ASSERT_TRUE(admin->Create("/demo/config", "rate=5").ok());
  ASSERT_TRUE(WaitFor([&] { return Has(alpha, "CONFIG alpha rate=5") && Has(beta, "CONFIG beta rate=5"); }, 5000));
  ASSERT_EQ(kill(alpha.pid, SIGKILL), 0);
  waitpid(alpha.pid, nullptr, 0);
  alpha.pid = -1;
  ASSERT_TRUE(WaitFor([&] { return Has(beta, "LEADER beta"); }, 3000)) << Read(beta);
  ASSERT_TRUE(WaitFor([&] { return Read(beta).find("WORK beta") != std::string::npos; }, 3000)) << Read(beta);
  // beta exits cleanly on SIGTERM.
  ASSERT_EQ(kill(beta.pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(beta.pid, &status, 0), beta.pid);
  beta.pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace arbor::client::recipes
