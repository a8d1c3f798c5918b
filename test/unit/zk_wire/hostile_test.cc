// Hostile input: truncation at every byte offset, negative and huge lengths,
// counts larger than the frame, and a seeded random-mutation loop. Every
// case must end in a clear error (or a well-formed decode), never a crash
// or a huge allocation. Run under -DARBOR_SANITIZE=ON to catch memory errors.
#include <cstdlib>
#include <random>

#include "common/zk_wire/frame.h"
#include "common/zk_wire/handshake.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"
#include "test/unit/zk_wire/golden_vectors.inc"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Bytes;
using testing::Payload;

const std::vector<const std::string*>& RequestFrames() {
  static const std::vector<const std::string*> frames = {
      &golden::kKazooCreate, &golden::kKazooCreate2, &golden::kKazooDelete,
      &golden::kKazooExists, &golden::kKazooGetData, &golden::kKazooSetData,
      &golden::kKazooGetAcl, &golden::kKazooSetAcl, &golden::kKazooGetChildren,
      &golden::kKazooSync, &golden::kKazooGetChildren2, &golden::kKazooPing,
      &golden::kKazooClose, &golden::kKazooAuth, &golden::kKazooTransaction,
      &golden::kSetWatches2Request, &golden::kAddWatchRequest, &golden::kCreateTtlRequest,
      &golden::kWhoAmIRequest};
  return frames;
}

struct ReplyFrame {
  const std::string* frame;
  ZkOpContext context;
};

const std::vector<ReplyFrame>& ReplyFrames() {
  static const std::vector<ReplyFrame> frames = {
      {&golden::kCreate2Reply, {op::kCreate2, {}}},
      {&golden::kCreateReply, {op::kCreate, {}}},
      {&golden::kGetChildren2Reply, {op::kGetChildren2, {}}},
      {&golden::kMultiFailedReply, {op::kMulti, {op::kCreate, op::kSetData, op::kDelete}}},
      {&golden::kMultiOkReply, {op::kMulti, {op::kCreate, op::kCheck, op::kSetData, op::kDelete}}},
      {&golden::kNoNodeReply, {op::kExists, {}}},
      {&golden::kGetDataReply, {op::kGetData, {}}},
      {&golden::kGetAclReply, {op::kGetAcl, {}}},
      {&golden::kGetChildrenReply, {op::kGetChildren, {}}},
  };
  return frames;
}

TEST(ZkWireHostile, EveryTruncationOfEveryRequestIsRejected) {
  for (const std::string* frame : RequestFrames()) {
    const std::string payload = Payload(*frame);
    for (size_t len = 0; len < payload.size(); ++len) {
      auto r = DecodeRequest(std::string_view(payload).substr(0, len));
      const bool rejected = !r.ok() || r->reject != proto::OK;
      EXPECT_TRUE(rejected) << "truncated to " << len << " of " << testing::Hex(payload);
      if (r.ok()) {
        EXPECT_FALSE(r->reject_reason.empty());
      }
      if (len < 8) {
        EXPECT_FALSE(r.ok()) << "no header: nothing to answer";
      }
    }
  }
}

TEST(ZkWireHostile, EveryTruncationOfEveryReplyIsRejected) {
  for (const ReplyFrame& rf : ReplyFrames()) {
    const std::string payload = Payload(*rf.frame);
    ASSERT_TRUE(DecodeResponse(rf.context, payload).ok());
    for (size_t len = 0; len < payload.size(); ++len) {
      EXPECT_FALSE(DecodeResponse(rf.context, std::string_view(payload).substr(0, len)).ok())
          << OpName(rf.context.opcode) << " truncated to " << len;
    }
  }
  const std::string event = Payload(golden::kWatchEventFrame);
  for (size_t len = 0; len < event.size(); ++len) {
    EXPECT_FALSE(DecodeWatchEvent(std::string_view(event).substr(0, len)).ok()) << len;
  }
}

