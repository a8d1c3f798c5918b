// ZooKeeper's ACL rules as pure functions: checkACL, fixupACL (validation
// and `auth` expansion), ip matching and getACL's digest masking.
#include <gtest/gtest.h>

#include <string>

#include "server/auth/acl.h"
#include "server/auth/ip_acl.h"

namespace arbor::auth {
namespace {

proto::Id MakeId(const std::string& scheme, const std::string& id) {
  proto::Id out;
  out.set_scheme(scheme);
  out.set_id(id);
  return out;
}

proto::Acl MakeAcl(int32_t perms, const std::string& scheme, const std::string& id) {
  proto::Acl a;
  a.set_perms(perms);
  *a.mutable_id() = MakeId(scheme, id);
  return a;
}

Ids MakeIds(std::initializer_list<proto::Id> list) {
  Ids ids;
  for (const proto::Id& id : list) *ids.Add() = id;
  return ids;
}

google::protobuf::RepeatedPtrField<proto::Acl> AclField(std::initializer_list<proto::Acl> list) {
  google::protobuf::RepeatedPtrField<proto::Acl> f;
  for (const proto::Acl& a : list) *f.Add() = a;
  return f;
}

const std::string kAlice = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";  // alice:secret

TEST(AuthCheckAclTest, WorldAnyoneGrantsItsPermsToEveryone) {
  AclList acl{MakeAcl(proto::PERM_READ, "world", "anyone")};
  EXPECT_TRUE(CheckAcl(acl, proto::PERM_READ, Ids()));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_WRITE, Ids()));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_CREATE, Ids()));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_DELETE, Ids()));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_ADMIN, Ids()));
}

TEST(AuthCheckAclTest, EachPermissionBitIsCheckedSeparately) {
  const int32_t bits[] = {proto::PERM_READ, proto::PERM_WRITE, proto::PERM_CREATE, proto::PERM_DELETE,
                          proto::PERM_ADMIN};
  for (int32_t granted : bits) {
    AclList acl{MakeAcl(granted, "digest", kAlice)};
    Ids alice = MakeIds({MakeId("digest", kAlice)});
    for (int32_t wanted : bits) {
      EXPECT_EQ(CheckAcl(acl, wanted, alice), granted == wanted) << granted << " vs " << wanted;
      EXPECT_FALSE(CheckAcl(acl, wanted, Ids())) << "no identity, no access";
    }
  }
}

TEST(AuthCheckAclTest, AnyRequestedBitSuffices) {
  // getACL asks for READ|ADMIN: either one is enough (ZooKeeper's perms & perm != 0).
  AclList acl{MakeAcl(proto::PERM_ADMIN, "world", "anyone")};
  EXPECT_TRUE(CheckAcl(acl, proto::PERM_READ | proto::PERM_ADMIN, Ids()));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_READ | proto::PERM_WRITE, Ids()));
}

TEST(AuthCheckAclTest, DigestMatchesExactlyAndOnlyItsScheme) {
  AclList acl{MakeAcl(proto::PERM_ALL, "digest", kAlice)};
  EXPECT_TRUE(CheckAcl(acl, proto::PERM_WRITE, MakeIds({MakeId("ip", "1.2.3.4"), MakeId("digest", kAlice)})));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_WRITE, MakeIds({MakeId("digest", "alice:other=")})));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_WRITE, MakeIds({MakeId("sasl", kAlice)})));
}

TEST(AuthCheckAclTest, SuperPassesEverythingEmptyAclAllowsAll) {
  AclList nobody{MakeAcl(proto::PERM_READ, "digest", kAlice)};
  EXPECT_TRUE(CheckAcl(nobody, proto::PERM_ADMIN, MakeIds({MakeId("super", "")})));
  EXPECT_TRUE(IsSuper(MakeIds({MakeId("ip", "1.1.1.1"), MakeId("super", "")})));
  EXPECT_FALSE(IsSuper(MakeIds({MakeId("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")})));
  EXPECT_TRUE(CheckAcl(AclList(), proto::PERM_ADMIN, Ids()));
}

