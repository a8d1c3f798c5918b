// The watch checker must reject a missed event, an event out of zxid order
// and a read of newer data before its event, and accept a clean history.
#include "test/fault/checker/watch_check.h"

#include <gtest/gtest.h>

namespace arbor::fault {
namespace {

WatchRecord Ev(int64_t zxid) { return WatchRecord{"w", WatchRecord::Kind::kEvent, 0, zxid, -1}; }
WatchRecord Rd(int64_t zxid, int32_t version) { return WatchRecord{"w", WatchRecord::Kind::kRead, 0, zxid, version}; }
WatchRecord Epoch() { return WatchRecord{"w", WatchRecord::Kind::kEpoch, 0, 0, -1}; }

TEST(WatchCheck, EveryChangeSeenInOrderBeforeItsDataIsAccepted) {
  auto r = CheckWatches({Rd(10, 1), Ev(12), Ev(15), Rd(15, 3), Ev(20), Rd(20, 4)});
  EXPECT_EQ(r.violation_count, 0u) << (r.violations.empty() ? "" : r.violations[0]);
  EXPECT_EQ(r.events, 3u);
}

TEST(WatchCheck, MissedEventIsRejected) {
  EXPECT_EQ(CheckWatches({Rd(10, 1), Ev(15), Rd(15, 3)}).violation_count, 1u);
}

TEST(WatchCheck, NewerDataBeforeItsEventIsRejected) {
  EXPECT_EQ(CheckWatches({Rd(10, 1), Rd(12, 2), Ev(12)}).violation_count, 1u);
}

TEST(WatchCheck, EventsOutOfZxidOrderAreRejected) {
  EXPECT_GE(CheckWatches({Rd(10, 1), Ev(15), Ev(12), Rd(15, 3)}).violation_count, 1u);
}

TEST(WatchCheck, ReadOlderThanADeliveredEventIsRejected) {
  EXPECT_EQ(CheckWatches({Rd(10, 1), Ev(12), Rd(10, 1)}).violation_count, 1u);
}

TEST(WatchCheck, AReconnectStartsANewBaseline) {
  // Changes 12 and 14 happened while disconnected: one event or none is fine.
  auto r = CheckWatches({Rd(10, 1), Epoch(), Ev(14), Rd(14, 3), Ev(16), Rd(16, 4)});
  EXPECT_EQ(r.violation_count, 0u) << (r.violations.empty() ? "" : r.violations[0]);
}

}  // namespace
}  // namespace arbor::fault
