// ACL enforcement in the state machine, as ZooKeeper 3.8.0 does it: every
// permission on every operation allowed and denied (NOAUTH), with and without
// identities; auth expansion; INVALIDACL; the super user; getACL masking;
// watches not set on a denied read. The rules themselves are unit-tested in
// test/unit/auth/.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "server/auth/acl.h"
#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;
using Ids = google::protobuf::RepeatedPtrField<proto::Id>;

constexpr int64_t kS = 1;
const char kAliceDigest[] = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";  // alice:secret

proto::Id MakeId(const std::string& scheme, const std::string& id) {
  proto::Id out;
  out.set_scheme(scheme);
  out.set_id(id);
  return out;
}
Ids IdsOf(std::initializer_list<proto::Id> list) {
  Ids ids;
  for (const proto::Id& id : list) *ids.Add() = id;
  return ids;
}
Ids Alice() { return IdsOf({MakeId("ip", "127.0.0.1"), MakeId("digest", kAliceDigest)}); }
Ids World() { return Ids(); }

void AddAcl(google::protobuf::RepeatedPtrField<proto::Acl>* acl, int32_t perms, const std::string& scheme,
            const std::string& id) {
  proto::Acl* a = acl->Add();
  a->set_perms(perms);
  *a->mutable_id() = MakeId(scheme, id);
}

// A state machine with session kS open, and writes/reads as given identities.
struct AclEnv {
  AclEnv() { EXPECT_EQ(h.OpenSession(kS).response.error(), proto::OK); }

  proto::Response WriteAs(const Ids& ids, const proto::Request& req) {
    proto::LogEntry e;
    e.set_session_id(kS);
    *e.mutable_auth() = ids;
    *e.mutable_request() = req;
    return h.Apply(e).response;
  }
  proto::Response ReadAs(const Ids& ids, const proto::Request& req, WatchManager* w = nullptr) {
    return h.sm.Read(req, kS, ids, w);
  }
  // Creates `path` (as alice) with ACL: alice ALL, world:anyone `world_perms`.
  void CreateNode(const std::string& path, int32_t world_perms) {
    proto::Request r = Harness::CreateReq(path);
    r.mutable_create()->clear_acl();
    AddAcl(r.mutable_create()->mutable_acl(), proto::PERM_ALL, "digest", kAliceDigest);
    AddAcl(r.mutable_create()->mutable_acl(), world_perms, "world", "anyone");
    ASSERT_EQ(WriteAs(Alice(), r).error(), proto::OK) << path;
  }

  Harness h;
};

class TreeAclTest : public ::testing::Test, public AclEnv {};

// One operation on node /n (and its child /n/c), the permission ZooKeeper
// requires for it, and whether it is a read.
struct Op {
  const char* name;
  int32_t needs;  // 0: no check
  bool read;
  std::function<proto::Request()> make;
};

