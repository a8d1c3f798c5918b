// MembershipTest: group membership against a real arbord.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "client/recipes/membership.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using MembershipTest = RecipeTest;
using Ids = std::vector<std::string>;

TEST_F(MembershipTest, WatcherSeesJoinsLeavesAndSessionEnds) {
  TestClient obs = Connect(), a = Connect(), b = Connect(1000);
  std::mutex mu;
  std::vector<Ids> history;
  GroupWatcher w(obs.get(), obs.events.get(), "/svc/members", [&](const Ids& ids) {
    std::lock_guard<std::mutex> l(mu);
    history.push_back(ids);
  });
  ASSERT_EQ(w.Start(), proto::OK);
  EXPECT_TRUE(w.Current().empty());
  GroupMember ma(a.get(), "/svc/members", "a", "10.0.0.1");
  GroupMember mb(b.get(), "/svc/members", "b");
  ASSERT_EQ(ma.Join(), proto::OK);
  ASSERT_EQ(ma.Join(), proto::OK) << "joining again with the same session is a no-op";
  ASSERT_TRUE(WaitFor([&] { return w.Current() == Ids{"a"}; }, 3000));
  ASSERT_EQ(mb.Join(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return w.Current() == (Ids{"a", "b"}); }, 3000));
  GroupMember impostor(obs.get(), "/svc/members", "a");
  EXPECT_EQ(impostor.Join(), proto::NODEEXISTS) << "an id held by another session";
  ASSERT_EQ(ma.Leave(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return w.Current() == Ids{"b"}; }, 3000));
  // b's client closes its session without leaving: it drops out.
  (void)b->Close();
  ASSERT_TRUE(WaitFor([&] { return w.Current().empty(); }, 5000));
  EXPECT_EQ(GroupMember::Members(obs.get(), "/svc/members").value(), Ids{});
  std::lock_guard<std::mutex> l(mu);
  ASSERT_GE(history.size(), 4u);
  EXPECT_EQ(history.front(), Ids{});
  EXPECT_EQ(history.back(), Ids{});
}

TEST_F(MembershipTest, KilledMembersSessionExpiresAndItDropsOut) {
  // Fork before this process starts any client thread: a child forked from a
  // multi-threaded process can deadlock on a lock another thread held.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ClientOptions o;
    o.connect_string = address();
    o.session_timeout_ms = 800;
    auto c = Client::Start(o);
    if (!c.ok() || !(*c)->WaitConnected(10000)) _exit(2);
    GroupMember m(c->get(), "/svc/k", "child");
    if (m.Join() != proto::OK) _exit(3);
    while (true) pause();
  }
  // Whatever happens below, the child does not outlive the test.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  TestClient obs = Connect();
  GroupWatcher w(obs.get(), obs.events.get(), "/svc/k", nullptr);
  ASSERT_EQ(w.Start(), proto::OK);
  ASSERT_TRUE(WaitFor([&] { return w.Current() == Ids{"child"}; }, 5000));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  reaper.pid = -1;
  ASSERT_TRUE(WaitFor([&] { return w.Current().empty(); }, 3000));
}

}  // namespace
}  // namespace arbor::client::recipes
