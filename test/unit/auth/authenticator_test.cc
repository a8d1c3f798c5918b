// Auth packets, the super user, connection identities and whoAmI, as
// ZooKeeper 3.8's ServerCnxn / ZooKeeperServer.processPacket handle them.
#include <gtest/gtest.h>

#include "server/auth/acl.h"
#include "server/auth/authenticator.h"
#include "server/auth/digest.h"

namespace arbor::auth {
namespace {

constexpr char kSuperTest[] = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";

std::string Str(const Ids& ids) {
  std::string s;
  for (const proto::Id& id : ids) s += id.scheme() + ":" + id.id() + " ";
  return s;
}

TEST(AuthAuthenticatorTest, ConnectionStartsWithItsIpIdentity) {
  Ids ids = ConnectionIdentities("127.0.0.1");
  EXPECT_EQ(Str(ids), "ip:127.0.0.1 ");
}

TEST(AuthAuthenticatorTest, DigestAddsTheDigestIdentity) {
  Ids ids = ConnectionIdentities("127.0.0.1");
  ASSERT_EQ(Authenticate(AuthConfig(), "digest", "alice:secret", "127.0.0.1", &ids), proto::OK);
  EXPECT_EQ(Str(ids), "ip:127.0.0.1 digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E= ");
  // Twice: no duplicate. Another user: a second identity.
  ASSERT_EQ(Authenticate(AuthConfig(), "digest", "alice:secret", "127.0.0.1", &ids), proto::OK);
  ASSERT_EQ(Authenticate(AuthConfig(), "digest", "bob:pw", "127.0.0.1", &ids), proto::OK);
  EXPECT_EQ(ids.size(), 3);
}

TEST(AuthAuthenticatorTest, AnyDigestBytesAreAcceptedAsOnZooKeeper) {
  Ids ids;
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", "nocolon", "1.1.1.1", &ids), proto::OK);
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", "", "1.1.1.1", &ids), proto::OK);
  EXPECT_EQ(Str(ids), "digest:nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g= digest::2jmj7l5rSw0yVb/vlWAYkK/YBwk= ");
}

TEST(AuthAuthenticatorTest, UnknownSchemesFailAndChangeNothing) {
  Ids ids = ConnectionIdentities("127.0.0.1");
  for (const char* scheme : {"sasl", "x509", "super", "world", "auth", "", "Digest"}) {
    EXPECT_EQ(Authenticate(AuthConfig(), scheme, "alice:secret", "127.0.0.1", &ids), proto::AUTHFAILED) << scheme;
  }
  EXPECT_EQ(Str(ids), "ip:127.0.0.1 ");
}

TEST(AuthAuthenticatorTest, X509IdentityComesFromTheVerifiedCertificateOnly) {
  const std::string dn = "CN=alice,OU=eng,O=Example,C=US";
  Ids ids = ConnectionIdentities("127.0.0.1", dn, AuthConfig());
  EXPECT_EQ(Str(ids), "ip:127.0.0.1 x509:" + dn + " ");
  // The packet's bytes name nobody: without a certificate, AUTHFAILED.
  Ids plain = ConnectionIdentities("127.0.0.1");
  EXPECT_EQ(Authenticate(AuthConfig(), "x509", dn, "127.0.0.1", &plain), proto::AUTHFAILED);
  EXPECT_EQ(Authenticate(AuthConfig(), "x509", "CN=mallory", "127.0.0.1", &ids, dn), proto::OK);
  EXPECT_EQ(Str(ids), "ip:127.0.0.1 x509:" + dn + " ") << "no second identity, and not mallory";

  AuthConfig config;
  config.x509_superuser = "CN=admin,O=Example";
  EXPECT_EQ(Str(ConnectionIdentities("10.0.0.1", "CN=admin,O=Example", config)),
            "ip:10.0.0.1 super:CN=admin,O=Example x509:CN=admin,O=Example ");
  EXPECT_EQ(Str(ConnectionIdentities("10.0.0.1", dn, config)), "ip:10.0.0.1 x509:" + dn + " ");
  proto::WhoAmIResponse who;
  WhoAmI(ConnectionIdentities("10.0.0.1", dn, AuthConfig()), &who);
  ASSERT_EQ(who.client_info_size(), 2);
  EXPECT_EQ(who.client_info(1).scheme(), "x509");
  EXPECT_EQ(who.client_info(1).id(), dn);
}

TEST(AuthAuthenticatorTest, IpSchemeAddsTheRemoteAddress) {
  Ids ids;
  ASSERT_EQ(Authenticate(AuthConfig(), "ip", "ignored", "10.0.0.7", &ids), proto::OK);
  EXPECT_EQ(Str(ids), "ip:10.0.0.7 ");
}

TEST(AuthAuthenticatorTest, SuperDigestGrantsSuper) {
  AuthConfig config;
  config.superdigest = kSuperTest;
  Ids ids = ConnectionIdentities("127.0.0.1");
  ASSERT_EQ(Authenticate(config, "digest", "super:wrong", "127.0.0.1", &ids), proto::OK);
  EXPECT_FALSE(IsSuper(ids)) << "a wrong password is just another identity";
  ASSERT_EQ(Authenticate(config, "digest", "super:test", "127.0.0.1", &ids), proto::OK);
  EXPECT_TRUE(IsSuper(ids));
  EXPECT_EQ(ids.size(), 4);
  // Super bypasses any ACL.
  AclList locked;
  proto::Acl a;
  a.set_perms(proto::PERM_READ);
  a.mutable_id()->set_scheme("digest");
  a.mutable_id()->set_id("alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
  locked.push_back(a);
  EXPECT_TRUE(CheckAcl(locked, proto::PERM_ADMIN, ids));
}

TEST(AuthAuthenticatorTest, NoSuperWithoutSuperDigest) {
  Ids ids;
  ASSERT_EQ(Authenticate(AuthConfig(), "digest", "super:test", "127.0.0.1", &ids), proto::OK);
  EXPECT_FALSE(IsSuper(ids));
  EXPECT_EQ(Str(ids), std::string("digest:") + kSuperTest + " ");
}

TEST(AuthAuthenticatorTest, IdentitiesAreBounded) {
  Ids ids;
  for (int i = 0; i < kMaxIdentities; ++i) {
    ASSERT_EQ(Authenticate(AuthConfig(), "digest", "u" + std::to_string(i) + ":p", "1.1.1.1", &ids), proto::OK);
  }
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", "one:more", "1.1.1.1", &ids), proto::AUTHFAILED);
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", "u0:p", "1.1.1.1", &ids), proto::OK) << "already held";
  EXPECT_EQ(ids.size(), kMaxIdentities);
}

TEST(AuthAuthenticatorTest, AuthPayloadIsBounded) {
  Ids ids;
  std::string user(kMaxAuthBytes - 3, 'u');
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", user + ":pw", "1.1.1.1", &ids), proto::OK);
  EXPECT_EQ(Authenticate(AuthConfig(), "digest", user + ":pw2", "1.1.1.1", &ids), proto::AUTHFAILED);
  EXPECT_EQ(ids.size(), 1);
}

TEST(AuthAuthenticatorTest, WhoAmIReportsSchemeAndUser) {
  AuthConfig config;
  config.superdigest = kSuperTest;
  Ids ids = ConnectionIdentities("127.0.0.1");
  ASSERT_EQ(Authenticate(config, "digest", "super:test", "127.0.0.1", &ids), proto::OK);
  ASSERT_EQ(Authenticate(config, "digest", "alice:secret", "127.0.0.1", &ids), proto::OK);
  proto::WhoAmIResponse who;
  WhoAmI(ids, &who);
  ASSERT_EQ(who.client_info_size(), 4);
  EXPECT_EQ(who.client_info(0).scheme(), "ip");
  EXPECT_EQ(who.client_info(0).id(), "127.0.0.1");
  EXPECT_EQ(who.client_info(1).scheme(), "super");
  EXPECT_EQ(who.client_info(1).id(), "");
  EXPECT_EQ(who.client_info(2).scheme(), "digest");
  EXPECT_EQ(who.client_info(2).id(), "super");
  EXPECT_EQ(who.client_info(3).id(), "alice") << "the user, never the hash";
}

TEST(AuthAuthenticatorTest, SuperDigestFlagValidation) {
  EXPECT_TRUE(ValidateSuperDigest("").ok());
  EXPECT_TRUE(ValidateSuperDigest(kSuperTest).ok());
  EXPECT_TRUE(ValidateSuperDigest(GenerateDigest("admin:x")).ok());
  EXPECT_FALSE(ValidateSuperDigest("super:test").ok()) << "a password, not a digest";
  EXPECT_FALSE(ValidateSuperDigest("D/InIHSb7yEEbrWz8b9l71RjZJU=").ok());
  EXPECT_FALSE(ValidateSuperDigest("super:D/InIHSb7yEEbrWz8b9l71RjZJU").ok());
}

}  // namespace
}  // namespace arbor::auth