std::vector<Op> AllOps() {
  auto req = [](auto fill) { return [fill] { proto::Request r; fill(&r); return r; }; };
  return {
      {"create child", proto::PERM_CREATE, false, req([](proto::Request* r) { *r = Harness::CreateReq("/n/new"); })},
      {"delete child", proto::PERM_DELETE, false, req([](proto::Request* r) {
         r->mutable_delete_()->set_path("/n/c");
         r->mutable_delete_()->set_version(-1);
       })},
      {"setData", proto::PERM_WRITE, false, req([](proto::Request* r) {
         r->mutable_set_data()->set_path("/n");
         r->mutable_set_data()->set_version(-1);
       })},
      {"setACL", proto::PERM_ADMIN, false, req([](proto::Request* r) {
         r->mutable_set_acl()->set_path("/n");
         r->mutable_set_acl()->set_version(-1);
         AddAcl(r->mutable_set_acl()->mutable_acl(), proto::PERM_ALL, "world", "anyone");
       })},
      {"check", proto::PERM_READ, false, req([](proto::Request* r) {
         r->mutable_check()->set_path("/n");
         r->mutable_check()->set_version(-1);
       })},
      {"getData", proto::PERM_READ, true, req([](proto::Request* r) { r->mutable_get_data()->set_path("/n"); })},
      {"getChildren", proto::PERM_READ, true,
       req([](proto::Request* r) { r->mutable_get_children()->set_path("/n"); })},
      {"getChildren2", proto::PERM_READ, true, req([](proto::Request* r) {
         r->mutable_get_children()->set_path("/n");
         r->mutable_get_children()->set_with_stat(true);
       })},
      {"getAllChildrenNumber", proto::PERM_READ, true,
       req([](proto::Request* r) { r->mutable_get_all_children_number()->set_path("/n"); })},
      {"exists", 0, true, req([](proto::Request* r) { r->mutable_exists()->set_path("/n"); })},
      {"getEphemerals", 0, true, req([](proto::Request* r) { r->mutable_get_ephemerals()->set_prefix_path("/n"); })},
      {"sync", 0, true, req([](proto::Request* r) { r->mutable_sync()->set_path("/n"); })},
  };
}

// For every permission bit taken away from world:anyone, every operation:
// NOAUTH for world exactly when the op needs that bit; alice (ALL) always OK.
TEST(TreeAclMatrixTest, EveryPermissionOnEveryOperation) {
  const int32_t bits[] = {proto::PERM_READ, proto::PERM_WRITE, proto::PERM_CREATE, proto::PERM_DELETE,
                          proto::PERM_ADMIN};
  for (int32_t missing : bits) {
    for (const Op& op : AllOps()) {
      for (bool as_alice : {false, true}) {
        SCOPED_TRACE(std::string(op.name) + " without perm " + std::to_string(missing) +
                     (as_alice ? " as alice" : " as world"));
        AclEnv f;
        f.CreateNode("/n", proto::PERM_ALL);
        ASSERT_EQ(f.h.Create(kS, "/n/c").response.error(), proto::OK);
        // Lock only now, so the setup above never depends on the bit.
        proto::Request lock;
        lock.mutable_set_acl()->set_path("/n");
        lock.mutable_set_acl()->set_version(-1);
        AddAcl(lock.mutable_set_acl()->mutable_acl(), proto::PERM_ALL, "digest", kAliceDigest);
        AddAcl(lock.mutable_set_acl()->mutable_acl(), proto::PERM_ALL & ~missing, "world", "anyone");
        ASSERT_EQ(f.WriteAs(Alice(), lock).error(), proto::OK);

        const Ids ids = as_alice ? Alice() : World();
        proto::ErrorCode got = op.read ? f.ReadAs(ids, op.make()).error() : f.WriteAs(ids, op.make()).error();
        proto::ErrorCode want = (!as_alice && op.needs == missing) ? proto::NOAUTH : proto::OK;
        EXPECT_EQ(got, want);
      }
    }
  }
}

TEST_F(TreeAclTest, ReadsWithoutIdentitiesAreWorldOnly) {
  CreateNode("/secret", proto::PERM_NONE);
  proto::Request get;
  get.mutable_get_data()->set_path("/secret");
  EXPECT_EQ(h.sm.Read(get, kS, nullptr).error(), proto::NOAUTH) << "the old overload is world:anyone, not allow-all";
  EXPECT_EQ(ReadAs(World(), get).error(), proto::NOAUTH);
  EXPECT_EQ(ReadAs(Alice(), get).error(), proto::OK);
  EXPECT_EQ(ReadAs(IdsOf({MakeId("digest", "alice:wrong=")}), get).error(), proto::NOAUTH);
  // NONODE comes before NOAUTH.
  get.mutable_get_data()->set_path("/secret/missing");
  EXPECT_EQ(ReadAs(World(), get).error(), proto::NONODE);
  // exists is not checked (ZooKeeper 3.8.0).
  EXPECT_EQ(h.Exists("/secret").error(), proto::OK);
}

