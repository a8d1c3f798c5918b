#include "common/frame.h"
#include "server/net/client_codec.h"

namespace arbor::net {
namespace {

class NativeCodec : public ClientCodec {
 public:
  explicit NativeCodec(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}
  const char* name() const override { return "native"; }

  Status Decode(std::string* input, Decoded* out) override {
    std::string_view payload;
    size_t consumed = 0;
    ARBOR_RETURN_IF_ERROR(PeekFrame(*input, max_frame_bytes_, &payload, &consumed));
    out->kind = Decoded::Kind::kNeedMore;
    if (consumed == 0) return Status::Ok();
    proto::ClientFrame frame;
    if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return Status::InvalidArgument("malformed native frame of " + std::to_string(payload.size()) +
                                     " bytes (not a ClientFrame)");
    }
    input->erase(0, consumed);
    switch (frame.frame_case()) {
      case proto::ClientFrame::kConnect:
        out->kind = Decoded::Kind::kConnect;
        out->connect = std::move(*frame.mutable_connect());
        return Status::Ok();
      case proto::ClientFrame::kRequest:
        out->kind = Decoded::Kind::kRequest;
        out->request = std::move(*frame.mutable_request());
        return Status::Ok();
      default:
        return Status::InvalidArgument("native frame carries neither connect nor request");
    }
  }

  void EncodeConnect(const proto::ConnectResponse& response, std::string* out) override {
    AppendField(proto::ServerFrame::kConnectFieldNumber, response, out);
  }
  void EncodeResponse(const proto::Response& response, std::string* out) override {
    AppendField(proto::ServerFrame::kResponseFieldNumber, response, out);
  }
  void EncodeEvent(const proto::WatchEvent& event, std::string* out) override {
    AppendField(proto::ServerFrame::kEventFieldNumber, event, out);
  }

 private:
  // Writes a ServerFrame holding only `msg` as field `field`, without copying
  // msg into a ServerFrame first: tag, varint length, then msg's bytes (the
  // protobuf encoding of a one-field message).
  static void AppendField(int field, const google::protobuf::MessageLite& msg, std::string* out) {
    std::string body;
    body.push_back(static_cast<char>((field << 3) | 2));  // wire type 2: length-delimited
    size_t n = msg.ByteSizeLong();
    do {
      uint8_t b = n & 0x7F;
      n >>= 7;
      body.push_back(static_cast<char>(n ? b | 0x80 : b));
    } while (n);
    msg.AppendToString(&body);
    AppendFrame(body, out);
  }
  size_t max_frame_bytes_;
};

}  // namespace

std::unique_ptr<ClientCodec> NewNativeCodec(size_t max_frame_bytes) {
  return std::make_unique<NativeCodec>(max_frame_bytes);
}

}  // namespace arbor::net
