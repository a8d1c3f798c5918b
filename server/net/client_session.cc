#include "server/net/client_session.h"

#include <glog/logging.h>

#include <algorithm>

#include "common/ops.h"

namespace arbor::net {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

using session::ConnectionStats;

ClientSession::ClientSession(Link* conn, std::unique_ptr<ClientCodec> codec,
                             ClientService* service, ClientSessionOptions options)
    : conn_(conn),
      conn_id_(conn->id()),
      codec_(std::move(codec)),
      service_(service),
      options_(options),
      pipeline_(options.max_outstanding,
                RequestPipeline::Callbacks{
                    [this](uint64_t seq, const proto::Request& r) { service_->StartAsync(this, seq, r); },
                    [this](const proto::Request& r) { return service_->RunLocal(this, r); },
                    [this](proto::Response&& r) {
                      // An async answer may have been made before a reply
                      // that leaves ahead of it: zxids a client sees never
                      // go back (every one of them has been applied here).
                      if (r.zxid() != 0 && r.zxid() < last_zxid_) r.set_zxid(last_zxid_);
                      if (r.zxid() > last_zxid_) last_zxid_ = r.zxid();
                      if (!in_flight_.empty()) {
                        if (in_flight_.front().measured) {
                          Measure(in_flight_.front(), r);
                        } else {
                          ++stats_.sent;  // refused by the codec: no latency to speak of
                        }
                        in_flight_.pop_front();
                      }
                      if (conn_ == nullptr) return;
                      std::string out;
                      codec_->EncodeResponse(r, &out);
                      conn_->Write(std::move(out));
                      if (close_after_response_) conn_->Close(Status::Ok(), /*flush_first=*/true);
                    }}),
      protocol_(metrics::ProtocolOf(codec_->name())) {}

Status ClientSession::OnData(Link* conn, std::string* input) {
  peer_ = conn->peer();
  in_on_data_ = true;
  fatal_xid_ = 0;
  fatal_code_ = proto::MARSHALLINGERROR;
  Status s = DecodeAll(conn, input);
  in_on_data_ = false;
  if (s.ok() || conn_ == nullptr || conn_->closing()) return s;
  if (options_.metrics != nullptr) options_.metrics->Rejected(metrics::Rejection::kBadFrame);
  // Tell the client why before closing (the error names the request when it
  // was readable); the connection alone goes, the server keeps serving.
  proto::Response r;
  r.set_xid(fatal_xid_);
  r.set_error(fatal_code_);
  std::string out;
  codec_->EncodeResponse(r, &out);
  conn_->Write(std::move(out));
  conn_->Close(s, /*flush_first=*/true);
  return Status::Ok();
}

Status ClientSession::DecodeAll(Link* conn, std::string* input) {
  while (conn_ != nullptr && !conn_->closing()) {
    if (state_ == State::kConnecting) {
      // Requests pipelined behind the handshake are read once the session
      // exists (CompleteConnect), not refused.
      conn->PauseReading();
      awaiting_connect_ = true;
      return Status::Ok();
    }
    if (pipeline_.full()) {
      conn->PauseReading();  // back-pressure: resume when responses drain
      if (options_.metrics != nullptr) options_.metrics->Rejected(metrics::Rejection::kPipelineFull);
      paused_ = true;
      return Status::Ok();
    }
    Decoded d;
    ARBOR_RETURN_IF_ERROR(codec_->Decode(input, &d));
    switch (d.kind) {
      case Decoded::Kind::kNeedMore:
        return Status::Ok();
      case Decoded::Kind::kRaw:
        conn->Write(std::move(d.raw));
        if (d.close_after) conn->Close(Status::Ok(), /*flush_first=*/true);
        break;
      case Decoded::Kind::kConnect:
        if (state_ != State::kAwaitConnect) {
          return Status::InvalidArgument("second handshake on one connection");
        }
        state_ = State::kConnecting;
        service_->Connect(this, d.connect);
        break;
      case Decoded::Kind::kRequest:
        ARBOR_RETURN_IF_ERROR(HandleRequest(std::move(d.request)));
        break;
      case Decoded::Kind::kAnswered:
        ++stats_.received;
        in_flight_.push_back({std::chrono::steady_clock::now(), proto::Request::OP_NOT_SET, /*measured=*/false});
        if (!pipeline_.AddAnswered(std::move(d.answer))) in_flight_.pop_back();
        break;
    }
  }
  return Status::Ok();
}

Status ClientSession::HandleRequest(proto::Request request) {
  fatal_xid_ = request.xid();
  if (state_ != State::kConnected) {
    fatal_code_ = proto::SESSIONEXPIRED;
    return Status::InvalidArgument("request (xid " + std::to_string(request.xid()) +
                                   ") before the session handshake completed");
  }
  if (request.op_case() == proto::Request::OP_NOT_SET) {
    fatal_code_ = proto::UNIMPLEMENTED;  // an operation this server does not know
    return Status::InvalidArgument("request xid " + std::to_string(request.xid()) + " has no operation");
  }
  service_->Touched(this);
  if (conn_ == nullptr || conn_->closing()) return Status::Ok();  // the service ended this connection
  bool local = service_->IsLocal(request);
  // Recorded before Add: a local request is answered inside it.
  ++stats_.received;
  stats_.last_op = ops::TraitsOf(request.op_case()).name;
  stats_.last_xid = request.xid();
  in_flight_.push_back({std::chrono::steady_clock::now(), request.op_case()});
  if (!pipeline_.Add(std::move(request), local ? RequestPipeline::Kind::kLocal : RequestPipeline::Kind::kAsync)) {
    in_flight_.pop_back();
  }
  return Status::Ok();
}

void ClientSession::CompleteConnect(const proto::ConnectResponse& response) {
  if (conn_ == nullptr) return;
  std::string out;
  codec_->EncodeConnect(response, &out);
  conn_->Write(std::move(out));
  if (response.error() != proto::OK || response.timeout_ms() <= 0) {
    state_ = State::kClosed;
    conn_->Close(Status::Ok(), /*flush_first=*/true);
    return;
  }
  session_id_ = response.session_id();
  state_ = State::kConnected;
  stats_.established_ms = WallMs();
  if (awaiting_connect_ && !in_on_data_) {
    awaiting_connect_ = false;
    conn_->ResumeReading();
    conn_->ProcessBuffered();  // requests that came right behind the handshake
  }
}

void ClientSession::Complete(uint64_t seq, proto::Response response) {
  pipeline_.Complete(seq, std::move(response));
  // Resume only from outside OnData: inside it, its own loop goes on.
  if (paused_ && !in_on_data_ && conn_ != nullptr && !pipeline_.full()) {
    paused_ = false;
    conn_->ResumeReading();
    conn_->ProcessBuffered();  // frames that arrived while paused
  }
}

void ClientSession::Measure(const InFlight& f, const proto::Response& r) {
  auto now = std::chrono::steady_clock::now();
  auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - f.start).count());
  if (options_.metrics != nullptr) options_.metrics->RequestDone(protocol_, f.op, us, r.error() != proto::OK);
  ConnectionStats& s = stats_;
  ++s.sent;
  s.last_zxid = r.zxid();
  s.last_response_ms = WallMs();
  s.last_latency_us = us;
  s.min_latency_us = s.latency_count == 0 ? us : std::min(s.min_latency_us, us);
  s.max_latency_us = std::max(s.max_latency_us, us);
  s.latency_sum_us += us;
  ++s.latency_count;
}

void ClientSession::SendEvent(const proto::WatchEvent& event) {
  if (conn_ == nullptr) return;
  ++stats_.sent;
  std::string out;
  codec_->EncodeEvent(event, &out);
  conn_->Write(std::move(out));
}

void ClientSession::Terminate(proto::ErrorCode error, const Status& why) {
  pipeline_.FailAll(error);
  if (conn_ != nullptr) conn_->Close(why, /*flush_first=*/true);
}

void ClientSession::OnClose(Link*, const Status& why) {
  conn_ = nullptr;
  state_ = State::kClosed;
  service_->Disconnected(this);
}

}  // namespace arbor::net
