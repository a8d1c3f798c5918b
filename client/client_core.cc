#include "client/client_core.h"

#include <glog/logging.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <random>

#include "common/frame.h"
#include "common/ops.h"

namespace arbor::client {
namespace {

constexpr int32_t kPingXid = -2;

proto::Response ErrorResponse(const proto::Request& r, proto::ErrorCode code) {
  proto::Response resp;
  resp.set_xid(r.xid());
  resp.set_error(code);
  return resp;
}

SessionTiming TimingFor(const ClientOptions& o, size_t hosts) {
  SessionTiming t;
  t.requested_timeout_ms = o.session_timeout_ms;
  t.attempt_timeout_ms = o.attempt_timeout_ms > 0
                             ? o.attempt_timeout_ms
                             : std::max<int64_t>(50, o.session_timeout_ms / static_cast<int64_t>(hosts));
  t.backoff_initial_ms = o.backoff_initial_ms;
  t.backoff_max_ms = o.backoff_max_ms;
  return t;
}

Status ValidateOptions(const ClientOptions& o) {
  if (o.session_timeout_ms <= 0) return Status::InvalidArgument("session_timeout_ms must be > 0");
  if (o.max_in_flight == 0) return Status::InvalidArgument("max_in_flight must be > 0");
  if (o.max_frame_bytes < 1024) return Status::InvalidArgument("max_frame_bytes must be >= 1024");
  if (o.backoff_initial_ms < 0 || o.backoff_max_ms < o.backoff_initial_ms) {
    return Status::InvalidArgument("backoff must satisfy 0 <= backoff_initial_ms <= backoff_max_ms");
  }
  if (o.max_read_retries < 0) return Status::InvalidArgument("max_read_retries must be >= 0");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ClientCore>> ClientCore::Start(ClientOptions options) {
  ARBOR_RETURN_IF_ERROR(ValidateOptions(options));
  Result<ConnectString> cs = ParseConnectString(options.connect_string, options.chroot);
  if (!cs.ok()) return cs.status();
  uint64_t seed = options.shuffle_seed != 0 ? options.shuffle_seed : std::random_device{}();
  ShuffleHosts(&cs->hosts, seed);
  std::shared_ptr<tls::TlsContext> tls;
  if (options.tls) {
    auto ctx = tls::TlsContext::Create(tls::TlsContext::Role::kClient,
                                       tls::TlsFiles{options.tls_cert_file, options.tls_key_file,
                                                     options.tls_ca_file, tls::ClientAuth::kNone, true});
    if (!ctx.ok()) return Status::InvalidArgument("TLS: " + ctx.status().message());
    tls = *ctx;
  }
  std::unique_ptr<ClientCore> core(new ClientCore(std::move(options), std::move(cs).value()));
  core->tls_ = std::move(tls);
  ARBOR_RETURN_IF_ERROR(core->StartLoop());
  return core;
}

ClientCore::ClientCore(ClientOptions options, ConnectString cs)
    : options_(std::move(options)),
      cs_(std::move(cs)),
      chroot_(cs_.chroot),
      sm_(TimingFor(options_, cs_.hosts.size()), [this](SessionState f, SessionState t) { OnStateChange(f, t); },
          options_.session_id, options_.session_password),
      watches_(options_.max_watches) {
  tick_ms_ = options_.tick_ms > 0 ? options_.tick_ms
                                  : std::clamp<int64_t>(options_.session_timeout_ms / 20, 5, 100);
}

Status ClientCore::StartLoop() {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) return Status::IOError(std::string("uv_loop_init: ") + uv_strerror(rc));
  uv_async_init(&loop_, &async_, AsyncCb);
  async_.data = this;
  uv_timer_init(&loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_init(&loop_, &close_timer_);
  close_timer_.data = this;
  uv_timer_start(&tick_timer_, TickCb, 0, static_cast<uint64_t>(tick_ms_));
  loop_thread_ = std::thread([this] { LoopMain(); });
  return Status::Ok();
}

ClientCore::~ClientCore() {
  Close(std::min<int64_t>(options_.session_timeout_ms, 2000));
  events_.Stop();
}

void ClientCore::LoopMain() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop_);
  assert(rc == 0 && "every handle is closed before the loop ends");
  (void)rc;
}

int64_t ClientCore::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ClientCore::IsIdempotent(const proto::Request& r) { return ops::TraitsOf(r).idempotent; }

// ---- Any thread ---------------------------------------------------------------

void ClientCore::Submit(proto::Request request, Completion done) {
  assert(done);
  if (request.ByteSizeLong() + 16 > options_.max_frame_bytes) {
    LOG(WARNING) << "request of " << request.ByteSizeLong() << " bytes exceeds max_frame_bytes "
                 << options_.max_frame_bytes;
    done(ErrorResponse(request, proto::BADARGUMENTS));
    return;
  }
  std::unique_lock<std::mutex> lock(submit_mu_);
  if (accepting_ && in_flight_ >= options_.max_in_flight && options_.in_flight_wait_ms > 0) {
    slots_cv_.wait_for(lock, std::chrono::milliseconds(options_.in_flight_wait_ms),
                       [&] { return !accepting_ || in_flight_ < options_.max_in_flight; });
  }
  if (!accepting_ || in_flight_ >= options_.max_in_flight) {
    proto::ErrorCode code = accepting_ ? proto::THROTTLEDOP : proto::SESSIONEXPIRED;
    lock.unlock();
    done(ErrorResponse(request, code));
    return;
  }
  ++in_flight_;
  int retries = IsIdempotent(request) ? options_.max_read_retries : 0;
  submitted_.push_back(Pending{std::move(request), std::move(done), retries});
  uv_async_send(&async_);  // under the lock: async_ is closed only after accepting_ = false
}

proto::ErrorCode ClientCore::Close(int64_t timeout_ms) {
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    if (!close_requested_) {
      close_requested_ = true;
      close_timeout_ms_ = std::max<int64_t>(timeout_ms, 0);
      if (!loop_closed_) uv_async_send(&async_);
    }
    accepting_ = false;
  }
  slots_cv_.notify_all();
  {
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (loop_thread_.joinable()) loop_thread_.join();
  }
  std::lock_guard<std::mutex> lock(info_mu_);
  return close_result_;
}

