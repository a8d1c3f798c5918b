// Helpers shared by the zk_wire tests.
#pragma once

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/zk_wire/jute_writer.h"

namespace arbor::zk_wire::testing {

// The payload of a single length-prefixed frame; fails the test if the
// prefix does not match the rest.
inline std::string Payload(const std::string& frame) {
  EXPECT_GE(frame.size(), 4u);
  if (frame.size() < 4) return "";
  const auto* p = reinterpret_cast<const uint8_t*>(frame.data());
  const uint32_t len = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  EXPECT_EQ(len, frame.size() - 4) << "length prefix disagrees with the frame size";
  return frame.substr(4);
}

inline std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Compares byte strings showing hex on failure.
#define EXPECT_BYTES_EQ(expected, actual) \
  EXPECT_EQ(::arbor::zk_wire::testing::Hex(expected), ::arbor::zk_wire::testing::Hex(actual))

inline bool ProtoEquals(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

#define EXPECT_PROTO_EQ(expected, actual)                                       \
  EXPECT_TRUE(::arbor::zk_wire::testing::ProtoEquals(expected, actual))         \
      << "expected: " << (expected).ShortDebugString() << "\n  actual: " \
      << (actual).ShortDebugString()

// Builds a payload with a JuteWriter.
struct Bytes {
  std::string data;
  JuteWriter w{&data};
  Bytes& Int(int32_t v) { w.WriteInt(v); return *this; }
  Bytes& Long(int64_t v) { w.WriteLong(v); return *this; }
  Bytes& Bool(bool v) { w.WriteBool(v); return *this; }
  Bytes& Str(std::string_view s) { w.WriteString(s); return *this; }
  Bytes& Raw(std::string_view s) { w.WriteRaw(s); return *this; }
};

}  // namespace arbor::zk_wire::testing
