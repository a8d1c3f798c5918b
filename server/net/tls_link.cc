#include "server/net/tls_link.h"

#include <glog/logging.h>

#include <utility>

namespace arbor::net {

TlsLink::TlsLink(Link* inner, std::unique_ptr<tls::TlsEngine> engine, size_t max_plain_bytes)
    : inner_(inner), engine_(std::move(engine)), max_plain_bytes_(max_plain_bytes) {}

TlsLink::~TlsLink() = default;

void TlsLink::set_owned_handler(std::unique_ptr<ConnectionHandler> handler) {
  owned_handler_ = std::move(handler);
  handler_ = owned_handler_.get();
}

void TlsLink::Start() {
  Status s = engine_->Start();
  if (!s.ok()) {
    Close(s);
    return;
  }
  Flush();
}

bool TlsLink::Flush() {
  std::string out = engine_->TakeOutput();
  return out.empty() || inner_->Write(std::move(out));
}

bool TlsLink::Write(std::string bytes) {
  if (closing()) return false;
  Status s = engine_->Write(bytes);
  if (!s.ok()) {
    Close(s);
    return false;
  }
  return Flush();
}

Status TlsLink::OnData(Link*, std::string* input) {
  Status s = engine_->Feed(*input, &plain_);
  input->clear();
  // Handshake messages, alerts and session tickets go out even on failure:
  // the other side learns why (e.g. an unknown CA) rather than seeing a reset.
  Flush();
  if (!s.ok()) return s;
  if (plain_.size() > max_plain_bytes_) {
    return Status::Busy("input exceeds " + std::to_string(max_plain_bytes_) + " bytes without a complete frame");
  }
  ARBOR_RETURN_IF_ERROR(Deliver());
  if (engine_->peer_closed() && !closing()) Close(Status::Ok());
  return Status::Ok();
}

Status TlsLink::Deliver() {
  if (handler_ == nullptr || paused_ || plain_.empty() || !engine_->handshake_done()) return Status::Ok();
  return handler_->OnData(this, &plain_);
}

void TlsLink::PauseReading() {
  paused_ = true;
  inner_->PauseReading();
}

void TlsLink::ResumeReading() {
  paused_ = false;
  inner_->ResumeReading();
}

void TlsLink::ProcessBuffered() {
  if (closing()) return;
  Status s = Deliver();
  if (!s.ok()) Close(s);
}

void TlsLink::Close(const Status& why, bool flush_first) {
  if (closed_) return;
  if (flush_first) {
    engine_->Shutdown();
    Flush();
  }
  // The inner link calls OnClose below, which tells our handler.
  inner_->Close(why, flush_first);
}

void TlsLink::OnClose(Link*, const Status& why) {
  closed_ = true;
  if (handler_ != nullptr) {
    ConnectionHandler* h = handler_;
    handler_ = nullptr;
    h->OnClose(this, why);
  }
}

std::unique_ptr<ConnectionHandler> AcceptTls(Connection* conn, const tls::TlsContext& ctx, size_t max_plain_bytes,
                                             const LinkHandlerFactory& make) {
  auto engine = std::make_unique<tls::TlsEngine>(ctx.NewSsl(), tls::TlsEngine::Role::kServer);
  auto link = std::make_unique<TlsLink>(conn, std::move(engine), max_plain_bytes);
  link->set_owned_handler(make(link.get()));
  return link;
}

}  // namespace arbor::net
