// FrameDecoder: streaming split of length-prefixed frames, with the
// jute.maxbuffer limit.
#include "common/zk_wire/frame.h"

#include "common/frame.h"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

std::string TwoFrames() {
  std::string s;
  AppendFrame("hello", &s);
  AppendFrame(std::string("\x00\x01\x02", 3), &s);
  return s;
}

TEST(ZkWireFrameDecoder, SplitsFramesFedOneByteAtATime) {
  FrameDecoder d;
  std::vector<std::string> frames;
  const std::string in = TwoFrames();
  for (char c : in) ASSERT_TRUE(d.Feed(std::string_view(&c, 1), &frames).ok());
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "hello");
  EXPECT_EQ(frames[1], std::string("\x00\x01\x02", 3));
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(ZkWireFrameDecoder, KeepsAPartialFrameUntilItCompletes) {
  FrameDecoder d;
  std::vector<std::string> frames;
  const std::string in = TwoFrames();
  ASSERT_TRUE(d.Feed(std::string_view(in).substr(0, 12), &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(d.buffered_bytes(), 3u);
  ASSERT_TRUE(d.Feed(std::string_view(in).substr(12), &frames).ok());
  ASSERT_EQ(frames.size(), 2u);
}

TEST(ZkWireFrameDecoder, AcceptsEmptyFramesAndFramesAtTheLimit) {
  FrameDecoder d(/*max_frame_bytes=*/4);
  std::vector<std::string> frames;
  std::string in;
  AppendFrame("", &in);
  AppendFrame("abcd", &in);
  ASSERT_TRUE(d.Feed(in, &frames).ok());
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "");
  EXPECT_EQ(frames[1], "abcd");
}

TEST(ZkWireFrameDecoder, RejectsAFrameOverTheLimitAndStaysFailed) {
  FrameDecoder d(/*max_frame_bytes=*/4);
  std::vector<std::string> frames;
  std::string in;
  AppendFrame("ok", &in);
  AppendFrame("abcde", &in);
  Status s = d.Feed(in, &frames);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("frame length 5 is outside 0..4"), std::string::npos) << s.ToString();
  EXPECT_EQ(frames.size(), 1u) << "the frame before the bad one is still delivered";
  std::string good;
  AppendFrame("x", &good);
  EXPECT_FALSE(d.Feed(good, &frames).ok()) << "a desynchronised stream must stay failed";
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(ZkWireFrameDecoder, RejectsNegativeLengthsAndFourLetterWords) {
  {
    FrameDecoder d;
    std::vector<std::string> frames;
    Status s = d.Feed(std::string("\xff\xff\xff\xfe", 4), &frames);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("frame length -2"), std::string::npos) << s.ToString();
  }
  {
    FrameDecoder d;  // default limit: jute.maxbuffer
    std::vector<std::string> frames;
    Status s = d.Feed("ruok", &frames);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("1920298859"), std::string::npos) << s.ToString();
  }
}

TEST(ZkWireFrameDecoder, DefaultLimitIsZooKeepersJuteMaxbuffer) {
  FrameDecoder d;
  EXPECT_EQ(d.max_frame_bytes(), 0xfffffu);
  std::vector<std::string> frames;
  std::string header("\x00\x0f\xff\xff", 4);  // exactly 0xfffff: allowed, waits for bytes
  EXPECT_TRUE(d.Feed(header, &frames).ok());
  FrameDecoder d2;
  EXPECT_FALSE(d2.Feed(std::string("\x00\x10\x00\x00", 4), &frames).ok());  // 1 MiB
}

}  // namespace
}  // namespace arbor::zk_wire