bool ClientCore::WaitConnected(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(info_mu_);
  auto settled = [&] {
    SessionState s = state_.load();
    return s != SessionState::kConnecting && s != SessionState::kSuspended;
  };
  state_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), settled);
  SessionState s = state_.load();
  return s == SessionState::kConnected || s == SessionState::kReconnected;
}

int64_t ClientCore::session_id() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return session_id_;
}

std::string ClientCore::session_password() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return password_;
}

int32_t ClientCore::negotiated_timeout_ms() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return negotiated_timeout_ms_;
}

std::string ClientCore::current_server() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return current_server_;
}

// ---- Loop thread ----------------------------------------------------------------

void ClientCore::AsyncCb(uv_async_t* h) { static_cast<ClientCore*>(h->data)->DrainSubmissions(); }

void ClientCore::TickCb(uv_timer_t* h) { static_cast<ClientCore*>(h->data)->OnTick(); }

void ClientCore::Kick() {
  if (!loop_done_) uv_timer_start(&tick_timer_, TickCb, 0, static_cast<uint64_t>(tick_ms_));
}

void ClientCore::DrainSubmissions() {
  std::deque<Pending> batch;
  bool close_now;
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    batch.swap(submitted_);
    close_now = close_requested_;
  }
  for (Pending& p : batch) {
    if (loop_done_ || sm_.terminal()) {
      Complete(p, ErrorResponse(p.request, proto::SESSIONEXPIRED));
    } else if (!handshake_done_ && p.request.has_remove_watches() && p.request.remove_watches().local()) {
      // ZooKeeper's local removal: no server to ask, so say so at once and
      // let the completion remove the watches here.
      Complete(p, ErrorResponse(p.request, proto::CONNECTIONLOSS));
    } else {
      p.queued_ms = NowMs();
      outbox_.push_back(std::move(p));
    }
  }
  FlushOutbox();
  if (close_now && !closing_) BeginClose();
}

