#include "client/session_state_machine.h"

#include <algorithm>
#include <cassert>

namespace arbor::client {

const char* SessionStateName(SessionState s) {
  switch (s) {
    case SessionState::kConnecting: return "CONNECTING";
    case SessionState::kConnected: return "CONNECTED";
    case SessionState::kSuspended: return "SUSPENDED";
    case SessionState::kReconnected: return "RECONNECTED";
    case SessionState::kExpired: return "EXPIRED";
    case SessionState::kClosed: return "CLOSED";
  }
  return "?";
}

SessionStateMachine::SessionStateMachine(SessionTiming timing, Listener listener, int64_t session_id,
                                         std::string password)
    : timing_(timing), listener_(std::move(listener)), session_id_(session_id), password_(std::move(password)) {
  assert(timing_.requested_timeout_ms > 0 && timing_.attempt_timeout_ms > 0);
  backoff_ms_ = timing_.backoff_initial_ms;
}

void SessionStateMachine::MoveTo(SessionState next) {
  if (next == state_) return;
  SessionState from = state_;
  state_ = next;
  if (listener_) listener_(from, next);
}

proto::ConnectRequest SessionStateMachine::MakeConnectRequest(int64_t last_zxid_seen) const {
  proto::ConnectRequest r;
  r.set_protocol_version(1);
  r.set_last_zxid_seen(last_zxid_seen);
  r.set_timeout_ms(negotiated_timeout_ms_ > 0 ? negotiated_timeout_ms_ : timing_.requested_timeout_ms);
  r.set_session_id(session_id_);
  r.set_password(password_);
  return r;
}

void SessionStateMachine::AttemptStarted(int64_t now_ms) {
  assert(!terminal() && !attached() && !attempt_in_progress());
  attempt_started_ms_ = now_ms;
}

HandshakeOutcome SessionStateMachine::HandshakeAnswered(int64_t now_ms, const proto::ConnectResponse& r) {
  assert(attempt_in_progress() && !terminal());
  const int64_t handshake_sent_ms = attempt_started_ms_;
  attempt_started_ms_ = -1;
  bool had_session = session_id_ != 0;
  if (r.error() == proto::SESSIONEXPIRED || (r.error() == proto::OK && r.timeout_ms() <= 0 && had_session)) {
    MoveTo(SessionState::kExpired);
    return HandshakeOutcome::kExpired;
  }
  if (r.error() != proto::OK || r.timeout_ms() <= 0 || r.session_id() == 0 ||
      (had_session && r.session_id() != session_id_)) {
    // A server behind our last zxid, or one breaking the protocol: another
    // server may take us. The session's clock keeps running.
    ScheduleRetry(now_ms);
    return HandshakeOutcome::kRefused;
  }
  session_id_ = r.session_id();
  password_ = r.password();
  negotiated_timeout_ms_ = r.timeout_ms();
  backoff_ms_ = timing_.backoff_initial_ms;
  // The session was alive when the server took the handshake, which was
  // sent when this attempt started.
  last_recv_ms_ = handshake_sent_ms;
  last_send_ms_ = now_ms;
  if (state_ == SessionState::kSuspended) {
    MoveTo(SessionState::kReconnected);
    return HandshakeOutcome::kReattached;
  }
  MoveTo(SessionState::kConnected);
  return HandshakeOutcome::kAttached;
}

void SessionStateMachine::ScheduleRetry(int64_t now_ms) {
  int64_t cap = timing_.backoff_max_ms;
  if (state_ == SessionState::kSuspended && negotiated_timeout_ms_ > 0) {
    cap = std::min<int64_t>(cap, negotiated_timeout_ms_ / 3);
  }
  next_attempt_ms_ = now_ms + std::min(backoff_ms_, cap);
  backoff_ms_ = std::min(std::max<int64_t>(1, backoff_ms_ * 2), std::max<int64_t>(cap, 1));
}

void SessionStateMachine::ConnectionLost(int64_t now_ms) {
  if (terminal()) return;
  if (attached()) {
    // First loss after being attached: reconnect at once, to the next host.
    MoveTo(SessionState::kSuspended);
    next_attempt_ms_ = now_ms;
    backoff_ms_ = timing_.backoff_initial_ms;
    return;
  }
  if (attempt_in_progress()) {
    attempt_started_ms_ = -1;
    ScheduleRetry(now_ms);
  }
}

void SessionStateMachine::AnswerReceived(int64_t sent_ms) {
  // Only answers on an attached connection renew the session: a handshake
  // refusal from a stale server says nothing about our session.
  if (attached() && sent_ms > last_recv_ms_) last_recv_ms_ = sent_ms;
}

void SessionStateMachine::FrameSent(int64_t now_ms) { last_send_ms_ = now_ms; }

TickActions SessionStateMachine::Tick(int64_t now_ms) {
  TickActions a;
  if (terminal()) return a;
  if (attached()) {
    int64_t t = negotiated_timeout_ms_;
    if (now_ms - last_recv_ms_ >= t * 2 / 3) {
      a.drop_connection = true;
    } else if (now_ms - last_send_ms_ >= t / 3) {
      a.send_ping = true;
    }
    return a;
  }
  if (state_ == SessionState::kSuspended && now_ms - last_recv_ms_ >= negotiated_timeout_ms_) {
    // No server has heard from us for a whole session timeout: the ensemble
    // has expired (or is about to expire) the session. Stop pretending.
    attempt_started_ms_ = -1;
    a.abandon_attempt = true;
    MoveTo(SessionState::kExpired);
    return a;
  }
  if (attempt_in_progress()) {
    if (now_ms - attempt_started_ms_ >= timing_.attempt_timeout_ms) a.abandon_attempt = true;
    return a;
  }
  if (now_ms >= next_attempt_ms_) a.start_attempt = true;
  return a;
}

void SessionStateMachine::Close() {
  attempt_started_ms_ = -1;
  MoveTo(SessionState::kClosed);
}

}  // namespace arbor::client
