// The asynchronous heart of the client: a libuv loop on its own thread that
// owns the connection, the session state machine, the in-order queue of
// pending requests and the watch registry.
//
// Requests come from any thread through Submit (queued under a mutex and
// handed to the loop with uv_async). The loop assigns xids, sends in
// submission order, matches responses strictly in order, pings when idle,
// drops silent connections, reconnects to the next host with backoff,
// re-registers watches after a reconnect, and fails what cannot complete:
//  - on connection loss, sent writes complete with CONNECTIONLOSS (their
//    outcome is unknown; they are never re-sent), sent idempotent reads are
//    re-sent after reconnecting (at most max_read_retries times), unsent
//    requests wait for the reconnect;
//  - on expiry or close, everything left completes with SESSIONEXPIRED.
//
// Completion contract: a Completion runs exactly once, on the loop thread,
// and must not block (hand work to the event thread). When the request is
// refused at Submit (client closed or expired, window full, too large) it
// runs at once on the submitting thread, with the error code.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/client_connection.h"
#include "client/client_options.h"
#include "client/connect_string.h"
#include "client/event_thread.h"
#include "client/session_state_machine.h"
#include "client/watch_registry.h"
#include "client/error_codes.h"
#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::client {

class ClientCore : private ConnectionHandler {
 public:
  using Completion = std::function<void(proto::Response)>;

  // Validates the options, starts the event and loop threads and the first
  // connection attempt. Errors: InvalidArgument for a bad connect string or
  // option, IOError if libuv cannot start.
  static Result<std::unique_ptr<ClientCore>> Start(ClientOptions options);
  ~ClientCore() override;  // Close()s if needed; not from the event thread

  // Thread-safe. `request.xid` is assigned by the loop. See the completion
  // contract above.
  void Submit(proto::Request request, Completion done);

  // Sends close_session (if attached), waits up to timeout_ms for its
  // answer, then stops the loop. OK when the server acknowledged the close,
  // SESSIONEXPIRED if the session was already gone, CONNECTIONLOSS otherwise.
  // Idempotent. From the event thread it does not join that thread.
  proto::ErrorCode Close(int64_t timeout_ms);

  // Blocks until CONNECTED/RECONNECTED (true) or EXPIRED/CLOSED or timeout.
  bool WaitConnected(int64_t timeout_ms);

  SessionState state() const { return state_.load(); }
  int64_t session_id() const;
  std::string session_password() const;
  int32_t negotiated_timeout_ms() const;
  int64_t last_zxid_seen() const { return last_zxid_.load(); }
  // The host of the current (or last) attempt, as "host:port".
  std::string current_server() const;

  const Chroot& chroot() const { return chroot_; }
  EventThread* events() { return &events_; }
  const ClientOptions& options() const { return options_; }
  // Loop thread only (completions and the loop itself).
  WatchRegistry* watches() { return &watches_; }
  // Records credentials the server accepted, to be re-sent after every
  // reconnect (after set_watches), as ZooKeeper's client does. Duplicates are
  // kept once; at most kMaxAuths are kept (false past it). Loop thread only.
  bool RememberAuth(const proto::AuthRequest& auth);
  static constexpr size_t kMaxAuths = 64;

 private:
  struct Pending {
    proto::Request request;
    Completion done;  // null for internal requests (ping, set_watches, close)
    int retries_left = 0;
    int64_t queued_ms = 0;  // when the loop first queued it
    int64_t sent_ms = 0;    // when it was last written to a server
  };

  ClientCore(ClientOptions options, ConnectString cs);
  Status StartLoop();
  void LoopMain();
  static int64_t NowMs();
  static bool IsIdempotent(const proto::Request& r);

  // ConnectionHandler
  void OnConnected(ClientConnection* conn) override;
  void OnFrame(ClientConnection* conn, std::string_view payload) override;
  void OnClosed(ClientConnection* conn, const Status& why) override;

  static void AsyncCb(uv_async_t* h);
  static void TickCb(uv_timer_t* h);
  void DrainSubmissions();
  void OnTick();
  void StartAttempt();
  void HandleHandshake(const proto::ConnectResponse& r);
  void HandleResponse(proto::Response r);
  void HandleEvent(proto::WatchEvent e);
  void DropConnection(const std::string& why);
  void SendInternal(proto::Request r);
  void FlushOutbox();
  bool SendNow(Pending p);
  void Complete(Pending& p, proto::Response r);
  void FailAll(proto::ErrorCode sent_code, proto::ErrorCode unsent_code);
  void HandleTerminal();
  void BeginClose();
  void FinishClose(proto::ErrorCode result);
  void OnStateChange(SessionState from, SessionState to);
  void Kick();
  void ExpireUnsent(int64_t now_ms);

  const ClientOptions options_;
  ConnectString cs_;
  Chroot chroot_;
  EventThread events_;

  // Submission side (any thread).
  std::mutex submit_mu_;
  std::condition_variable slots_cv_;
  std::deque<Pending> submitted_;
  size_t in_flight_ = 0;  // user requests submitted and not yet completed
  bool accepting_ = true;  // false once closing, expired or closed
  bool close_requested_ = false;
  bool loop_closed_ = false;  // async_ is closed: never uv_async_send again
  int64_t close_timeout_ms_ = 0;
  std::mutex join_mu_;

  // Loop thread.
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t tick_timer_;
  uv_timer_t close_timer_;
  std::thread loop_thread_;
  SessionStateMachine sm_;
  ClientConnection* conn_ = nullptr;
  std::shared_ptr<tls::TlsContext> tls_;  // set when options_.tls
  bool handshake_done_ = false;
  size_t next_host_ = 0;
  int32_t next_xid_ = 1;
  std::deque<Pending> outbox_;  // waiting to be sent, in order
  std::deque<Pending> sent_;    // sent on conn_, awaiting answers, in order
  WatchRegistry watches_;
  std::vector<proto::AuthRequest> auths_;
  bool terminal_handled_ = false;
  bool closing_ = false;
  bool loop_done_ = false;
  int64_t tick_ms_ = 50;

  // Readable from any thread.
  std::atomic<SessionState> state_{SessionState::kConnecting};
  std::atomic<int64_t> last_zxid_{0};
  mutable std::mutex info_mu_;
  std::condition_variable state_cv_;
  int64_t session_id_ = 0;
  std::string password_;
  int32_t negotiated_timeout_ms_ = 0;
  std::string current_server_;
  bool closed_ = false;  // Close() finished
  proto::ErrorCode close_result_ = proto::OK;
};

}  // namespace arbor::client