void ClientCore::OnTick() {
  if (loop_done_) return;
  int64_t now = NowMs();
  TickActions a = sm_.Tick(now);
  if (sm_.terminal()) {
    HandleTerminal();
    return;
  }
  if (a.abandon_attempt) DropConnection("handshake took longer than the attempt timeout");
  if (a.drop_connection) {
    DropConnection("nothing heard from the server for 2/3 of the session timeout");
  }
  if (a.send_ping) {
    proto::Request ping;
    ping.mutable_ping();
    SendInternal(std::move(ping));
  }
  if (a.start_attempt) StartAttempt();
  if (!handshake_done_) ExpireUnsent(now);
}

void ClientCore::ExpireUnsent(int64_t now_ms) {
  int64_t limit = options_.unsent_timeout_ms > 0 ? options_.unsent_timeout_ms : options_.session_timeout_ms;
  // The outbox is in queue order except for re-queued reads at its front,
  // which are older still, so expired requests form a prefix.
  while (!outbox_.empty() && now_ms - outbox_.front().queued_ms >= limit) {
    Pending p = std::move(outbox_.front());
    outbox_.pop_front();
    Complete(p, ErrorResponse(p.request, proto::CONNECTIONLOSS));
  }
}

void ClientCore::StartAttempt() {
  assert(conn_ == nullptr);
  const HostPort& host = cs_.hosts[next_host_ % cs_.hosts.size()];
  ++next_host_;
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    current_server_ = host.host + ":" + std::to_string(host.port);
  }
  int64_t now = NowMs();
  sm_.AttemptStarted(now);
  Status err;
  conn_ = ClientConnection::Open(&loop_, host, options_.max_frame_bytes, tls_.get(), this, &err);
  if (conn_ == nullptr) {
    LOG(WARNING) << "cannot connect: " << err.ToString();
    sm_.ConnectionLost(now);
  }
}

void ClientCore::OnConnected(ClientConnection* conn) {
  assert(conn == conn_);
  proto::ClientFrame frame;
  *frame.mutable_connect() = sm_.MakeConnectRequest(last_zxid_.load());
  std::string bytes;
  AppendFrame(frame.SerializeAsString(), &bytes);
  if (!conn_->Send(std::move(bytes))) DropConnection("cannot send the handshake");
}

void ClientCore::OnClosed(ClientConnection* conn, const Status& why) {
  assert(conn == conn_);
  DropConnection(why.message());
}

void ClientCore::OnFrame(ClientConnection* conn, std::string_view payload) {
  assert(conn == conn_);
  proto::ServerFrame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    DropConnection("malformed frame from the server");
    return;
  }
  if (!handshake_done_) {
    if (frame.frame_case() != proto::ServerFrame::kConnect) {
      DropConnection("server spoke before answering the handshake");
      return;
    }
    HandleHandshake(frame.connect());
    return;
  }
  switch (frame.frame_case()) {
    case proto::ServerFrame::kResponse: HandleResponse(std::move(*frame.mutable_response())); break;
    case proto::ServerFrame::kEvent: HandleEvent(std::move(*frame.mutable_event())); break;
    default: DropConnection("unexpected frame after the handshake"); break;
  }
}

void ClientCore::HandleHandshake(const proto::ConnectResponse& r) {
  switch (sm_.HandshakeAnswered(NowMs(), r)) {
    case HandshakeOutcome::kAttached:
      handshake_done_ = true;
      FlushOutbox();
      break;
    case HandshakeOutcome::kReattached: {
      handshake_done_ = true;
      // Before anything else: the server must know our watches (and fire
      // those already triggered) before it answers later reads.
      size_t budget = options_.max_frame_bytes / 2;
      for (proto::SetWatchesRequest& sw : watches_.ToSetWatches(last_zxid_.load(), chroot_, budget)) {
        proto::Request req;
        *req.mutable_set_watches() = std::move(sw);
        SendInternal(std::move(req));
      }
      for (const proto::AuthRequest& auth : auths_) {
        proto::Request req;
        *req.mutable_auth() = auth;
        SendInternal(std::move(req));
      }
      FlushOutbox();
      break;
    }
    case HandshakeOutcome::kRefused:
      LOG(INFO) << "server " << current_server() << " refused the session: " << ErrorCodeName(r.error());
      DropConnection("handshake refused");
      break;
    case HandshakeOutcome::kExpired:
      HandleTerminal();
      break;
  }
}