TEST(ZkWireHostile, EveryTruncationOfTheHandshakeIsRejectedExceptTheOldForm) {
  const std::string payload = Payload(golden::kKazooConnectResume);
  for (size_t len = 0; len < payload.size(); ++len) {
    auto r = DecodeConnectRequest(std::string_view(payload).substr(0, len));
    if (len == payload.size() - 1) {
      ASSERT_TRUE(r.ok()) << "dropping only the readOnly byte is the pre-3.4 form";
      EXPECT_FALSE(r->has_read_only_byte);
    } else {
      EXPECT_FALSE(r.ok()) << len;
    }
  }
  const std::string response = Payload(golden::kConnectResponse41);
  for (size_t len = 0; len + 1 < response.size() - 1; ++len) {
    EXPECT_FALSE(DecodeConnectResponse(std::string_view(response).substr(0, len)).ok()) << len;
  }
}

TEST(ZkWireHostile, NegativeAndHugeLengthsAndCounts) {
  const struct {
    const char* what;
    std::string payload;
  } cases[] = {
      {"negative path length", Bytes().Int(1).Int(op::kGetData).Int(-5).Bool(false).data},
      {"huge path length", Bytes().Int(1).Int(op::kGetData).Int(INT32_MAX).Raw("/x").data},
      {"data longer than frame", Bytes().Int(1).Int(op::kSetData).Str("/x").Int(1 << 30).Raw("ab").data},
      {"huge ACL count", Bytes().Int(1).Int(op::kSetAcl).Str("/x").Int(INT32_MAX).Int(0).data},
      {"ACL count one too many",
       Bytes().Int(1).Int(op::kSetAcl).Str("/x").Int(2).Int(31).Str("world").Str("anyone").Int(0).data},
      {"negative ACL count", Bytes().Int(1).Int(op::kCreate).Str("/x").Int(0).Int(-9).Int(0).data},
      {"watch count beyond frame",
       Bytes().Int(-8).Int(op::kSetWatches).Long(0).Int(100000000).Int(0).Int(0).data},
      {"multi op with negative path length",
       Bytes().Int(1).Int(op::kMulti).Int(op::kDelete).Bool(false).Int(-1).Int(-77).data},
  };
  for (const auto& c : cases) {
    auto r = DecodeRequest(c.payload);
    ASSERT_TRUE(r.ok()) << c.what;
    EXPECT_EQ(r->reject, proto::MARSHALLINGERROR) << c.what;
    EXPECT_FALSE(r->reject_reason.empty()) << c.what;
  }
  // Replies: a children count far beyond the frame.
  std::string reply = Bytes().Int(5).Long(1).Int(0).Int(INT32_MAX).data;
  EXPECT_FALSE(DecodeResponse(ZkOpContext{op::kGetChildren, {}}, reply).ok());
  // Connect: a password length beyond the frame.
  std::string connect = Bytes().Int(0).Long(0).Int(30000).Long(0).Int(1 << 24).Raw("pw").data;
  EXPECT_FALSE(DecodeConnectRequest(connect).ok());
}

TEST(ZkWireHostile, FrameOverTheMaxIsRejectedBeforeBuffering) {
  FrameDecoder d;
  std::vector<std::string> frames;
  std::string header;
  JuteWriter(&header).WriteInt(static_cast<int32_t>(kDefaultMaxFrameBytes) + 1);
  Status s = d.Feed(header, &frames);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("jute.maxbuffer"), std::string::npos) << s.ToString();
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

