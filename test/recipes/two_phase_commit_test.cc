// TwoPhaseCommitTest: the 2PC coordinator and sites against a real arbord.
#include <atomic>
#include <thread>
#include <vector>

#include "client/recipes/two_phase_commit.h"
#include "test/recipes/recipe_test_support.h"

namespace arbor::client::recipes {
namespace {

using TwoPhaseCommitTest = RecipeTest;

// Runs a transaction over `sites` threads; site i votes votes[i] (or never,
// when it is absent from `votes`). Returns what every party concluded.
std::vector<TxnOutcome> RunTxn(std::vector<TestClient>* clients, const std::string& txn,
                            const std::vector<int>& votes, int64_t decide_ms) {
  std::vector<std::string> sites;
  for (size_t i = 0; i < clients->size(); ++i) sites.push_back("s" + std::to_string(i));
  TwoPhaseCommit coord((*clients)[0].get(), txn);
  EXPECT_EQ(coord.Begin(sites), proto::OK);
  std::vector<TxnOutcome> seen(clients->size() + 1, TxnOutcome::kPending);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients->size(); ++i) {
    threads.emplace_back([&, i] {
      TwoPhaseCommit site((*clients)[i].get(), txn);
      if (i < votes.size() && votes[i] >= 0) {
        EXPECT_EQ(site.Vote(sites[i], votes[i] == 1), proto::OK);
      }
      auto o = site.AwaitOutcome(5000);
      if (o.ok()) seen[i] = o.value();
    });
  }
  auto d = coord.Decide(decide_ms);
  EXPECT_TRUE(d.ok());
  seen.back() = d.ok() ? d.value() : TxnOutcome::kPending;
  for (auto& th : threads) th.join();
  return seen;
}

std::vector<TestClient> Clients(int n, const std::function<TestClient()>& connect) {
  std::vector<TestClient> v;
  for (int i = 0; i < n; ++i) v.push_back(connect());
  return v;
}

TEST_F(TwoPhaseCommitTest, AllCommitVotesCommitEverywhere) {
  auto clients = Clients(3, [&] { return Connect(); });
  auto seen = RunTxn(&clients, "/txns/t1", {1, 1, 1}, 5000);
  for (TxnOutcome o : seen) EXPECT_EQ(o, TxnOutcome::kCommit) << TxnOutcomeName(o);
}

TEST_F(TwoPhaseCommitTest, OneAbortVoteAbortsEverywhere) {
  auto clients = Clients(3, [&] { return Connect(); });
  auto seen = RunTxn(&clients, "/txns/t2", {1, 0, 1}, 5000);
  for (TxnOutcome o : seen) EXPECT_EQ(o, TxnOutcome::kAbort) << TxnOutcomeName(o);
}

// A site that never votes: the coordinator aborts at its timeout, and the
// late vote is refused (it cannot turn the outcome into a commit).
TEST_F(TwoPhaseCommitTest, MissingVoteTimesOutToAbortAndLateVotesAreRefused) {
  auto clients = Clients(3, [&] { return Connect(); });
  auto seen = RunTxn(&clients, "/txns/t3", {1, 1, -1}, 300);
  for (TxnOutcome o : seen) EXPECT_EQ(o, TxnOutcome::kAbort) << TxnOutcomeName(o);
  TwoPhaseCommit late(clients[2].get(), "/txns/t3");
  EXPECT_EQ(late.Vote("s2", true), proto::BADVERSION);
  EXPECT_EQ(late.Outcome().value(), TxnOutcome::kAbort);
  TwoPhaseCommit none(clients[0].get(), "/txns/absent");
  EXPECT_EQ(none.Vote("s0", true), proto::NONODE);
}

TEST_F(TwoPhaseCommitTest, FirstDecisionIsFinal) {
  auto clients = Clients(2, [&] { return Connect(); });
  TwoPhaseCommit coord(clients[0].get(), "/txns/t4");
  ASSERT_EQ(coord.Begin({"s0", "s1"}), proto::OK);
  ASSERT_EQ(coord.Vote("s0", true), proto::OK);
  EXPECT_EQ(coord.Vote("s0", false), proto::BADVERSION) << "one vote per site";
  EXPECT_EQ(coord.Vote("nobody", true), proto::BADARGUMENTS);
  EXPECT_EQ(coord.Decide(100).value(), TxnOutcome::kAbort);  // s1 silent
  TwoPhaseCommit other(clients[1].get(), "/txns/t4");
  EXPECT_EQ(other.Decide(100).value(), TxnOutcome::kAbort) << "a second coordinator sees the same decision";
}

}  // namespace
}  // namespace arbor::client::recipes
