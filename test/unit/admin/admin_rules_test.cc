#include <gtest/gtest.h>

#include "server/admin/admin_server.h"
#include "server/admin/credentials.h"
#include "server/admin/json_api.h"
#include "server/auth/digest.h"

namespace arbor::admin {
namespace {

TEST(CredentialsTest, BasicAuthMatchesTheDigestLine) {
  std::string line = auth::GenerateDigest("ops:s3cret");  // ops:<base64 sha1>
  auto c = Credentials::Parse("# operators\n\n" + line + "\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Check("Basic b3BzOnMzY3JldA=="), "ops");  // base64("ops:s3cret")
  EXPECT_EQ(c->Check("Basic b3BzOndyb25n"), "");        // ops:wrong
  EXPECT_EQ(c->Check("Basic bm9ib2R5OnMzY3JldA=="), "");  // nobody:s3cret
  EXPECT_EQ(c->Check("Bearer b3BzOnMzY3JldA=="), "");
  EXPECT_EQ(c->Check("Basic !!!"), "");
}

TEST(CredentialsTest, MalformedLinesAreRefused) {
  EXPECT_FALSE(Credentials::Parse("ops\n").ok());
  EXPECT_FALSE(Credentials::Parse(":digest\n").ok());
  EXPECT_FALSE(Credentials::Load("/nonexistent/creds").ok());
}

TEST(Base64DecodeTest, DecodesWithAndWithoutPadding) {
  std::string out;
  ASSERT_TRUE(Base64Decode("aGVsbG8=", &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(Base64Decode("aGk", &out));
  EXPECT_EQ(out, "hi");
  EXPECT_FALSE(Base64Decode("a*b", &out));
}

AdminState ReadyState() {
  AdminState s;
  s.published_mono_ms = 1000;
  s.status.leader = 1;
  s.status.serving = true;
  s.status.commit_index = 50;
  s.applied_index = 50;
  return s;
}

TEST(ReadyTest, ReadyNeedsALeaderServingCaughtUpAndALiveLoop) {
  AdminState s = ReadyState();
  EXPECT_TRUE(AdminServer::NotReadyReasons(s, 10, 1500, 3000).empty());
  s.status.serving = false;
  EXPECT_EQ(AdminServer::NotReadyReasons(s, 10, 1500, 3000).size(), 1u);
  s = ReadyState();
  s.status.leader = 0;
  EXPECT_FALSE(AdminServer::NotReadyReasons(s, 10, 1500, 3000).empty());
  s = ReadyState();
  s.status.commit_index = 61;  // 11 behind, more than 10
  EXPECT_FALSE(AdminServer::NotReadyReasons(s, 10, 1500, 3000).empty());
  s.status.commit_index = 60;
  EXPECT_TRUE(AdminServer::NotReadyReasons(s, 10, 1500, 3000).empty());
  s = ReadyState();
  EXPECT_FALSE(AdminServer::NotReadyReasons(s, 10, 5000, 3000).empty());  // loop silent for 4 s
  s.shutting_down = true;
  EXPECT_FALSE(AdminServer::NotReadyReasons(s, 10, 1500, 3000).empty());
}

TEST(JsonApiTest, MembersCarryLeaderProgressOnly) {
  AdminState s = ReadyState();
  s.status.server_id = 1;
  s.status.term = 4;
  MemberView self;
  self.id = 1;
  self.self = true;
  self.role = "leader";
  self.progress = "replicate";
  MemberView other;
  other.id = 2;
  other.role = "follower";
  s.members = {self, other};
  Json j = MembersJson(s);
  EXPECT_EQ(j["term"], 4);
  ASSERT_EQ(j["members"].size(), 2u);
  EXPECT_EQ(j["members"][0]["role"], "leader");
  EXPECT_TRUE(j["members"][0].contains("lag_entries"));
  EXPECT_FALSE(j["members"][1].contains("lag_entries"));
}

}  // namespace
}  // namespace arbor::admin
