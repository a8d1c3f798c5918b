// Target jute: the ZooKeeper wire codec in common/zk_wire, one entry point
// per mode (the first input byte):
//   0  DecodeConnectRequest (the handshake, with and without readOnly)
//   1  DecodeRequest (every opcode, multi and multiRead included)
//   2  FrameDecoder over the input cut into pieces, each frame DecodeRequest
//   3  the client-side decoders (DecodeConnectResponse, PeekReplyHeader,
//      DecodeResponse for any opcode / multi result types, DecodeWatchEvent)
// Whatever decodes must re-encode, and decode again to the same message
// (decode . encode . decode is stable, docs/PROTOCOL-ZK.md).
#include <glog/logging.h>

#include <string>
#include <vector>

#include "common/zk_wire/frame.h"
#include "common/zk_wire/handshake.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"
#include "test/fuzz/fuzz_input.h"

namespace arbor::fuzz {
namespace {

std::string Unframe(const std::string& frame) {
  FUZZ_CHECK(frame.size() >= 4, "encoder wrote %zu bytes", frame.size());
  return frame.substr(4);
}

void CheckRequest(std::string_view payload) {
  auto zk = zk_wire::DecodeRequest(payload);
  if (!zk.ok()) {
    FUZZ_CHECK(payload.size() < 8, "DecodeRequest failed with a full header: %s", zk.status().ToString().c_str());
    return;
  }
  if (zk->reject != proto::OK) {
    FUZZ_CHECK(zk->request.op_case() == proto::Request::OP_NOT_SET, "a rejected request carries an op");
    return;
  }
  std::string frame;
  auto ctx = zk_wire::EncodeRequest(zk->request, zk->context.opcode, &frame);
  FUZZ_CHECK(ctx.ok(), "decoded request (opcode %d) does not re-encode: %s", zk->context.opcode,
             ctx.status().ToString().c_str());
  auto again = zk_wire::DecodeRequest(Unframe(frame));
  FUZZ_CHECK(again.ok() && again->reject == proto::OK, "re-encoded request (opcode %d) does not decode",
             zk->context.opcode);
  FUZZ_CHECK(again->request.SerializeAsString() == zk->request.SerializeAsString(),
             "opcode %d: decode . encode . decode changed the request", zk->context.opcode);
  FUZZ_CHECK(again->context.opcode == zk->context.opcode &&
                 again->context.multi_result_types == zk->context.multi_result_types,
             "opcode %d: context changed", zk->context.opcode);
}

void CheckConnect(std::string_view payload) {
  auto hello = zk_wire::DecodeConnectRequest(payload);
  if (!hello.ok()) return;
  std::string frame;
  if (!zk_wire::EncodeConnectRequest(hello->request, hello->has_read_only_byte, &frame).ok()) return;
  auto again = zk_wire::DecodeConnectRequest(Unframe(frame));
  // The encoder writes an empty password as 16 zero bytes (docs/PROTOCOL-ZK.md).
  if (hello->request.password().empty()) hello->request.set_password(std::string(16, '\0'));
  FUZZ_CHECK(again.ok() && again->request.SerializeAsString() == hello->request.SerializeAsString() &&
                 again->has_read_only_byte == hello->has_read_only_byte,
             "handshake round trip changed it");
}

void CheckClientSide(FuzzInput* in) {
  zk_wire::ZkOpContext ctx;
  constexpr int32_t kOpcodes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 17, 18,
                                  19, 20, 21, 22, 100, 101, 103, 104, 105, 106, 107, -11, 0, 999};
  ctx.opcode = in->Pick(kOpcodes);
  int n = static_cast<int>(in->Range(0, 4));
  for (int i = 0; i < n; ++i) ctx.multi_result_types.push_back(in->Pick(kOpcodes));
  std::string payload = in->Rest();
  (void)zk_wire::DecodeConnectResponse(payload);
  (void)zk_wire::PeekReplyHeader(payload);
  (void)zk_wire::DecodeWatchEvent(payload);
  auto resp = zk_wire::DecodeResponse(ctx, payload);
  if (resp.ok() && resp->error() == proto::OK && ctx.opcode != 14 && ctx.opcode != 22) {
    std::string frame;
    // What the client decoded, the server's encoder can write (or refuses
    // with a Status; it must not crash).
    (void)zk_wire::EncodeResponse(ctx, *resp, &frame);
  }
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  switch (in.Byte() & 3) {
    case 0:
      CheckConnect(in.Rest());
      break;
    case 1:
      CheckRequest(in.Rest());
      break;
    case 2: {
      zk_wire::FrameDecoder decoder(static_cast<uint32_t>(in.Range(0, 300)));
      std::vector<std::string> frames;
      while (!in.empty()) {
        Status s = decoder.Feed(in.Take(static_cast<size_t>(in.Range(0, 64))), &frames);
        FUZZ_CHECK(decoder.buffered_bytes() <= decoder.max_frame_bytes() + 4, "decoder holds %zu bytes",
                   decoder.buffered_bytes());
        for (const std::string& f : frames) CheckRequest(f);
        frames.clear();
        if (!s.ok()) break;
      }
      break;
    }
    default:
      CheckClientSide(&in);
      break;
  }
  return 0;
}
