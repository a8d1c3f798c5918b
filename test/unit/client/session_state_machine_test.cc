// The session lifecycle, driven with made-up times: every transition of the
// diagram in session_state_machine.h, heartbeats and loss detection at their
// thresholds, backoff, and the rule that an expired session never comes back.
#include "client/session_state_machine.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "client/watch_registry.h"

namespace arbor::client {
namespace {

using S = SessionState;

class SessionStateMachineTest : public ::testing::Test {
 protected:
  SessionStateMachineTest() : sm_(Timing(), [this](S f, S t) { transitions_.emplace_back(f, t); }) {}

  static SessionTiming Timing() {
    SessionTiming t;
    t.requested_timeout_ms = 3000;
    t.attempt_timeout_ms = 500;
    t.backoff_initial_ms = 10;
    t.backoff_max_ms = 400;
    return t;
  }

  static proto::ConnectResponse Ok(int64_t id, int32_t timeout_ms = 3000) {
    proto::ConnectResponse r;
    r.set_session_id(id);
    r.set_timeout_ms(timeout_ms);
    r.set_password("pw");
    return r;
  }

  static proto::ConnectResponse Error(proto::ErrorCode code) {
    proto::ConnectResponse r;
    r.set_error(code);
    return r;
  }

  // CONNECTING -> CONNECTED at time `now` with session 7 and a 3 s timeout.
  void Connect(int64_t now) {
    ASSERT_TRUE(sm_.Tick(now).start_attempt);
    sm_.AttemptStarted(now);
    ASSERT_EQ(sm_.HandshakeAnswered(now, Ok(7)), HandshakeOutcome::kAttached);
  }

  std::vector<std::pair<S, S>> transitions_;
  SessionStateMachine sm_;
};

TEST_F(SessionStateMachineTest, FirstHandshakeConnects) {
  EXPECT_EQ(sm_.state(), S::kConnecting);
  EXPECT_EQ(sm_.MakeConnectRequest(0).session_id(), 0);
  Connect(0);
  EXPECT_EQ(sm_.state(), S::kConnected);
  EXPECT_EQ(sm_.session_id(), 7);
  EXPECT_EQ(sm_.password(), "pw");
  EXPECT_EQ(sm_.negotiated_timeout_ms(), 3000);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0], std::make_pair(S::kConnecting, S::kConnected));
}

TEST_F(SessionStateMachineTest, PingsAfterAThirdOfTheTimeoutWithoutSending) {
  Connect(0);
  EXPECT_FALSE(sm_.Tick(999).send_ping);
  EXPECT_TRUE(sm_.Tick(1000).send_ping);
  sm_.FrameSent(1000);
  sm_.AnswerReceived(1000);
  EXPECT_FALSE(sm_.Tick(1500).send_ping);
  EXPECT_TRUE(sm_.Tick(2000).send_ping);
}

TEST_F(SessionStateMachineTest, DropsConnectionAfterTwoThirdsOfTheTimeoutWithoutTraffic) {
  Connect(0);
  sm_.FrameSent(1500);
  EXPECT_FALSE(sm_.Tick(1999).drop_connection);
  EXPECT_TRUE(sm_.Tick(2000).drop_connection);
  // An answer to the request sent at 1500 renews it, as of 1500.
  sm_.AnswerReceived(1500);
  EXPECT_FALSE(sm_.Tick(2000).drop_connection);
  EXPECT_TRUE(sm_.Tick(3500).drop_connection);
}

// An answer delayed in the network proves the session was alive only when
// the server took the request, not when the answer arrived: the client must
// not go on believing in it for two thirds of the timeout from the arrival.
TEST_F(SessionStateMachineTest, AnAnswerCountsFromWhenItsRequestWasSent) {
  Connect(0);
  sm_.FrameSent(100);       // a ping
  sm_.AnswerReceived(100);  // its answer arrives late, at 1900
  EXPECT_FALSE(sm_.Tick(2099).drop_connection);
  EXPECT_TRUE(sm_.Tick(2100).drop_connection);
}

TEST_F(SessionStateMachineTest, ConnectionLossSuspendsAndReconnectsAtOnce) {
  Connect(0);
  sm_.AnswerReceived(100);
  sm_.ConnectionLost(200);
  EXPECT_EQ(sm_.state(), S::kSuspended);
  TickActions a = sm_.Tick(200);
  EXPECT_TRUE(a.start_attempt);
  EXPECT_FALSE(a.send_ping);
  sm_.AttemptStarted(200);
  // The reconnect handshake carries the session and the caller's last zxid.
  proto::ConnectRequest req = sm_.MakeConnectRequest(42);
  EXPECT_EQ(req.session_id(), 7);
  EXPECT_EQ(req.password(), "pw");
  EXPECT_EQ(req.last_zxid_seen(), 42);
  EXPECT_EQ(req.timeout_ms(), 3000);
  EXPECT_EQ(sm_.HandshakeAnswered(250, Ok(7)), HandshakeOutcome::kReattached);
  EXPECT_EQ(sm_.state(), S::kReconnected);
  std::vector<std::pair<S, S>> want = {
      {S::kConnecting, S::kConnected}, {S::kConnected, S::kSuspended}, {S::kSuspended, S::kReconnected}};
  EXPECT_EQ(transitions_, want);
  // RECONNECTED behaves like CONNECTED: it can be suspended again.
  sm_.ConnectionLost(300);
  EXPECT_EQ(sm_.state(), S::kSuspended);
}

