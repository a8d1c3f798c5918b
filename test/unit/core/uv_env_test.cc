// The production Env's pieces that need no loop.
#include "server/core/uv_env.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace arbor::core {
namespace {

// Session passwords come from the kernel's CSPRNG (getrandom), not from a
// PRNG seeded by the clock: they must not be predictable from when the
// server started. Black-box, the most a test can show is that they are
// full-length and do not repeat.
TEST(SystemEntropyTest, FillsTheRequestedBytesWithoutRepeating) {
  SystemEntropy e;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string pw;
    e.Fill(16, &pw);
    ASSERT_EQ(pw.size(), 16u);
    EXPECT_TRUE(seen.insert(pw).second) << "a 128-bit password repeated";
  }
  std::string big;
  e.Fill(1 << 16, &big);
  int zeros = 0;
  for (char c : big) zeros += c == 0;
  EXPECT_LT(zeros, 600) << "a 64 KiB fill should hold about 256 zero bytes";
  EXPECT_NE(e.Next64(), e.Next64());
}

}  // namespace
}  // namespace arbor::core
