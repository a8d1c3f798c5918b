#include "server/zk/zk_codec.h"

#include <glog/logging.h>

#include <deque>

#include "common/frame.h"
#include "common/zk_wire/handshake.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"

namespace arbor::zk {
namespace {

class ZkClientCodec : public net::ClientCodec {
 public:
  explicit ZkClientCodec(const ZkCodecOptions& options) : options_(options) {}
  const char* name() const override { return "zookeeper"; }

  Status Decode(std::string* input, net::Decoded* out) override {
    Status s = DecodeStream(input, out);
    // The stream cannot be resynchronised and ZooKeeper closes such a
    // connection without a reply: the session's parting error answer (xid 0)
    // would only confuse the client ("xids do not match").
    if (!s.ok()) broken_ = true;
    return s;
  }

  Status DecodeStream(std::string* input, net::Decoded* out) {
    out->kind = net::Decoded::Kind::kNeedMore;
    if (!saw_first_bytes_) {
      if (input->size() < 4) return Status::Ok();
      saw_first_bytes_ = true;
      std::string_view head(input->data(), 4);
      if (IsFourLetterWord(head)) return AnswerFourLetters(head, input, out);
    }
    std::string_view payload;
    size_t consumed = 0;
    Status s = PeekFrame(*input, options_.max_frame_bytes, &payload, &consumed);
    if (!s.ok()) {
      return Status::InvalidArgument("ZooKeeper frame refused (jute.maxbuffer is " +
                                     std::to_string(options_.max_frame_bytes) + " bytes): " + s.ToString());
    }
    if (consumed == 0) return Status::Ok();
    std::string frame(payload);
    input->erase(0, consumed);
    Count(&ZkCounters::received);
    if (!saw_handshake_) return DecodeHandshake(frame, out);
    return DecodeOne(frame, out);
  }

  void EncodeConnect(const proto::ConnectResponse& response, std::string* out) override {
    proto::ConnectResponse r = response;
    if (response.error() != proto::OK && response.error() != proto::SESSIONEXPIRED) {
      // ZooKeeper closes such connections (client ahead of this server, no
      // quorum) without an answer; the client tries its next server.
      return;
    }
    if (response.error() == proto::SESSIONEXPIRED || response.timeout_ms() <= 0) {
      r.set_timeout_ms(0);  // ZooKeeper's "session expired": timeOut 0, id 0, zero password
      r.set_session_id(0);
      r.clear_password();
    } else {
      connected_ = true;
    }
    Status s = zk_wire::EncodeConnectResponse(r, read_only_byte_, out);
    if (!s.ok()) {
      LOG(ERROR) << "ZooKeeper handshake answer not encodable: " << s.ToString();
      return;
    }
    Count(&ZkCounters::sent);
  }

  void EncodeResponse(const proto::Response& response, std::string* out) override {
    // Nothing in ZooKeeper's protocol answers a frame before the handshake,
    // nor after a stream error.
    if (!connected_ || broken_) return;
    zk_wire::ZkOpContext ctx = TakeContext(response.xid());
    if (response.zxid() > last_zxid_) last_zxid_ = response.zxid();
    Status s;
    if (response.error() == proto::QUOTAEXCEEDED || response.error() == proto::THROTTLEDOP) {
      // Codes newer than ZooKeeper 3.5's protocol: kazoo 2.8 and other older
      // clients kill their connection on a code they do not know. The
      // handshake carries no version to tell them apart, so they get
      // SYSTEMERROR (the server logs the real reason).
      proto::Response older = response;
      older.set_error(proto::SYSTEMERROR);
      s = zk_wire::EncodeResponse(ctx, older, out);
    } else {
      s = zk_wire::EncodeResponse(ctx, response, out);
    }
    if (!s.ok()) {
      // A server bug (result does not match the opcode): tell the client
      // something went wrong on the server rather than nothing.
      LOG(ERROR) << "ZooKeeper reply for opcode " << ctx.opcode << " xid " << response.xid()
                 << " not encodable: " << s.ToString();
      proto::Response err;
      err.set_xid(response.xid());
      err.set_zxid(response.zxid());
      err.set_error(proto::SYSTEMERROR);
      if (!zk_wire::EncodeResponse(ctx, err, out).ok()) return;
    }
    Count(&ZkCounters::sent);
  }

  void EncodeEvent(const proto::WatchEvent& event, std::string* out) override {
    zk_wire::EncodeWatchEvent(event, out);
    Count(&ZkCounters::sent);
  }