TEST_F(SessionStateMachineTest, ReattachAsksTheDriverToReRegisterWatches) {
  WatchRegistry watches;
  Connect(0);
  ASSERT_TRUE(watches.Add(WatchKind::kData, "/a", [](const proto::WatchEvent&) {}));
  ASSERT_TRUE(watches.Add(WatchKind::kPersistentRecursive, "/r", [](const proto::WatchEvent&) {}));
  sm_.ConnectionLost(10);
  sm_.AttemptStarted(10);
  ASSERT_EQ(sm_.HandshakeAnswered(20, Ok(7)), HandshakeOutcome::kReattached);
  // What the driver then sends, relative to its last zxid, chroot applied.
  auto sw = watches.ToSetWatches(99, Chroot("/app"), 1 << 16);
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(sw[0].relative_zxid(), 99);
  ASSERT_EQ(sw[0].data_watches_size(), 1);
  EXPECT_EQ(sw[0].data_watches(0), "/app/a");
  ASSERT_EQ(sw[0].persistent_recursive_watches_size(), 1);
  EXPECT_EQ(sw[0].persistent_recursive_watches(0), "/app/r");
}

TEST_F(SessionStateMachineTest, SuspendedSessionExpiresOneTimeoutAfterLastContact) {
  Connect(0);
  sm_.AnswerReceived(1000);
  sm_.ConnectionLost(1100);
  // Attempts keep failing.
  for (int64_t t = 1100; t < 3900; t += 100) {
    TickActions a = sm_.Tick(t);
    ASSERT_EQ(sm_.state(), S::kSuspended) << "at " << t;
    if (a.start_attempt) {
      sm_.AttemptStarted(t);
      sm_.ConnectionLost(t);
    }
  }
  EXPECT_EQ(sm_.state(), S::kSuspended);
  sm_.Tick(3999);
  EXPECT_EQ(sm_.state(), S::kSuspended);
  sm_.Tick(4000);  // 1000 (last contact) + 3000 (timeout)
  EXPECT_EQ(sm_.state(), S::kExpired);
  EXPECT_EQ(transitions_.back(), std::make_pair(S::kSuspended, S::kExpired));
  // Never a silent new session: no more attempts, ever.
  TickActions a = sm_.Tick(100000);
  EXPECT_FALSE(a.start_attempt || a.send_ping || a.drop_connection);
}

TEST_F(SessionStateMachineTest, ExpiryDuringSuspendedAbandonsAnAttemptInProgress) {
  Connect(0);
  sm_.ConnectionLost(0);
  ASSERT_TRUE(sm_.Tick(0).start_attempt);
  sm_.AttemptStarted(2900);
  TickActions a = sm_.Tick(3000);
  EXPECT_EQ(sm_.state(), S::kExpired);
  EXPECT_TRUE(a.abandon_attempt);
}

TEST_F(SessionStateMachineTest, HandshakeSayingExpiredExpiresASuspendedSession) {
  Connect(0);
  sm_.ConnectionLost(10);
  sm_.AttemptStarted(10);
  proto::ConnectResponse r = Error(proto::SESSIONEXPIRED);
  EXPECT_EQ(sm_.HandshakeAnswered(20, r), HandshakeOutcome::kExpired);
  EXPECT_EQ(sm_.state(), S::kExpired);
  EXPECT_FALSE(sm_.Tick(30).start_attempt);
}

TEST_F(SessionStateMachineTest, ZeroTimeoutForAKnownSessionMeansExpired) {
  Connect(0);
  sm_.ConnectionLost(10);
  sm_.AttemptStarted(10);
  EXPECT_EQ(sm_.HandshakeAnswered(20, Ok(7, /*timeout_ms=*/0)), HandshakeOutcome::kExpired);
  EXPECT_EQ(sm_.state(), S::kExpired);
}

TEST_F(SessionStateMachineTest, ResumedSessionThatIsGoneExpiresFromConnecting) {
  SessionStateMachine sm(Timing(), [this](S f, S t) { transitions_.emplace_back(f, t); }, 55, "secret");
  EXPECT_EQ(sm.MakeConnectRequest(0).session_id(), 55);
  EXPECT_EQ(sm.MakeConnectRequest(0).password(), "secret");
  sm.AttemptStarted(0);
  EXPECT_EQ(sm.HandshakeAnswered(1, Error(proto::SESSIONEXPIRED)), HandshakeOutcome::kExpired);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0], std::make_pair(S::kConnecting, S::kExpired));
}

