#include "common/frame.h"

#include <gtest/gtest.h>

namespace arbor {

TEST(FrameTest, RoundTripAndPartialInput) {
  std::string wire;
  AppendFrame("hello", &wire);
  AppendFrame("", &wire);
  ASSERT_EQ(wire.size(), 4u + 5 + 4);
  EXPECT_EQ(wire.substr(0, 4), std::string("\0\0\0\5", 4));
  std::string_view payload;
  size_t consumed = 0;
  // Every strict prefix of the first frame is "incomplete", never an error.
  for (size_t cut = 0; cut < 9; ++cut) {
    ASSERT_TRUE(PeekFrame(std::string_view(wire).substr(0, cut), 100, &payload, &consumed).ok());
    EXPECT_EQ(consumed, 0u) << cut;
  }
  ASSERT_TRUE(PeekFrame(wire, 100, &payload, &consumed).ok());
  EXPECT_EQ(consumed, 9u);
  EXPECT_EQ(payload, "hello");
  ASSERT_TRUE(PeekFrame(std::string_view(wire).substr(9), 100, &payload, &consumed).ok());
  EXPECT_EQ(consumed, 4u);
  EXPECT_EQ(payload, "");
}

TEST(FrameTest, RejectsOversizedAndNegativeLengths) {
  std::string_view payload;
  size_t consumed = 0;
  std::string big("\0\0\1\1", 4);  // 257
  Status s = PeekFrame(big, 256, &payload, &consumed);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("257"), std::string::npos);
  EXPECT_TRUE(PeekFrame(big, 257, &payload, &consumed).ok());
  std::string negative("\xff\xff\xff\xfe", 4);
  EXPECT_FALSE(PeekFrame(negative, 1 << 30, &payload, &consumed).ok());
}

}  // namespace arbor