TEST(AuthCheckAclTest, IpAclsMatchAddressesAndRanges) {
  AclList acl{MakeAcl(proto::PERM_READ, "ip", "10.1.0.0/16")};
  EXPECT_TRUE(CheckAcl(acl, proto::PERM_READ, MakeIds({MakeId("ip", "10.1.2.3")})));
  EXPECT_FALSE(CheckAcl(acl, proto::PERM_READ, MakeIds({MakeId("ip", "10.2.2.3")})));
  EXPECT_TRUE(IpMatches("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(IpMatches("127.0.0.2", "127.0.0.1"));
  EXPECT_TRUE(IpMatches("192.168.77.1", "192.168.64.0/18"));
  EXPECT_FALSE(IpMatches("192.168.128.1", "192.168.64.0/18"));
  EXPECT_TRUE(IpMatches("8.8.8.8", "0.0.0.0/0"));
  EXPECT_FALSE(IpMatches("::1", "0.0.0.0/0")) << "IPv6 clients match no ip ACL (ZooKeeper 3.8)";
  EXPECT_FALSE(IpMatches("10.0.0.1", "10.0.0.1/33"));
}

TEST(AuthCheckAclTest, IpAclIdValidity) {
  EXPECT_TRUE(IsValidIpAclId("127.0.0.1"));
  EXPECT_TRUE(IsValidIpAclId("10.0.0.0/8"));
  EXPECT_TRUE(IsValidIpAclId("10.0.0.0/0"));
  EXPECT_TRUE(IsValidIpAclId("010.+1.0.0"));  // Integer.parseInt accepts these
  EXPECT_FALSE(IsValidIpAclId("10.0.0.0/"));
  EXPECT_FALSE(IsValidIpAclId("10.0.0.0/33"));
  EXPECT_FALSE(IsValidIpAclId("10.0.0.0/-1"));
  EXPECT_FALSE(IsValidIpAclId("256.0.0.1"));
  EXPECT_FALSE(IsValidIpAclId("1.2.3"));
  EXPECT_FALSE(IsValidIpAclId("1.2.3.4.5"));
  EXPECT_FALSE(IsValidIpAclId("::1"));
  EXPECT_FALSE(IsValidIpAclId(""));
}

TEST(AuthFixupAclTest, KeepsValidEntriesAndDropsExactDuplicates) {
  AclList out;
  auto in = AclField({MakeAcl(proto::PERM_READ, "world", "anyone"), MakeAcl(proto::PERM_READ, "world", "anyone"),
                      MakeAcl(proto::PERM_WRITE, "world", "anyone"), MakeAcl(proto::PERM_ALL, "digest", kAlice),
                      MakeAcl(proto::PERM_ALL, "ip", "10.0.0.0/8")});
  ASSERT_EQ(FixupAcl(in, Ids(), &out), proto::OK);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].perms(), proto::PERM_READ);
  EXPECT_EQ(out[1].perms(), proto::PERM_WRITE) << "same id, other perms: a different entry";
  EXPECT_EQ(out[2].id().id(), kAlice);
  EXPECT_EQ(out[3].id().scheme(), "ip");
}

// x509 ACLs are valid inside Apply on every replica (so flags cannot make
// replicas disagree); whether a server takes them at all is the leader's
// check before proposing (UsesX509Acl with AuthConfig::x509_acls), which
// keeps ZooKeeper's INVALIDACL when no TLS port is served.
TEST(AuthX509AclTest, ValidMatchedExactlyAndExpandedByAuth) {
  const std::string dn = "CN=alice,OU=eng,O=Example,C=US";
  AclList out;
  google::protobuf::RepeatedPtrField<proto::Acl> in;
  *in.Add() = MakeAcl(proto::PERM_ALL, "x509", dn);
  ASSERT_EQ(FixupAcl(in, Ids(), &out), proto::OK);
  EXPECT_TRUE(CheckAcl(out, proto::PERM_WRITE, MakeIds({MakeId("x509", dn)})));
  EXPECT_FALSE(CheckAcl(out, proto::PERM_WRITE, MakeIds({MakeId("x509", "CN=alice")})));
  EXPECT_FALSE(CheckAcl(out, proto::PERM_WRITE, MakeIds({MakeId("digest", dn)})));
  google::protobuf::RepeatedPtrField<proto::Acl> auth;
  *auth.Add() = MakeAcl(proto::PERM_READ, "auth", "");
  ASSERT_EQ(FixupAcl(auth, MakeIds({MakeId("ip", "1.1.1.1"), MakeId("x509", dn)}), &out), proto::OK);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id().scheme(), "x509");
  EXPECT_EQ(out[0].id().id(), dn);

  proto::Request create;
  *create.mutable_create()->add_acl() = MakeAcl(proto::PERM_ALL, "x509", dn);
  EXPECT_TRUE(UsesX509Acl(create));
  proto::Request multi;
  auto* op = multi.mutable_multi()->add_ops()->mutable_create();
  *op->add_acl() = MakeAcl(proto::PERM_ALL, "world", "anyone");
  EXPECT_FALSE(UsesX509Acl(multi));
  *op->add_acl() = MakeAcl(proto::PERM_ALL, "x509", dn);
  EXPECT_TRUE(UsesX509Acl(multi));
  proto::Request set_acl;
  *set_acl.mutable_set_acl()->add_acl() = MakeAcl(proto::PERM_ALL, "digest", "a:b");
  EXPECT_FALSE(UsesX509Acl(set_acl));
}