 private:
  // A request handed on (awaiting its Response), or one the codec refused
  // (`refused`: answered with an error header in its request's form).
  struct Pending {
    int32_t xid;
    zk_wire::ZkOpContext context;
    bool refused;
  };

  Status AnswerFourLetters(std::string_view head, std::string* input, net::Decoded* out) {
    static const ServerFacts kNoFacts;
    std::string cmd(head);
    input->clear();  // nothing after a four-letter word is read
    out->kind = net::Decoded::Kind::kRaw;
    out->raw = AnswerFourLetterWord(cmd, options_.four_letter_words,
                                    options_.facts ? options_.facts(cmd) : kNoFacts,
                                    options_.counters ? *options_.counters : ZkCounters{});
    out->close_after = true;
    return Status::Ok();
  }

  Status DecodeHandshake(const std::string& frame, net::Decoded* out) {
    auto hello = zk_wire::DecodeConnectRequest(frame);
    if (!hello.ok()) return hello.status();
    saw_handshake_ = true;
    read_only_byte_ = hello->has_read_only_byte;
    out->kind = net::Decoded::Kind::kConnect;
    out->connect = std::move(hello->request);
    return Status::Ok();
  }

  Status DecodeOne(const std::string& frame, net::Decoded* out) {
    auto zk = zk_wire::DecodeRequest(frame);
    if (!zk.ok()) return zk.status();
    if (zk->reject != proto::OK) {
      LOG_EVERY_N(INFO, 100) << "ZooKeeper request xid " << zk->request.xid() << " refused ("
                             << proto::ErrorCode_Name(zk->reject) << "): " << zk->reject_reason;
      proto::Response r;
      r.set_xid(zk->request.xid());
      r.set_zxid(last_zxid_);
      r.set_error(zk->reject);
      if (connected_ && !zk->close_after_reply) {
        // Replies go out in request order (the C client checks): the error
        // takes the request's place in the session's pipeline and comes back
        // to EncodeResponse in its turn.
        // Its context too: the opcode decides the reply's form (a ping's
        // reply says xid -2 whatever the frame said).
        pending_.push_back(Pending{zk->request.xid(), std::move(zk->context), true});
        out->kind = net::Decoded::Kind::kAnswered;
        out->answer = std::move(r);
        return Status::Ok();
      }
      // The connection closes anyway (an unknown opcode, or no session yet):
      // replies still pending are lost with it, as the client is told to go.
      std::string reply;
      if (connected_) {
        ARBOR_RETURN_IF_ERROR(zk_wire::EncodeResponse(zk->context, r, &reply));
        Count(&ZkCounters::sent);
      }
      out->kind = net::Decoded::Kind::kRaw;
      out->raw = std::move(reply);
      out->close_after = true;
      return Status::Ok();
    }
    pending_.push_back(Pending{zk->request.xid(), std::move(zk->context), false});
    out->kind = net::Decoded::Kind::kRequest;
    out->request = std::move(zk->request);
    return Status::Ok();
  }

  // The context of the request `xid` answers: the oldest pending, since the
  // session answers in request order (refused ones included); a search by
  // xid covers the error paths (a parting reply, a failed pipeline).
  zk_wire::ZkOpContext TakeContext(int32_t xid) {
    if (!pending_.empty() && pending_.front().xid == xid) {
      zk_wire::ZkOpContext ctx = std::move(pending_.front().context);
      pending_.pop_front();
      return ctx;
    }
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->refused || it->xid != xid) continue;
      zk_wire::ZkOpContext ctx = std::move(it->context);
      pending_.erase(it);
      return ctx;
    }
    return zk_wire::ZkOpContext{};  // unknown xid: only a header-only error encodes
  }

  void Count(uint64_t ZkCounters::*field) {
    if (options_.counters != nullptr) ++(options_.counters->*field);
  }

  const ZkCodecOptions options_;  // a copy: the codec may outlive the server's
  bool saw_first_bytes_ = false;
  bool saw_handshake_ = false;
  bool read_only_byte_ = false;
  bool connected_ = false;
  bool broken_ = false;  // Decode failed: the connection is closing
  int64_t last_zxid_ = 0;
  std::deque<Pending> pending_;
};

}  // namespace

std::unique_ptr<net::ClientCodec> NewZkCodec(const ZkCodecOptions& options) {
  return std::make_unique<ZkClientCodec>(options);
}

}  // namespace arbor::zk