// One random corruption of `s`: flip, overwrite with an interesting byte,
// truncate, insert, or duplicate a span.
void Mutate(std::mt19937& rng, std::string* s) {
  static const char kInteresting[] = {'\x00', '\x01', '\x7f', '\x80', '\xff', '\xfe'};
  auto pick = [&](size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  switch (pick(5)) {
    case 0:
      if (!s->empty()) (*s)[pick(s->size())] ^= static_cast<char>(1 << pick(8));
      break;
    case 1:
      if (!s->empty()) (*s)[pick(s->size())] = kInteresting[pick(sizeof(kInteresting))];
      break;
    case 2:
      s->resize(pick(s->size() + 1));
      break;
    case 3:
      s->insert(pick(s->size() + 1), 1 + pick(4), kInteresting[pick(sizeof(kInteresting))]);
      break;
    default: {
      const size_t at = pick(s->size() + 1);
      const std::string span = s->substr(at, 1 + pick(8));
      s->insert(pick(s->size() + 1), span);
    }
  }
}

// Property on a successfully decoded request: it encodes again, and that
// encoding decodes to the same request with the same context.
void CheckReencodes(const ZkRequest& zk) {
  std::string again;
  auto ctx = EncodeRequest(zk.request, zk.context.opcode, &again);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString() << " " << zk.request.ShortDebugString();
  auto back = DecodeRequest(Payload(again));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->reject, proto::OK) << back->reject_reason;
  EXPECT_PROTO_EQ(zk.request, back->request);
  EXPECT_EQ(back->context.multi_result_types, zk.context.multi_result_types);
}

// ZK_WIRE_MUTATION_SEED / ZK_WIRE_MUTATION_ITERATIONS override the defaults,
// to replay a failure or to run a longer soak (e.g. under the sanitizers).
uint32_t EnvOr(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
}

TEST(ZkWireHostile, SeededRandomMutationsNeverCrash) {
  const uint32_t kSeed = EnvOr("ZK_WIRE_MUTATION_SEED", 20261128);
  const int kIterations = static_cast<int>(EnvOr("ZK_WIRE_MUTATION_ITERATIONS", 10000));
  std::mt19937 rng(kSeed);
  int decoded_ok = 0;
  int rejected = 0;
  for (int it = 0; it < kIterations; ++it) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + " iteration " + std::to_string(it));
    const auto& reqs = RequestFrames();
    const auto& reps = ReplyFrames();
    const size_t which = rng() % (reqs.size() + reps.size() + 2);
    std::string frame;
    ZkOpContext reply_ctx;
    if (which < reqs.size()) {
      frame = *reqs[which];
    } else if (which < reqs.size() + reps.size()) {
      frame = *reps[which - reqs.size()].frame;
      reply_ctx = reps[which - reqs.size()].context;
    } else {
      frame = which % 2 ? golden::kKazooConnectResume : golden::kWatchEventFrame;
    }
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) Mutate(rng, &frame);

    // The frame splitter sees the mutated bytes as a stream.
    FrameDecoder splitter(/*max_frame_bytes=*/4096);
    std::vector<std::string> frames;
    (void)splitter.Feed(frame, &frames);
    EXPECT_LE(splitter.buffered_bytes(), 4096u + 4u);

    const std::string_view payload =
        frame.size() >= 4 ? std::string_view(frame).substr(4) : std::string_view(frame);
    if (which < reqs.size()) {
      auto r = DecodeRequest(payload);
      if (r.ok() && r->reject == proto::OK) {
        ++decoded_ok;
        CheckReencodes(*r);
      } else {
        ++rejected;
        if (r.ok()) {
          EXPECT_FALSE(r->reject_reason.empty());
        }
      }
    } else if (which < reqs.size() + reps.size()) {
      auto r = DecodeResponse(reply_ctx, payload);
      r.ok() ? ++decoded_ok : ++rejected;
    } else {
      auto c = DecodeConnectRequest(payload);
      auto e = DecodeWatchEvent(payload);
      (c.ok() || e.ok()) ? ++decoded_ok : ++rejected;
    }
  }
  // Both outcomes occur, so the loop exercised the error paths and the
  // success path (a corrupted byte inside a string or stat is still valid).
  EXPECT_GT(decoded_ok, kIterations / 100);
  EXPECT_GT(rejected, kIterations / 10);
}

}  // namespace
}  // namespace arbor::zk_wire