TEST_F(TreeAclTest, WritesUseTheEntrysIdentities) {
  CreateNode("/w", proto::PERM_READ);
  EXPECT_EQ(h.SetData(kS, "/w", "x").response.error(), proto::NOAUTH) << "entry without auth: world";
  proto::Request set;
  set.mutable_set_data()->set_path("/w");
  set.mutable_set_data()->set_data("x");
  set.mutable_set_data()->set_version(5);
  EXPECT_EQ(WriteAs(World(), set).error(), proto::NOAUTH) << "NOAUTH before BADVERSION";
  EXPECT_EQ(WriteAs(Alice(), set).error(), proto::BADVERSION);
  set.mutable_set_data()->set_version(-1);
  EXPECT_EQ(WriteAs(Alice(), set).error(), proto::OK);
  EXPECT_EQ(WriteAs(IdsOf({MakeId("ip", "127.0.0.1")}), set).error(), proto::NOAUTH);
}

TEST_F(TreeAclTest, DeniedReadSetsNoWatch) {
  CreateNode("/quiet", proto::PERM_NONE);
  WatchManager w;
  proto::Request get;
  get.mutable_get_data()->set_path("/quiet");
  get.mutable_get_data()->set_watch(true);
  ASSERT_EQ(ReadAs(World(), get, &w).error(), proto::NOAUTH);
  proto::Request kids;
  kids.mutable_get_children()->set_path("/quiet");
  kids.mutable_get_children()->set_watch(true);
  ASSERT_EQ(ReadAs(World(), kids, &w).error(), proto::NOAUTH);
  EXPECT_EQ(w.Check("/quiet", kS, proto::WATCHER_ANY), proto::NOWATCHER);
  ASSERT_EQ(ReadAs(Alice(), get, &w).error(), proto::OK);
  EXPECT_EQ(w.Check("/quiet", kS, proto::WATCHER_DATA), proto::OK);
}

TEST_F(TreeAclTest, GetAclNeedsReadOrAdminAndMasksWithoutAdmin) {
  proto::Request get;
  get.mutable_get_acl()->set_path("/m");
  CreateNode("/m", proto::PERM_READ);
  proto::Response r = ReadAs(World(), get);
  ASSERT_EQ(r.error(), proto::OK);
  ASSERT_EQ(r.get_acl().acl_size(), 2);
  EXPECT_EQ(r.get_acl().acl(0).id().id(), "alice:x") << "READ without ADMIN: hash hidden";
  EXPECT_EQ(r.get_acl().acl(0).perms(), proto::PERM_ALL);
  EXPECT_EQ(r.get_acl().acl(1).id().id(), "anyone");
  EXPECT_TRUE(r.get_acl().has_stat());
  r = ReadAs(Alice(), get);
  EXPECT_EQ(r.get_acl().acl(0).id().id(), kAliceDigest) << "ADMIN: unmasked";

  CreateNode("/admin_only", proto::PERM_ADMIN);
  get.mutable_get_acl()->set_path("/admin_only");
  r = ReadAs(World(), get);
  ASSERT_EQ(r.error(), proto::OK) << "ADMIN alone suffices";
  EXPECT_EQ(r.get_acl().acl(0).id().id(), kAliceDigest);

  CreateNode("/none", proto::PERM_WRITE | proto::PERM_CREATE | proto::PERM_DELETE);
  get.mutable_get_acl()->set_path("/none");
  EXPECT_EQ(ReadAs(World(), get).error(), proto::NOAUTH) << "neither READ nor ADMIN";
  EXPECT_FALSE(ReadAs(World(), get).has_get_acl());
}

