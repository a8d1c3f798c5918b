// --superdigest becomes AuthConfig; a malformed value is refused with a
// message naming the flag.
#include <gflags/gflags.h>
#include <gtest/gtest.h>

#include "server/auth/auth_flags.h"

DECLARE_string(superdigest);

namespace arbor::auth {
namespace {

TEST(AuthFlagsTest, SuperDigestFlagBuildsConfig) {
  gflags::FlagSaver saver;
  Result<AuthConfig> none = AuthConfigFromFlags();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->superdigest, "") << "no super user by default";
  FLAGS_superdigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";
  Result<AuthConfig> config = AuthConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->superdigest, "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
}

TEST(AuthFlagsTest, MalformedSuperDigestIsRefused) {
  gflags::FlagSaver saver;
  FLAGS_superdigest = "super:test";
  Result<AuthConfig> config = AuthConfigFromFlags();
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("--superdigest"), std::string::npos) << config.status().ToString();
}

}  // namespace
}  // namespace arbor::auth