void ClientCore::HandleResponse(proto::Response r) {
  if (r.zxid() > last_zxid_.load()) last_zxid_.store(r.zxid());
  if (sent_.empty() || sent_.front().request.xid() != r.xid()) {
    DropConnection("response xid " + std::to_string(r.xid()) + " does not match the oldest request " +
                   (sent_.empty() ? std::string("(none)") : std::to_string(sent_.front().request.xid())));
    return;
  }
  Pending p = std::move(sent_.front());
  sent_.pop_front();
  sm_.AnswerReceived(p.sent_ms);
  if (p.request.has_close_session()) {
    FinishClose(r.error());
    return;
  }
  if (!p.done && r.error() != proto::OK) {
    LOG(WARNING) << "re-registration after reconnect (" << p.request.op_case()
                 << ") failed: " << ErrorCodeName(r.error());
  }
  Complete(p, std::move(r));
}

void ClientCore::HandleEvent(proto::WatchEvent e) {
  if (e.zxid() > last_zxid_.load()) last_zxid_.store(e.zxid());
  if (!chroot_.IsUnder(e.path())) return;  // not ours to see
  e.set_path(chroot_.ToClient(e.path()));
  for (Watcher& w : watches_.Trigger(e)) {
    if (w) events_.Post([w = std::move(w), e] { w(e); });
  }
}

bool ClientCore::RememberAuth(const proto::AuthRequest& auth) {
  for (const proto::AuthRequest& a : auths_) {
    if (a.scheme() == auth.scheme() && a.auth() == auth.auth()) return true;
  }
  if (auths_.size() >= kMaxAuths) return false;
  auths_.push_back(auth);
  return true;
}

void ClientCore::SendInternal(proto::Request r) {
  if (conn_ == nullptr || !handshake_done_) return;
  SendNow(Pending{std::move(r), nullptr, 0});
}

void ClientCore::FlushOutbox() {
  while (conn_ != nullptr && handshake_done_ && !outbox_.empty()) {
    Pending p = std::move(outbox_.front());
    outbox_.pop_front();
    if (!SendNow(std::move(p))) break;
  }
}

bool ClientCore::SendNow(Pending p) {
  assert(conn_ != nullptr && handshake_done_);
  if (p.request.has_ping()) {
    p.request.set_xid(kPingXid);
  } else {
    p.request.set_xid(next_xid_);
    next_xid_ = next_xid_ == INT32_MAX ? 1 : next_xid_ + 1;
  }
  proto::ClientFrame frame;
  *frame.mutable_request() = p.request;
  std::string bytes;
  AppendFrame(frame.SerializeAsString(), &bytes);
  if (!conn_->Send(std::move(bytes))) {
    // Not written, so it is safe to keep for the next connection.
    if (p.done) outbox_.push_front(std::move(p));
    DropConnection("write to the server failed");
    return false;
  }
  p.sent_ms = NowMs();
  sm_.FrameSent(p.sent_ms);
  sent_.push_back(std::move(p));
  return true;
}

void ClientCore::Complete(Pending& p, proto::Response r) {
  if (!p.done) return;
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    assert(in_flight_ > 0);
    --in_flight_;
  }
  slots_cv_.notify_one();
  Completion done = std::move(p.done);
  p.done = nullptr;
  done(std::move(r));
}

