// Target native_codec: Arbor's native client protocol decoder
// (server/net/native_codec.cc) through net::ClientCodec::Decode, fed an
// arbitrary byte stream in pieces the input chooses, as a connection would.
// Decode must consume at most one message per call, never grow the input,
// and stop for good at the first error (the connection closes).
#include <glog/logging.h>

#include <string>

#include "server/net/client_codec.h"
#include "test/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  const size_t max_frame = static_cast<size_t>(in.Range(0, 512));
  auto codec = net::NewNativeCodec(max_frame);
  std::string input;
  while (!in.empty()) {
    input += in.Take(static_cast<size_t>(in.Range(0, 128)));
    for (int i = 0; i < 64; ++i) {  // drain what is complete
      const size_t before = input.size();
      net::Decoded out;
      Status s = codec->Decode(&input, &out);
      if (!s.ok()) return 0;
      FUZZ_CHECK(input.size() <= before, "Decode grew the input");
      if (out.kind == net::Decoded::Kind::kNeedMore) {
        FUZZ_CHECK(input.size() == before, "kNeedMore consumed bytes");
        FUZZ_CHECK(input.size() < 4 + max_frame, "kNeedMore with a whole frame buffered");
        break;
      }
      FUZZ_CHECK(input.size() < before, "a message decoded from no bytes");
      // The server answers: encoding must not fail whatever the client sent.
      std::string reply;
      if (out.kind == net::Decoded::Kind::kConnect) {
        proto::ConnectResponse r;
        r.set_session_id(out.connect.session_id());
        r.set_password(out.connect.password());
        codec->EncodeConnect(r, &reply);
      } else if (out.kind == net::Decoded::Kind::kRequest) {
        proto::Response r;
        r.set_xid(out.request.xid());
        codec->EncodeResponse(r, &reply);
      }
      FUZZ_CHECK(reply.size() >= 4, "no reply frame written");
    }
  }
  return 0;
}