TEST(AuthFixupAclTest, InvalidAcls) {
  AclList out;
  auto fix = [&out](std::initializer_list<proto::Acl> l, Ids ids = Ids()) { return FixupAcl(AclField(l), ids, &out); };
  EXPECT_EQ(fix({}), proto::INVALIDACL) << "empty";
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "world", "everyone")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "nosuch", "x")}), proto::INVALIDACL) << "unknown scheme";
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "", "")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "super", "")}), proto::INVALIDACL) << "super is no ACL scheme";
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "x509", "")}), proto::INVALIDACL) << "not a DN";
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "x509", "alice")}), proto::INVALIDACL) << "not a DN";
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "digest", "nocolon")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "digest", "user:")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "digest", "a:b:c")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "ip", "300.1.1.1")}), proto::INVALIDACL);
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "sasl", "a@b@c")}), proto::INVALIDACL);
  // One bad entry spoils the list.
  EXPECT_EQ(fix({MakeAcl(proto::PERM_ALL, "world", "anyone"), MakeAcl(proto::PERM_ALL, "ip", "x")}),
            proto::INVALIDACL);
}

TEST(AuthFixupAclTest, DigestIdsValidInJavasSplitSense) {
  AclList out;
  // Java's split(":") drops trailing empties: "a:b:" has two parts, ":b" too.
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(1, "digest", "a:b:")}), Ids(), &out), proto::OK);
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(1, "digest", ":b")}), Ids(), &out), proto::OK);
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(1, "sasl", "zk/host@REALM")}), Ids(), &out), proto::OK);
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(1, "sasl", "alice")}), Ids(), &out), proto::OK);
}

TEST(AuthFixupAclTest, PermissionBitsAreNotValidated) {
  AclList out;
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(0, "world", "anyone")}), Ids(), &out), proto::OK);
  EXPECT_EQ(FixupAcl(AclField({MakeAcl(0x7F, "world", "anyone")}), Ids(), &out), proto::OK);
  EXPECT_EQ(out[0].perms(), 0x7F);
}

TEST(AuthFixupAclTest, AuthExpandsToAuthenticatedIdentities) {
  AclList out;
  Ids ids = MakeIds({MakeId("ip", "127.0.0.1"), MakeId("super", ""), MakeId("digest", kAlice),
                     MakeId("digest", "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=")});
  ASSERT_EQ(FixupAcl(AclField({MakeAcl(proto::PERM_READ | proto::PERM_ADMIN, "auth", "")}), ids, &out), proto::OK);
  ASSERT_EQ(out.size(), 2u) << "ip and super are not authenticated identities";
  EXPECT_EQ(out[0].id().scheme(), "digest");
  EXPECT_EQ(out[0].id().id(), kAlice);
  EXPECT_EQ(out[0].perms(), proto::PERM_READ | proto::PERM_ADMIN);
  EXPECT_EQ(out[1].id().id(), "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
}

TEST(AuthFixupAclTest, AuthWithoutAuthenticatedIdentityIsInvalid) {
  AclList out;
  auto acl = AclField({MakeAcl(proto::PERM_ALL, "auth", "")});
  EXPECT_EQ(FixupAcl(acl, Ids(), &out), proto::INVALIDACL);
  EXPECT_EQ(FixupAcl(acl, MakeIds({MakeId("ip", "127.0.0.1")}), &out), proto::INVALIDACL);
  EXPECT_EQ(FixupAcl(acl, MakeIds({MakeId("super", "")}), &out), proto::INVALIDACL);
}

TEST(AuthFixupAclTest, DuplicatesAreDroppedBeforeExpansionAsZooKeeperDoes) {
  AclList out;
  Ids ids = MakeIds({MakeId("digest", kAlice)});
  auto acl = AclField({MakeAcl(proto::PERM_ALL, "auth", ""), MakeAcl(proto::PERM_ALL, "digest", kAlice)});
  ASSERT_EQ(FixupAcl(acl, ids, &out), proto::OK);
  EXPECT_EQ(out.size(), 2u) << "ZooKeeper keeps the expanded twin";
}

TEST(AuthMaskTest, DigestHashesHidden) {
  EXPECT_EQ(MaskDigestId(kAlice), "alice:x");
  EXPECT_EQ(MaskDigestId("a:b:c"), "a:x");
  EXPECT_EQ(MaskDigestId("nocolon"), "nocolon");
  EXPECT_EQ(MaskDigestId(":h"), ":x");
  EXPECT_EQ(MaskDigestId("a:b\nc:d"), "a:x\nc:x") << "Java's '.' stops at a line end";
  auto acl = AclField({MakeAcl(proto::PERM_ALL, "digest", kAlice), MakeAcl(proto::PERM_READ, "world", "anyone"),
                       MakeAcl(proto::PERM_READ, "ip", "10.0.0.1")});
  MaskDigests(&acl);
  EXPECT_EQ(acl[0].id().id(), "alice:x");
  EXPECT_EQ(acl[0].perms(), proto::PERM_ALL);
  EXPECT_EQ(acl[1].id().id(), "anyone");
  EXPECT_EQ(acl[2].id().id(), "10.0.0.1");
}

}  // namespace
}  // namespace arbor::auth