void ClientCore::DropConnection(const std::string& why) {
  if (conn_ == nullptr) return;
  LOG(INFO) << "connection to " << current_server() << " ended: " << why;
  conn_->Close();
  conn_ = nullptr;
  handshake_done_ = false;
  sm_.ConnectionLost(NowMs());
  // Sent reads go back to the front of the queue (in order) for the next
  // connection; sent writes may or may not have been applied: the caller
  // must learn that, so they fail. Internal requests are simply forgotten.
  std::deque<Pending> retry;
  std::deque<Pending> sent;
  sent.swap(sent_);
  for (Pending& p : sent) {
    if (!p.done) {
      continue;  // ping, set_watches (re-sent after reconnecting), close (handled below)
    } else if (IsIdempotent(p.request) && p.retries_left > 0) {
      --p.retries_left;
      retry.push_back(std::move(p));
    } else {
      Complete(p, ErrorResponse(p.request, proto::CONNECTIONLOSS));
    }
  }
  while (!retry.empty()) {
    outbox_.push_front(std::move(retry.back()));
    retry.pop_back();
  }
  if (closing_) {
    FinishClose(proto::CONNECTIONLOSS);
    return;
  }
  Kick();
}

void ClientCore::FailAll(proto::ErrorCode sent_code, proto::ErrorCode unsent_code) {
  std::deque<Pending> sent, outbox;
  sent.swap(sent_);
  outbox.swap(outbox_);
  for (Pending& p : sent) Complete(p, ErrorResponse(p.request, sent_code));
  for (Pending& p : outbox) Complete(p, ErrorResponse(p.request, unsent_code));
}

void ClientCore::HandleTerminal() {
  if (terminal_handled_) return;
  terminal_handled_ = true;
  LOG(WARNING) << "session 0x" << std::hex << sm_.session_id() << std::dec << " expired";
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    accepting_ = false;
  }
  slots_cv_.notify_all();
  if (conn_ != nullptr) {
    conn_->Close();
    conn_ = nullptr;
    handshake_done_ = false;
  }
  FailAll(proto::SESSIONEXPIRED, proto::SESSIONEXPIRED);
  watches_.Clear();
}

void ClientCore::BeginClose() {
  closing_ = true;
  int64_t timeout_ms;
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    timeout_ms = close_timeout_ms_;
  }
  if (conn_ != nullptr && handshake_done_ && !sm_.terminal()) {
    proto::Request r;
    r.mutable_close_session();
    SendInternal(std::move(r));
    uv_timer_start(
        &close_timer_, [](uv_timer_t* h) { static_cast<ClientCore*>(h->data)->FinishClose(proto::CONNECTIONLOSS); },
        static_cast<uint64_t>(timeout_ms), 0);
    return;
  }
  FinishClose(sm_.state() == SessionState::kExpired ? proto::SESSIONEXPIRED : proto::CONNECTIONLOSS);
}

void ClientCore::FinishClose(proto::ErrorCode result) {
  if (loop_done_) return;
  loop_done_ = true;
  closing_ = true;
  if (conn_ != nullptr) {
    conn_->Close();
    conn_ = nullptr;
    handshake_done_ = false;
  }
  sm_.Close();
  // Anything still sent may have been applied; anything unsent was not.
  FailAll(proto::CONNECTIONLOSS, proto::SESSIONEXPIRED);
  std::deque<Pending> late;
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    accepting_ = false;
    loop_closed_ = true;
    late.swap(submitted_);
  }
  slots_cv_.notify_all();
  for (Pending& p : late) Complete(p, ErrorResponse(p.request, proto::SESSIONEXPIRED));
  watches_.Clear();
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    close_result_ = result;
  }
  state_cv_.notify_all();
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&close_timer_), nullptr);
}

void ClientCore::OnStateChange(SessionState from, SessionState to) {
  state_.store(to);
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    session_id_ = sm_.session_id();
    password_ = sm_.password();
    negotiated_timeout_ms_ = sm_.negotiated_timeout_ms();
  }
  state_cv_.notify_all();
  LOG(INFO) << "session 0x" << std::hex << sm_.session_id() << std::dec << ": " << SessionStateName(from) << " -> "
            << SessionStateName(to);
  if (options_.session_listener) {
    SessionListener l = options_.session_listener;
    events_.Post([l, from, to] { l(from, to); });
  }
}

}  // namespace arbor::client
