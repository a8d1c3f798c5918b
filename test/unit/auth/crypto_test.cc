// SHA-1 (RFC 3174 section 7.3 test vectors plus padding boundaries, checked
// against Python's hashlib), base64 (RFC 4648 section 10) and ZooKeeper's
// digest ids (values computed with Python: user + ":" +
// base64(sha1(user:password))).
#include <gtest/gtest.h>

#include <string>

#include "server/auth/base64.h"
#include "server/auth/digest.h"
#include "server/auth/sha1.h"

namespace arbor::auth {
namespace {

std::string Hex(const Sha1Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

std::string Bytes0To(size_t n) {  // 0, 1, 2, ... (mod 256), n bytes
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>(i & 0xFF);
  return s;
}

TEST(AuthSha1Test, Rfc3174Vectors) {
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex(Sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Hex(Sha1(std::string(1000000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  std::string eight;
  for (int i = 0; i < 80; ++i) eight += "01234567";
  EXPECT_EQ(Hex(Sha1(eight)), "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}

TEST(AuthSha1Test, EmptyAndPaddingBoundaries) {
  EXPECT_EQ(Hex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  // 55 bytes: padding fits one block; 56..63: it needs a second one.
  EXPECT_EQ(Hex(Sha1(Bytes0To(55))), "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2");
  EXPECT_EQ(Hex(Sha1(Bytes0To(56))), "636e2ec698dac903498e648bd2f3af641d3c88cb");
  EXPECT_EQ(Hex(Sha1(Bytes0To(63))), "6d942da0c4392b123528f2905c713a3ce28364bd");
  EXPECT_EQ(Hex(Sha1(Bytes0To(64))), "c6138d514ffa2135bfce0ed0b8fac65669917ec7");
  EXPECT_EQ(Hex(Sha1(Bytes0To(65))), "69bd728ad6e13cd76ff19751fde427b00e395746");
  EXPECT_EQ(Hex(Sha1(Bytes0To(119))), "41c89d06001bab4ab78736b44efe7ce18ce6ae08");
  EXPECT_EQ(Hex(Sha1(Bytes0To(120))), "d3dbd653bd8597b7475321b60a36891278e6a04a");
  EXPECT_EQ(Hex(Sha1(Bytes0To(768))), "ac2a264c8ec1f4232a40854e8239bc3a697ab1d2");
}

TEST(AuthSha1Test, OneBitChangesTheHash) {
  EXPECT_NE(Sha1("abc"), Sha1("abd"));
}

TEST(AuthBase64Test, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(AuthBase64Test, HighBytesUseTheStandardAlphabet) {
  EXPECT_EQ(Base64Encode(std::string("\xFB\xFF\xBF", 3)), "+/+/");
  EXPECT_EQ(Base64Encode(std::string("\x00\x00", 2)), "AAA=");
}

TEST(AuthDigestTest, MatchesZooKeeperGenerateDigest) {
  // The superDigest of kazoo's and ZooKeeper's own tests ("super:test").
  EXPECT_EQ(GenerateDigest("super:test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
  EXPECT_EQ(GenerateDigest("alice:secret"), "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
  EXPECT_EQ(GenerateDigest("bob:pw"), "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
}

TEST(AuthDigestTest, UserIsBeforeTheFirstColonAndTheHashCoversEverything) {
  EXPECT_EQ(GenerateDigest("a:b:c"), "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0=");
  EXPECT_EQ(GenerateDigest("user:"), "user:kd7q5xGKLW+18xQTfO8iqRaFvsM=");
  EXPECT_EQ(GenerateDigest(":empty"), ":d28FdgWGP7/+uHX3M9UcKTYVL90=");
  // No colon: Java's split(":", 2) gives the whole string as the user.
  EXPECT_EQ(GenerateDigest("nocolon"), "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g=");
}

TEST(AuthDigestTest, Utf8AndInvalidBytes) {
  EXPECT_EQ(GenerateDigest("h\xC3\xA9llo:w\xC3\xB6rld"), "h\xC3\xA9llo:lklmzcYC5fv8yymOuNqURv04ssg=");
  // Invalid UTF-8 is replaced by U+FFFD before hashing, as Java's new String(bytes).
  EXPECT_EQ(GenerateDigest("\xFF:pw"), "\xEF\xBF\xBD:WzWS3Ogd1jZiLDTZOdDvuVYHXi8=");
}

TEST(AuthDigestTest, WrongPasswordIsAnotherIdentity) {
  EXPECT_NE(GenerateDigest("alice:secret"), GenerateDigest("alice:Secret"));
}

}  // namespace
}  // namespace arbor::auth
