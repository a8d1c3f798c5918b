#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace arbor {

// Known-answer vectors from RFC 3720 (iSCSI) appendix B.4.
TEST(Crc32cTest, MatchesRfc3720Vectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  std::string ones(32, '\xFF');
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(std::string("123456789")), 0xE3069283u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t part = Crc32cExtend(Crc32c(s.data(), cut), s.data() + cut, s.size() - cut);
    EXPECT_EQ(part, Crc32c(s)) << "cut at " << cut;
  }
}

TEST(Crc32cTest, DetectsSingleBitFlip) {
  std::string s(1000, 'a');
  uint32_t before = Crc32c(s);
  s[500] ^= 0x01;
  EXPECT_NE(Crc32c(s), before);
}

}  // namespace arbor
