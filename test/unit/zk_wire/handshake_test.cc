// ConnectRequest / ConnectResponse, with and without the readOnly byte.
#include "common/zk_wire/handshake.h"
#include "test/unit/zk_wire/golden_vectors.inc"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Payload;

// Drops the trailing readOnly byte: the pre-3.4 form of a frame.
std::string WithoutReadOnlyByte(const std::string& frame) {
  std::string payload = Payload(frame);
  payload.pop_back();
  std::string out;
  FrameWriter f(&out);
  f.writer().WriteRaw(payload);
  f.Finish();
  return out;
}

TEST(ZkWireHandshake, DecodesKazoosNewSessionRequest) {
  auto r = DecodeConnectRequest(Payload(golden::kKazooConnectNew));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->has_read_only_byte);
  EXPECT_EQ(r->request.protocol_version(), 0);
  EXPECT_EQ(r->request.last_zxid_seen(), 0x1234);
  EXPECT_EQ(r->request.timeout_ms(), 30000);
  EXPECT_EQ(r->request.session_id(), 0);
  EXPECT_EQ(r->request.password(), std::string(16, '\0'));
  EXPECT_FALSE(r->request.read_only());
}

TEST(ZkWireHandshake, DecodesAResumeWithAndWithoutTheReadOnlyByte) {
  auto with = DecodeConnectRequest(Payload(golden::kKazooConnectResume));
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_TRUE(with->has_read_only_byte);
  EXPECT_TRUE(with->request.read_only());
  EXPECT_EQ(with->request.session_id(), 0x7fabcdef00112233LL);
  EXPECT_EQ(with->request.last_zxid_seen(), 0x0102030405060708LL);
  EXPECT_EQ(with->request.timeout_ms(), 10000);

  auto without = DecodeConnectRequest(Payload(WithoutReadOnlyByte(golden::kKazooConnectResume)));
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_FALSE(without->has_read_only_byte);
  EXPECT_FALSE(without->request.read_only());
  EXPECT_EQ(without->request.session_id(), 0x7fabcdef00112233LL);
  EXPECT_EQ(without->request.password(), with->request.password());
}

TEST(ZkWireHandshake, RejectsMoreThanOneTrailingByte) {
  std::string payload = Payload(golden::kKazooConnectNew) + "x";
  auto r = DecodeConnectRequest(payload);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos) << r.status().ToString();
}

TEST(ZkWireHandshake, EncodesRequestsByteForByteLikeKazoo) {
  proto::ConnectRequest req;
  req.set_last_zxid_seen(0x1234);
  req.set_timeout_ms(30000);
  std::string out;
  ASSERT_TRUE(EncodeConnectRequest(req, /*with_read_only_byte=*/true, &out).ok());
  EXPECT_BYTES_EQ(golden::kKazooConnectNew, out);  // empty password -> 16 zero bytes
}

proto::ConnectResponse GoldenResponse() {
  proto::ConnectResponse resp;
  resp.set_timeout_ms(30000);
  resp.set_session_id(0x0100000000000abcLL);
  std::string pw;
  for (int k = 100; k < 116; ++k) pw.push_back(static_cast<char>(k));
  resp.set_password(pw);
  return resp;
}

TEST(ZkWireHandshake, ResponseIs40BytesWithoutTheReadOnlyByteAnd41WithIt) {
  std::string old_form;
  ASSERT_TRUE(EncodeConnectResponse(GoldenResponse(), false, &old_form).ok());
  EXPECT_EQ(old_form.size(), 40u);
  EXPECT_EQ(old_form.size() - 4, kConnectResponseBytes);
  EXPECT_BYTES_EQ(golden::kConnectResponse40, old_form);

  std::string new_form;
  ASSERT_TRUE(EncodeConnectResponse(GoldenResponse(), true, &new_form).ok());
  EXPECT_EQ(new_form.size(), 41u);
  EXPECT_BYTES_EQ(golden::kConnectResponse41, new_form);
}

TEST(ZkWireHandshake, RefusedSessionGetsSixteenZeroPasswordBytes) {
  proto::ConnectResponse refused;  // timeout 0, session 0, no password
  std::string out;
  ASSERT_TRUE(EncodeConnectResponse(refused, true, &out).ok());
  EXPECT_EQ(out.size(), 41u);
  EXPECT_BYTES_EQ(std::string("\x00\x00\x00\x25", 4) + std::string(16, '\0') +
                      std::string("\x00\x00\x00\x10", 4) + std::string(16, '\0') +
                      std::string(1, '\0'),
                  out);
}

TEST(ZkWireHandshake, RefusesPasswordsThatAreNotSixteenBytes) {
  proto::ConnectResponse resp = GoldenResponse();
  resp.set_password("short");
  std::string out = "keep";
  EXPECT_FALSE(EncodeConnectResponse(resp, true, &out).ok());
  EXPECT_EQ(out, "keep") << "nothing is appended on error";
}

TEST(ZkWireHandshake, ResponseRoundTripsInBothForms) {
  for (bool with_byte : {false, true}) {
    proto::ConnectResponse resp = GoldenResponse();
    resp.set_read_only(with_byte);
    std::string out;
    ASSERT_TRUE(EncodeConnectResponse(resp, with_byte, &out).ok());
    auto back = DecodeConnectResponse(Payload(out));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->has_read_only_byte, with_byte);
    EXPECT_PROTO_EQ(resp, back->response);
  }
}

TEST(ZkWireHandshake, RequestRoundTripsInBothForms) {
  for (bool with_byte : {false, true}) {
    proto::ConnectRequest req;
    req.set_last_zxid_seen(-5);
    req.set_timeout_ms(4000);
    req.set_session_id(77);
    req.set_password(std::string(16, '\x5a'));
    req.set_read_only(with_byte);
    std::string out;
    ASSERT_TRUE(EncodeConnectRequest(req, with_byte, &out).ok());
    auto back = DecodeConnectRequest(Payload(out));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->has_read_only_byte, with_byte);
    EXPECT_PROTO_EQ(req, back->request);
  }
}

}  // namespace
}  // namespace arbor::zk_wire
