#include <gtest/gtest.h>

#include "common/path.h"

namespace arbor {
namespace {

void ExpectInvalid(std::string_view path, const std::string& fragment) {
  Status s = ValidatePath(path);
  EXPECT_FALSE(s.ok()) << "accepted: " << path;
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(TreePathValidation, AcceptsAbsolutePaths) {
  EXPECT_TRUE(ValidatePath("/").ok());
  EXPECT_TRUE(ValidatePath("/a").ok());
  EXPECT_TRUE(ValidatePath("/a/b-c_d.e/f").ok());
  EXPECT_TRUE(ValidatePath("/...").ok());  // only exact "." and ".." are relative
  EXPECT_TRUE(ValidatePath("/caf\xC3\xA9/\xE6\x97\xA5").ok());  // UTF-8 é and 日
}

TEST(TreePathValidation, RejectsEmpty) { ExpectInvalid("", "must not be empty"); }
TEST(TreePathValidation, RejectsRelative) { ExpectInvalid("a/b", "must start with '/'"); }
TEST(TreePathValidation, RejectsTrailingSlash) { ExpectInvalid("/a/", "must not end with '/'"); }
TEST(TreePathValidation, RejectsDoubleSlash) { ExpectInvalid("/a//b", "empty node name"); }
TEST(TreePathValidation, RejectsDotComponents) {
  ExpectInvalid("/a/./b", "relative component \".\"");
  ExpectInvalid("/a/..", "relative component \"..\"");
  ExpectInvalid("/.", "relative component");
}
TEST(TreePathValidation, RejectsNul) { ExpectInvalid(std::string_view("/a\0b", 4), "NUL character at offset 2"); }
TEST(TreePathValidation, RejectsControlCharacters) {
  ExpectInvalid("/a\x01", "U+0001");
  ExpectInvalid("/a\x1F", "U+001F");
  ExpectInvalid("/a\x7F", "U+007F");
  ExpectInvalid("/a\xC2\x85", "U+0085");        // C1 control (NEL)
}
TEST(TreePathValidation, RejectsZooKeeperForbiddenRanges) {
  ExpectInvalid("/a\xEE\x80\x80", "U+E000");    // private use
  ExpectInvalid("/a\xEF\xBF\xB5", "U+FFF5");    // specials
}
TEST(TreePathValidation, RejectsInvalidUtf8) {
  ExpectInvalid("/a\xFF", "invalid UTF-8");
  ExpectInvalid("/a\xC3", "invalid UTF-8");          // truncated sequence
  ExpectInvalid("/a\xC0\xAF", "invalid UTF-8");      // overlong '/'
  ExpectInvalid("/a\xED\xA0\x80", "invalid UTF-8");  // surrogate
}

TEST(TreePathValidation, SequentialCreateMayEndWithSlash) {
  EXPECT_TRUE(ValidateCreatePath("/a/", true).ok());
  EXPECT_TRUE(ValidateCreatePath("/", true).ok());
  EXPECT_FALSE(ValidateCreatePath("/a/", false).ok());
  EXPECT_FALSE(ValidateCreatePath("/a//", true).ok());
}

TEST(TreePathHelpers, ParentAndBaseName) {
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/"), "");
  EXPECT_EQ(ParentPath("/a/"), "/a");
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(JoinPath("/", "a"), "/a");
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(SequenceSuffix(0), "0000000000");
  EXPECT_EQ(SequenceSuffix(42), "0000000042");
}

}  // namespace
}  // namespace arbor