TEST_F(SessionStateMachineTest, RefusingServerIsSkippedWithBackoffAndDoesNotRenewTheSession) {
  Connect(0);
  sm_.AnswerReceived(500);
  sm_.ConnectionLost(600);
  sm_.AttemptStarted(600);
  // A server behind our zxid refuses; the session clock keeps running.
  EXPECT_EQ(sm_.HandshakeAnswered(700, Error(proto::CONNECTIONLOSS)), HandshakeOutcome::kRefused);
  EXPECT_EQ(sm_.state(), S::kSuspended);
  EXPECT_EQ(sm_.last_contact_ms(), 500);
  EXPECT_EQ(sm_.next_attempt_ms(), 710);  // initial backoff
  EXPECT_FALSE(sm_.Tick(709).start_attempt);
  EXPECT_TRUE(sm_.Tick(710).start_attempt);
  sm_.AttemptStarted(710);
  sm_.ConnectionLost(720);
  EXPECT_EQ(sm_.next_attempt_ms(), 740);  // doubled
}

TEST_F(SessionStateMachineTest, BackoffIsCappedAtAThirdOfTheTimeoutWhileSuspended) {
  SessionTiming t = Timing();
  t.backoff_max_ms = 100000;
  SessionStateMachine sm(t, nullptr);
  sm.AttemptStarted(0);
  ASSERT_EQ(sm.HandshakeAnswered(0, Ok(3, 3000)), HandshakeOutcome::kAttached);
  sm.ConnectionLost(0);
  int64_t now = 0;
  int64_t last_gap = 0;
  for (int i = 0; i < 12; ++i) {
    sm.AttemptStarted(now);
    sm.ConnectionLost(now);
    last_gap = sm.next_attempt_ms() - now;
    now = sm.next_attempt_ms();
    if (now >= 2900) break;
  }
  EXPECT_LE(last_gap, 1000);
  EXPECT_GT(last_gap, 10);
}

TEST_F(SessionStateMachineTest, SlowHandshakeIsAbandoned) {
  ASSERT_TRUE(sm_.Tick(0).start_attempt);
  sm_.AttemptStarted(0);
  EXPECT_FALSE(sm_.Tick(499).abandon_attempt);
  EXPECT_TRUE(sm_.Tick(500).abandon_attempt);
  sm_.ConnectionLost(500);
  EXPECT_EQ(sm_.state(), S::kConnecting);  // a new session is still being sought
  EXPECT_FALSE(sm_.attempt_in_progress());
}

TEST_F(SessionStateMachineTest, FailedAttemptsBeforeTheFirstSessionStayConnecting) {
  for (int64_t t = 0; t < 5000; t += 5) {
    if (sm_.Tick(t).start_attempt) {
      sm_.AttemptStarted(t);
      sm_.ConnectionLost(t);
    }
  }
  EXPECT_EQ(sm_.state(), S::kConnecting);
  EXPECT_TRUE(transitions_.empty());
}

TEST_F(SessionStateMachineTest, DifferentSessionIdOnReconnectIsRefused) {
  Connect(0);
  sm_.ConnectionLost(10);
  sm_.AttemptStarted(10);
  EXPECT_EQ(sm_.HandshakeAnswered(20, Ok(8)), HandshakeOutcome::kRefused);
  EXPECT_EQ(sm_.state(), S::kSuspended);
  EXPECT_EQ(sm_.session_id(), 7);
}

TEST_F(SessionStateMachineTest, CloseFromEveryLiveStateEndsInClosed) {
  for (int start = 0; start < 4; ++start) {
    std::vector<std::pair<S, S>> seen;
    SessionStateMachine sm(Timing(), [&](S f, S t) { seen.emplace_back(f, t); });
    if (start >= 1) {
      sm.AttemptStarted(0);
      ASSERT_EQ(sm.HandshakeAnswered(0, Ok(1)), HandshakeOutcome::kAttached);
    }
    if (start >= 2) sm.ConnectionLost(1);
    if (start >= 3) {
      sm.AttemptStarted(1);
      ASSERT_EQ(sm.HandshakeAnswered(2, Ok(1)), HandshakeOutcome::kReattached);
    }
    S before = sm.state();
    sm.Close();
    EXPECT_EQ(sm.state(), S::kClosed);
    EXPECT_EQ(seen.back(), std::make_pair(before, S::kClosed));
    TickActions a = sm.Tick(100000);
    EXPECT_FALSE(a.start_attempt || a.send_ping || a.drop_connection);
  }
}

TEST_F(SessionStateMachineTest, ExpiredThenClosed) {
  Connect(0);
  sm_.ConnectionLost(0);
  sm_.Tick(3000);
  ASSERT_EQ(sm_.state(), S::kExpired);
  sm_.Close();
  EXPECT_EQ(transitions_.back(), std::make_pair(S::kExpired, S::kClosed));
  sm_.ConnectionLost(4000);  // ignored once terminal
  EXPECT_EQ(sm_.state(), S::kClosed);
}

}  // namespace
}  // namespace arbor::client
