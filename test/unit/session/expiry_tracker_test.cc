#include "server/session/expiry_tracker.h"

#include <gtest/gtest.h>

namespace arbor::session {
namespace {

using Ids = std::vector<int64_t>;

TEST(ExpiryTrackerTest, ExpiresOnlyAfterFullTimeout) {
  ExpiryTracker t(100);
  t.Add(1, 1000, 0);
  EXPECT_EQ(t.TakeExpired(999), Ids{});
  EXPECT_EQ(t.TakeExpired(1000), Ids{1});
}

TEST(ExpiryTrackerTest, BucketRoundingNeverShortensTimeout) {
  ExpiryTracker t(100);
  t.Add(7, 1000, 50);  // deadline 1050, bucket rounds up to 1100
  EXPECT_EQ(t.TakeExpired(1050), Ids{});
  EXPECT_EQ(t.TakeExpired(1100), Ids{7});
}

TEST(ExpiryTrackerTest, TouchPostponesExpiry) {
  ExpiryTracker t(10);
  t.Add(1, 100, 0);
  t.Add(2, 100, 0);
  EXPECT_TRUE(t.Touch(1, 90));
  EXPECT_EQ(t.TakeExpired(100), Ids{2});
  EXPECT_EQ(t.TakeExpired(189), Ids{});
  EXPECT_EQ(t.TakeExpired(190), Ids{1});
  EXPECT_FALSE(t.Touch(99, 0));
}

TEST(ExpiryTrackerTest, ExpiredSessionIsReturnedOnceUntilReinstated) {
  ExpiryTracker t(10);
  t.Add(3, 50, 0);
  EXPECT_EQ(t.TakeExpired(60), Ids{3});
  EXPECT_EQ(t.TakeExpired(1000), Ids{});  // its expiry is in flight
  EXPECT_TRUE(t.Contains(3));
  t.Reinstate(3, 1000);  // the proposal was not taken: it is offered again
  EXPECT_EQ(t.TakeExpired(1050), Ids{3});
}

// A heartbeat that arrives after the expiry was proposed must not make the
// session look live: the expiry entry commits regardless, and a resume
// validated meanwhile would hand the client a dead session (the whole-replica
// simulator found this with a slow leader disk, seed 1543).
TEST(ExpiryTrackerTest, LateTouchDoesNotReviveAnExpiringSession) {
  ExpiryTracker t(10);
  t.Add(3, 50, 0);
  EXPECT_EQ(t.TakeExpired(60), Ids{3});
  EXPECT_FALSE(t.Touch(3, 70));
  EXPECT_TRUE(t.IsExpiring(3));
  t.Add(4, 50, 0);
  t.MarkExpiring(4);  // an inherited expiry or a close in the log
  EXPECT_FALSE(t.Touch(4, 10));
  EXPECT_EQ(t.TakeExpired(100000), Ids{});
}

TEST(ExpiryTrackerTest, RemovedSessionNeverExpires) {
  ExpiryTracker t(10);
  t.Add(4, 50, 0);
  t.Remove(4);
  EXPECT_EQ(t.TakeExpired(10000), Ids{});
  EXPECT_EQ(t.size(), 0u);
}

TEST(ExpiryTrackerTest, NewLeaderRenewsEverySession) {
  ExpiryTracker t(10);
  t.Add(1, 100, 0);
  t.Add(2, 300, 0);
  // Long after both deadlines, a new leader takes over: nobody expires yet.
  t.RenewAll(5000);
  EXPECT_EQ(t.TakeExpired(5099), Ids{});
  EXPECT_EQ(t.TakeExpired(5100), Ids{1});
  EXPECT_EQ(t.TakeExpired(5300), Ids{2});
}

TEST(ExpiryTrackerTest, ExpiredIdsComeSorted) {
  ExpiryTracker t(1000);
  for (int64_t id : {9, 3, 7, 1}) t.Add(id, 500, 0);
  EXPECT_EQ(t.TakeExpired(1000), (Ids{1, 3, 7, 9}));
}

}  // namespace
}  // namespace arbor::session
