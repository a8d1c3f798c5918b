// Jute primitives: big-endian layout, null buffers, and the bounds checks
// every decoder relies on.
#include "common/zk_wire/jute_reader.h"
#include "common/zk_wire/jute_writer.h"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Bytes;

TEST(ZkWireJuteWriter, WritesBigEndianPrimitives) {
  std::string out;
  JuteWriter w(&out);
  w.WriteInt(-2);
  w.WriteLong(0x0102030405060708LL);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteBuffer("ab");
  w.WriteNullBuffer();
  EXPECT_BYTES_EQ(std::string("\xff\xff\xff\xfe"
                              "\x01\x02\x03\x04\x05\x06\x07\x08"
                              "\x01\x00"
                              "\x00\x00\x00\x02" "ab"
                              "\xff\xff\xff\xff", 24),
                  out);
}

TEST(ZkWireJuteReader, ReadsWhatTheWriterWrote) {
  const std::string in = Bytes().Int(INT32_MIN).Long(-1).Bool(true).Str("héllo").data;
  JuteReader r(in);
  int32_t i = 0;
  int64_t l = 0;
  bool b = false;
  std::string s;
  ASSERT_TRUE(r.ReadInt("i", &i).ok());
  ASSERT_TRUE(r.ReadLong("l", &l).ok());
  ASSERT_TRUE(r.ReadBool("b", &b).ok());
  ASSERT_TRUE(r.ReadString("s", &s).ok());
  EXPECT_EQ(i, INT32_MIN);
  EXPECT_EQ(l, -1);
  EXPECT_TRUE(b);
  EXPECT_EQ(s, "héllo");
  EXPECT_TRUE(r.ExpectEnd("test").ok());
}

TEST(ZkWireJuteReader, NullBufferAndStringReadAsEmpty) {
  const std::string in = Bytes().Int(-1).Int(-1).data;
  JuteReader r(in);
  std::string s = "junk";
  bool was_null = false;
  ASSERT_TRUE(r.ReadBuffer("buf", &s, &was_null).ok());
  EXPECT_TRUE(was_null);
  EXPECT_EQ(s, "");
  s = "junk";
  ASSERT_TRUE(r.ReadString("str", &s).ok());
  EXPECT_EQ(s, "");
}

TEST(ZkWireJuteReader, TruncatedIntIsAnErrorNamingTheField) {
  JuteReader r(std::string("\x00\x01", 2));
  int32_t i = 0;
  Status s = r.ReadInt("Stat.version", &i);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Stat.version"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.ToString();
}

TEST(ZkWireJuteReader, RejectsNegativeAndOversizedLengths) {
  std::string out;
  for (int32_t len : {-2, INT32_MIN, 5, INT32_MAX}) {
    const std::string in = Bytes().Int(len).Raw("abcd").data;
    JuteReader r(in);
    Status s = r.ReadBuffer("data", &out);
    EXPECT_FALSE(s.ok()) << "length " << len;
  }
  // Exactly the bytes that remain is fine.
  const std::string in = Bytes().Int(4).Raw("abcd").data;
  JuteReader r(in);
  ASSERT_TRUE(r.ReadBuffer("data", &out).ok());
  EXPECT_EQ(out, "abcd");
}

TEST(ZkWireJuteReader, RejectsInvalidUtf8InStringsButNotInBuffers) {
  for (std::string bad : {std::string("\xff"), std::string("\xc0\x80", 2), std::string("\xed\xa0\x80"),
                          std::string("\xe2\x82"), std::string("\xf4\x90\x80\x80")}) {
    const std::string in = Bytes().Str(bad).data;
    std::string out;
    JuteReader strings(in);
    EXPECT_FALSE(strings.ReadString("path", &out).ok()) << testing::Hex(bad);
    JuteReader buffers(in);
    EXPECT_TRUE(buffers.ReadBuffer("data", &out).ok()) << testing::Hex(bad);
  }
  EXPECT_TRUE(IsValidUtf8("/ünïcødé/日本/😀"));
}

TEST(ZkWireJuteReader, VectorCountIsBoundedByRemainingBytes) {
  int32_t count = 0;
  // 3 empty strings need 12 bytes; 12 remain.
  const std::string ok = Bytes().Int(3).Int(0).Int(0).Int(0).data;
  JuteReader r1(ok);
  ASSERT_TRUE(r1.ReadVectorCount("v", 4, &count).ok());
  EXPECT_EQ(count, 3);
  // 4 would need 16.
  const std::string too_many = Bytes().Int(4).Int(0).Int(0).Int(0).data;
  JuteReader r2(too_many);
  EXPECT_FALSE(r2.ReadVectorCount("v", 4, &count).ok());
  const std::string huge = Bytes().Int(INT32_MAX).data;
  JuteReader r3(huge);
  EXPECT_FALSE(r3.ReadVectorCount("v", 1, &count).ok());
  const std::string negative = Bytes().Int(-7).data;
  JuteReader r4(negative);
  EXPECT_FALSE(r4.ReadVectorCount("v", 1, &count).ok());
  const std::string null_vector = Bytes().Int(-1).data;
  JuteReader r5(null_vector);
  ASSERT_TRUE(r5.ReadVectorCount("v", 1, &count).ok());
  EXPECT_EQ(count, 0);
}

TEST(ZkWireJuteReader, ExpectEndReportsTrailingBytes) {
  const std::string in = Bytes().Int(1).Bool(false).data;
  JuteReader r(in);
  int32_t i = 0;
  ASSERT_TRUE(r.ReadInt("i", &i).ok());
  Status s = r.ExpectEnd("Rec");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("trailing"), std::string::npos);
}

TEST(ZkWireFrameWriter, PatchesTheLengthPrefix) {
  std::string out = "xx";  // appends after existing bytes
  FrameWriter f(&out);
  f.writer().WriteInt(7);
  f.writer().WriteString("abc");
  EXPECT_EQ(f.Finish(), 11u);
  EXPECT_BYTES_EQ(std::string("xx\x00\x00\x00\x0b\x00\x00\x00\x07\x00\x00\x00\x03" "abc", 17), out);
}

}  // namespace
}  // namespace arbor::zk_wire