TEST_F(TreeAclTest, SuperBypassesEveryCheck) {
  CreateNode("/locked", proto::PERM_NONE);
  ASSERT_EQ(h.Create(kS, "/open").response.error(), proto::OK);
  const Ids super = IdsOf({MakeId("ip", "127.0.0.1"), MakeId("super", ""),
                           MakeId("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")});
  proto::Request get;
  get.mutable_get_data()->set_path("/locked");
  EXPECT_EQ(ReadAs(super, get).error(), proto::OK);
  proto::Request acl;
  acl.mutable_get_acl()->set_path("/locked");
  EXPECT_EQ(ReadAs(super, acl).get_acl().acl(0).id().id(), kAliceDigest) << "super counts as ADMIN";
  EXPECT_EQ(WriteAs(super, Harness::CreateReq("/locked/child")).error(), proto::OK);
  proto::Request del;
  del.mutable_delete_()->set_path("/locked/child");
  del.mutable_delete_()->set_version(-1);
  EXPECT_EQ(WriteAs(super, del).error(), proto::OK);
  // The digest of super:test alone (no super id) is an ordinary identity.
  const Ids digest_only = IdsOf({MakeId("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")});
  EXPECT_EQ(ReadAs(digest_only, get).error(), proto::NOAUTH);
}

TEST_F(TreeAclTest, AuthSchemeExpandsToTheEntrysIdentities) {
  proto::Request r = Harness::CreateReq("/mine");
  r.mutable_create()->clear_acl();
  AddAcl(r.mutable_create()->mutable_acl(), proto::PERM_ALL, "auth", "");
  EXPECT_EQ(WriteAs(World(), r).error(), proto::INVALIDACL);
  EXPECT_EQ(WriteAs(IdsOf({MakeId("ip", "127.0.0.1")}), r).error(), proto::INVALIDACL) << "ip is not authenticated";
  ASSERT_EQ(WriteAs(Alice(), r).error(), proto::OK);
  proto::Request get;
  get.mutable_get_acl()->set_path("/mine");
  proto::Response acl = ReadAs(Alice(), get);
  ASSERT_EQ(acl.get_acl().acl_size(), 1);
  EXPECT_EQ(acl.get_acl().acl(0).id().scheme(), "digest");
  EXPECT_EQ(acl.get_acl().acl(0).id().id(), kAliceDigest);
  EXPECT_EQ(h.SetData(kS, "/mine", "x").response.error(), proto::NOAUTH) << "world lost access";
}

TEST_F(TreeAclTest, InvalidAclBeforeNoNodeAndNoAuth) {
  CreateNode("/p", proto::PERM_NONE);
  proto::Request r = Harness::CreateReq("/missing/child");
  r.mutable_create()->clear_acl();
  AddAcl(r.mutable_create()->mutable_acl(), proto::PERM_ALL, "digest", "nohash");
  EXPECT_EQ(WriteAs(World(), r).error(), proto::INVALIDACL) << "fixupACL runs before the parent lookup";
  r.mutable_create()->set_path("/p/child");
  EXPECT_EQ(WriteAs(World(), r).error(), proto::INVALIDACL) << "and before the CREATE check";
  proto::Request set;
  set.mutable_set_acl()->set_path("/p");
  set.mutable_set_acl()->set_version(-1);
  AddAcl(set.mutable_set_acl()->mutable_acl(), proto::PERM_ALL, "ip", "1.2.3.4/40");
  EXPECT_EQ(WriteAs(World(), set).error(), proto::INVALIDACL);
  set.mutable_set_acl()->mutable_acl(0)->mutable_id()->set_id("1.2.3.4/24");
  EXPECT_EQ(WriteAs(World(), set).error(), proto::NOAUTH);
  set.mutable_set_acl()->set_path("/nope");
  EXPECT_EQ(WriteAs(World(), set).error(), proto::NONODE);
}

