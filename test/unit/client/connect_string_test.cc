#include "client/connect_string.h"

#include <gtest/gtest.h>

#include "client/error_codes.h"

namespace arbor::client {
namespace {

TEST(ConnectStringTest, ParsesHostsAndChroot) {
  Result<ConnectString> cs = ParseConnectString("a:1, b:2 ,[::1]:3/app/x");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  ASSERT_EQ(cs->hosts.size(), 3u);
  EXPECT_EQ(cs->hosts[0], (HostPort{"a", 1}));
  EXPECT_EQ(cs->hosts[1], (HostPort{"b", 2}));
  EXPECT_EQ(cs->hosts[2], (HostPort{"::1", 3}));
  EXPECT_EQ(cs->chroot, "/app/x");
  EXPECT_EQ(ParseConnectString("a:1/app", "/other")->chroot, "/other");
  EXPECT_EQ(ParseConnectString("a:1/")->chroot, "");
}

TEST(ConnectStringTest, RejectsBadInput) {
  for (const char* bad : {"", "a", "a:", "a:0", "a:70000", "a:x1", ":5", "a:1/b/", "a:1//b", ",,"}) {
    EXPECT_FALSE(ParseConnectString(bad).ok()) << bad;
  }
}

TEST(ConnectStringTest, ShuffleIsSeededAndAPermutation) {
  std::vector<HostPort> hosts;
  for (uint16_t p = 1; p <= 20; ++p) hosts.push_back({"h", p});
  auto a = hosts, b = hosts, c = hosts;
  ShuffleHosts(&a, 1);
  ShuffleHosts(&b, 1);
  ShuffleHosts(&c, 2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, hosts);
  std::sort(a.begin(), a.end(), [](const HostPort& x, const HostPort& y) { return x.port < y.port; });
  EXPECT_EQ(a, hosts);
}

TEST(ChrootTest, MapsBothWays) {
  Chroot c("/app");
  EXPECT_EQ(c.ToServer("/"), "/app");
  EXPECT_EQ(c.ToServer("/x/y"), "/app/x/y");
  EXPECT_EQ(c.ToClient("/app"), "/");
  EXPECT_EQ(c.ToClient("/app/x"), "/x");
  EXPECT_FALSE(c.IsUnder("/apple"));
  EXPECT_EQ(c.ToClient("/apple"), "/apple");
  Chroot none;
  EXPECT_EQ(none.ToServer("/x"), "/x");
  EXPECT_EQ(none.ToClient("/x"), "/x");
}

TEST(ErrorCodesTest, MessagesNameTheCodeAndExplain) {
  EXPECT_EQ(ErrorCodeName(proto::NONODE), "NONODE");
  EXPECT_EQ(ErrorCodeName(static_cast<proto::ErrorCode>(-42)), "UNKNOWN(-42)");
  std::string m = ErrorCodeMessage(proto::CONNECTIONLOSS);
  EXPECT_EQ(m.rfind("CONNECTIONLOSS: ", 0), 0u);
  EXPECT_NE(m.find("may or may not"), std::string::npos);
  // Every defined code has its own explanation, none falls to the default.
  const auto* desc = proto::ErrorCode_descriptor();
  for (int i = 0; i < desc->value_count(); ++i) {
    auto code = static_cast<proto::ErrorCode>(desc->value(i)->number());
    EXPECT_EQ(ErrorCodeMessage(code).find("unknown error code"), std::string::npos) << desc->value(i)->name();
  }
  EXPECT_TRUE(IsTransient(proto::CONNECTIONLOSS));
  EXPECT_FALSE(IsTransient(proto::NONODE));
}

}  // namespace
}  // namespace arbor::client
