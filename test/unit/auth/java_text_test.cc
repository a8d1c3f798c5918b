// The Java string behaviours ZooKeeper's ACL validation relies on.
#include <gtest/gtest.h>

#include "server/auth/java_text.h"

namespace arbor::auth {
namespace {

using Parts = std::vector<std::string_view>;

TEST(AuthJavaTextTest, SplitDropsTrailingEmptiesOnlyWithLimitZero) {
  EXPECT_EQ(JavaSplit("a:b", ':', 0), (Parts{"a", "b"}));
  EXPECT_EQ(JavaSplit("a:b:", ':', 0), (Parts{"a", "b"}));
  EXPECT_EQ(JavaSplit("a::", ':', 0), (Parts{"a"}));
  EXPECT_EQ(JavaSplit(":b", ':', 0), (Parts{"", "b"}));
  EXPECT_EQ(JavaSplit(":", ':', 0), (Parts{}));
  EXPECT_EQ(JavaSplit("", ':', 0), (Parts{""}));
  EXPECT_EQ(JavaSplit("1.2.3.", '.', -1), (Parts{"1", "2", "3", ""}));
  EXPECT_EQ(JavaSplit("a/b/c", '/', 2), (Parts{"a", "b/c"}));
  EXPECT_EQ(JavaSplit("a/", '/', 2), (Parts{"a", ""}));
  EXPECT_EQ(JavaSplit("a", '/', 2), (Parts{"a"}));
}

TEST(AuthJavaTextTest, ParseInt) {
  EXPECT_EQ(JavaParseInt("0"), 0);
  EXPECT_EQ(JavaParseInt("+7"), 7);
  EXPECT_EQ(JavaParseInt("-0"), 0);
  EXPECT_EQ(JavaParseInt("007"), 7);
  EXPECT_EQ(JavaParseInt("2147483647"), 2147483647);
  EXPECT_EQ(JavaParseInt("-2147483648"), INT32_MIN);
  EXPECT_FALSE(JavaParseInt("2147483648"));
  EXPECT_FALSE(JavaParseInt("99999999999999999999"));
  EXPECT_FALSE(JavaParseInt(""));
  EXPECT_FALSE(JavaParseInt("+"));
  EXPECT_FALSE(JavaParseInt(" 1"));
  EXPECT_FALSE(JavaParseInt("1a"));
}

TEST(AuthJavaTextTest, ToValidUtf8ReplacesMaximalIllFormedSubparts) {
  EXPECT_EQ(ToValidUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"), "plain \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(ToValidUtf8("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("a\xC3"), "a\xEF\xBF\xBD");                       // truncated
  EXPECT_EQ(ToValidUtf8("\xE2\x82x"), "\xEF\xBF\xBDx");                   // one U+FFFD for E2 82
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");         // overlong
  EXPECT_EQ(ToValidUtf8("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");  // above U+10FFFF
}

}  // namespace
}  // namespace arbor::auth
