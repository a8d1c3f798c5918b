// The client's session lifecycle as a pure state machine: no sockets, no
// threads, no clock. The driver (ClientCore) feeds it events with the current
// time and does what it answers; tests drive it with made-up times.
//
//   CONNECTING --handshake ok--------------------------> CONNECTED
//   CONNECTING --handshake "expired" (resumed id)------> EXPIRED
//   CONNECTED / RECONNECTED --connection lost----------> SUSPENDED
//   SUSPENDED --handshake ok, same session-------------> RECONNECTED
//   SUSPENDED --handshake "expired"--------------------> EXPIRED
//   SUSPENDED --timeout since last server contact------> EXPIRED
//   any state but CLOSED --Close()---------------------> CLOSED
//
// While attached (CONNECTED/RECONNECTED) Tick asks for a ping after a third
// of the negotiated timeout without sending, and drops the connection after
// two thirds without an answer to a request sent in that time. Liveness is
// measured from when the answered request was *sent*, not from when its
// answer arrived: an answer held up in the network (TCP retransmitting after
// a partition) proves the session was alive only when the server took the
// request. (ZooKeeper's clients count from the arrival, which can make them
// believe in a session the ensemble has already expired.) While detached it asks for
// connection attempts, the first at once, later ones with exponential
// backoff, and abandons an attempt whose handshake takes too long. EXPIRED
// is never followed by a new session: the application decides.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "proto/client.pb.h"

namespace arbor::client {

enum class SessionState { kConnecting, kConnected, kSuspended, kReconnected, kExpired, kClosed };

const char* SessionStateName(SessionState s);

struct SessionTiming {
  int32_t requested_timeout_ms = 10000;
  // How long one attempt (TCP connect + handshake) may take before the
  // driver abandons it and tries the next host.
  int64_t attempt_timeout_ms = 2000;
  // Delay before a retry after a failed attempt: initial, doubling, capped
  // (and, while SUSPENDED, never more than a third of the session timeout, so
  // the session gets several chances before it expires).
  int64_t backoff_initial_ms = 20;
  int64_t backoff_max_ms = 1000;
};

// What the driver must do after Tick.
struct TickActions {
  bool start_attempt = false;    // open a connection to the next host, send the handshake
  bool abandon_attempt = false;  // the attempt in progress took too long: drop it
  bool send_ping = false;        // attached and idle for a third of the timeout
  bool drop_connection = false;  // attached and the server silent for 2/3 of the timeout
};

enum class HandshakeOutcome {
  kAttached,         // new session or resumed by id: CONNECTED
  kReattached,       // same session after SUSPENDED: RECONNECTED, re-send watches
  kRefused,          // this server will not take us (e.g. behind our zxid): try another
  kExpired,          // the session is gone: EXPIRED
};

class SessionStateMachine {
 public:
  // Called synchronously on every state change, with the old and new state.
  using Listener = std::function<void(SessionState from, SessionState to)>;

  // `session_id`/`password` resume an existing session (0 = new session).
  SessionStateMachine(SessionTiming timing, Listener listener, int64_t session_id = 0,
                      std::string password = "");

  SessionState state() const { return state_; }
  bool attached() const { return state_ == SessionState::kConnected || state_ == SessionState::kReconnected; }
  bool terminal() const { return state_ == SessionState::kExpired || state_ == SessionState::kClosed; }
  bool attempt_in_progress() const { return attempt_started_ms_ >= 0; }
  int64_t session_id() const { return session_id_; }
  const std::string& password() const { return password_; }
  int32_t negotiated_timeout_ms() const { return negotiated_timeout_ms_; }
  int64_t last_contact_ms() const { return last_recv_ms_; }
  int64_t next_attempt_ms() const { return next_attempt_ms_; }

  // The handshake to send for an attempt (last_zxid_seen is the driver's).
  proto::ConnectRequest MakeConnectRequest(int64_t last_zxid_seen) const;

  // The driver opened a connection and sent the handshake.
  void AttemptStarted(int64_t now_ms);
  // The server answered the handshake.
  HandshakeOutcome HandshakeAnswered(int64_t now_ms, const proto::ConnectResponse& r);
  // The connection (or attempt) ended: connect failure, EOF, read error,
  // protocol error, or the driver dropped it on our request.
  void ConnectionLost(int64_t now_ms);
  // The server answered a request this client sent at `sent_ms` (watch
  // events prove nothing: the server sends them unasked).
  void AnswerReceived(int64_t sent_ms);
  // A frame was sent to the server.
  void FrameSent(int64_t now_ms);
  // Called periodically; may move SUSPENDED to EXPIRED.
  TickActions Tick(int64_t now_ms);
  // The application closed the client (or the server acknowledged close).
  void Close();

 private:
  void MoveTo(SessionState next);
  void ScheduleRetry(int64_t now_ms);

  SessionTiming timing_;
  Listener listener_;
  SessionState state_ = SessionState::kConnecting;
  int64_t session_id_;
  std::string password_;
  int32_t negotiated_timeout_ms_ = 0;
  int64_t attempt_started_ms_ = -1;  // -1: no attempt in progress
  int64_t next_attempt_ms_ = 0;      // earliest time for the next attempt
  int64_t backoff_ms_ = 0;           // delay after the next failure
  int64_t last_recv_ms_ = -1;        // send time of the newest answered request (-1: never)
  int64_t last_send_ms_ = -1;
};

}  // namespace arbor::client