TEST_F(TreeAclTest, IpAclsMatchTheEntrysAddress) {
  proto::Request r = Harness::CreateReq("/lan");
  r.mutable_create()->clear_acl();
  AddAcl(r.mutable_create()->mutable_acl(), proto::PERM_ALL, "ip", "10.0.0.0/8");
  ASSERT_EQ(h.Write(kS, r).response.error(), proto::OK) << "creating needs CREATE on /, not on the new ACL";
  proto::Request get;
  get.mutable_get_data()->set_path("/lan");
  EXPECT_EQ(ReadAs(IdsOf({MakeId("ip", "10.9.8.7")}), get).error(), proto::OK);
  EXPECT_EQ(ReadAs(IdsOf({MakeId("ip", "11.0.0.1")}), get).error(), proto::NOAUTH);
  EXPECT_EQ(ReadAs(IdsOf({MakeId("ip", "::1")}), get).error(), proto::NOAUTH);
}

TEST_F(TreeAclTest, NoAuthInsideMultiRollsBackEverything) {
  CreateNode("/ro", proto::PERM_READ);
  proto::Request m;
  *m.mutable_multi()->add_ops()->mutable_create() = Harness::CreateReq("/x").create();
  proto::SetDataRequest* set = m.mutable_multi()->add_ops()->mutable_set_data();
  set->set_path("/ro");
  set->set_version(-1);
  proto::Response r = WriteAs(World(), m);
  EXPECT_EQ(r.error(), proto::NOAUTH);
  ASSERT_EQ(r.multi().results_size(), 2);
  EXPECT_EQ(r.multi().results(0).error(), proto::OK);
  EXPECT_EQ(r.multi().results(1).error(), proto::NOAUTH);
  EXPECT_FALSE(h.Has("/x"));
  EXPECT_EQ(WriteAs(Alice(), m).error(), proto::OK);
  EXPECT_TRUE(h.Has("/x"));
}

TEST_F(TreeAclTest, MultiReadChecksEachOp) {
  CreateNode("/hidden", proto::PERM_NONE);
  ASSERT_EQ(h.Create(kS, "/shown", "v").response.error(), proto::OK);
  proto::Request m;
  m.mutable_multi()->set_read_only(true);
  m.mutable_multi()->add_ops()->mutable_get_data()->set_path("/shown");
  m.mutable_multi()->add_ops()->mutable_get_data()->set_path("/hidden");
  m.mutable_multi()->add_ops()->mutable_get_children()->set_path("/hidden");
  proto::Response r = ReadAs(World(), m);
  ASSERT_EQ(r.multi().results_size(), 3);
  EXPECT_EQ(r.multi().results(0).error(), proto::OK);
  EXPECT_EQ(r.multi().results(0).get_data().data(), "v");
  EXPECT_EQ(r.multi().results(1).error(), proto::NOAUTH);
  EXPECT_EQ(r.multi().results(2).error(), proto::NOAUTH);
  r = ReadAs(Alice(), m);
  EXPECT_EQ(r.multi().results(1).error(), proto::OK);
}

TEST_F(TreeAclTest, BuiltinNodesKeepZooKeepersAcls) {
  proto::Request get;
  get.mutable_get_acl()->set_path("/zookeeper/config");
  proto::Response r = ReadAs(World(), get);
  ASSERT_EQ(r.get_acl().acl_size(), 1);
  EXPECT_EQ(r.get_acl().acl(0).perms(), proto::PERM_READ);
  get.mutable_get_acl()->set_path("/");
  EXPECT_EQ(ReadAs(World(), get).get_acl().acl(0).perms(), proto::PERM_ALL);
}

TEST_F(TreeAclTest, LockedNodesSurviveASnapshot) {
  CreateNode("/keep", proto::PERM_NONE);
  const std::string snapshot = h.Snapshot();
  StringSource source(snapshot);
  Result<std::unique_ptr<StateMachine>> copy = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  proto::Request get;
  get.mutable_get_data()->set_path("/keep");
  EXPECT_EQ((*copy)->Read(get, kS, World(), nullptr).error(), proto::NOAUTH);
  EXPECT_EQ((*copy)->Read(get, kS, Alice(), nullptr).error(), proto::OK);
}

}  // namespace
}  // namespace arbor::tree
