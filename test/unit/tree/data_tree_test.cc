// DataTree rules through the StateMachine: Stat updates, versions, node kinds,
// errors, ACL storage, reserved paths and limits.
#include <gflags/gflags.h>
#include <gtest/gtest.h>

#include "common/path.h"
#include "server/tree/ephemeral_type.h"
#include "server/tree/tree_flags.h"
#include "test/unit/tree/tree_test_util.h"

DECLARE_uint64(max_data_bytes);

namespace arbor::tree {
namespace {

using testing::Harness;
constexpr int64_t kS = 7;

class TreeDataTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(h.OpenSession(kS).response.error(), proto::OK); }
  Harness h;
};

TEST_F(TreeDataTest, CreateSetsFullStatAndParentChildStat) {
  h.time_ms = 5000;
  ApplyResult r = h.Create(kS, "/a", "hello");
  ASSERT_EQ(r.response.error(), proto::OK);
  EXPECT_EQ(r.response.create().path(), "/a");
  const int64_t z = h.zxid;
  proto::Stat st = h.StatOf("/a");
  EXPECT_EQ(st.czxid(), z);
  EXPECT_EQ(st.mzxid(), z);
  EXPECT_EQ(st.pzxid(), z);
  EXPECT_EQ(st.ctime(), 5000);
  EXPECT_EQ(st.mtime(), 5000);
  EXPECT_EQ(st.version(), 0);
  EXPECT_EQ(st.cversion(), 0);
  EXPECT_EQ(st.aversion(), 0);
  EXPECT_EQ(st.ephemeral_owner(), 0);
  EXPECT_EQ(st.data_length(), 5);
  EXPECT_EQ(st.num_children(), 0);
  proto::Stat root_before = h.StatOf("/");
  ASSERT_EQ(h.Create(kS, "/a/b").response.error(), proto::OK);
  proto::Stat a = h.StatOf("/a");
  EXPECT_EQ(a.cversion(), 1);
  EXPECT_EQ(a.pzxid(), h.zxid);
  EXPECT_EQ(a.num_children(), 1);
  EXPECT_EQ(a.mzxid(), z) << "a child create must not touch the parent's data stat";
  EXPECT_EQ(a.version(), 0);
  EXPECT_EQ(h.StatOf("/").cversion(), root_before.cversion()) << "grandparent untouched";
}

TEST_F(TreeDataTest, DeleteBumpsParentCversionAndPzxid) {
  ASSERT_EQ(h.Create(kS, "/p").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/p/c").response.error(), proto::OK);
  ASSERT_EQ(h.Delete(kS, "/p/c").response.error(), proto::OK);
  proto::Stat p = h.StatOf("/p");
  EXPECT_EQ(p.cversion(), 2);
  EXPECT_EQ(p.pzxid(), h.zxid);
  EXPECT_EQ(p.num_children(), 0);
  EXPECT_FALSE(h.Has("/p/c"));
}

TEST_F(TreeDataTest, SequentialNamingContinuesAcrossDeletes) {
  ASSERT_EQ(h.Create(kS, "/q").response.error(), proto::OK);
  ApplyResult r1 = h.Create(kS, "/q/n-", "", proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(r1.response.create().path(), "/q/n-0000000000");
  ASSERT_EQ(h.Delete(kS, "/q/n-0000000000").response.error(), proto::OK);
  ApplyResult r2 = h.Create(kS, "/q/n-", "", proto::EPHEMERAL_SEQUENTIAL);
  EXPECT_EQ(r2.response.create().path(), "/q/n-0000000001")
      << "numbers count creates: never reused, deletes do not skip one (ZooKeeper)";
  ApplyResult r3 = h.Create(kS, "/q/", "", proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(r3.response.create().path(), "/q/0000000002") << "a sequential prefix may end in '/'";
  proto::Stat root = h.StatOf("/");
  ApplyResult r4 = h.Create(kS, "/", "", proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(r4.response.error(), proto::OK);
  EXPECT_EQ(r4.response.create().path(),
            "/" + SequenceSuffix((root.cversion() + root.num_children()) / 2));
}

TEST_F(TreeDataTest, SetDataVersionRules) {
  ASSERT_EQ(h.Create(kS, "/v", "0").response.error(), proto::OK);
  const int64_t created = h.zxid;
  EXPECT_EQ(h.SetData(kS, "/v", "x", 5).response.error(), proto::BADVERSION);
  EXPECT_EQ(h.StatOf("/v").version(), 0) << "a failed setData changes nothing";
  h.time_ms += 10;
  ApplyResult r = h.SetData(kS, "/v", "1", 0);
  ASSERT_EQ(r.response.error(), proto::OK);
  EXPECT_EQ(r.response.set_data().stat().version(), 1);
  EXPECT_EQ(h.SetData(kS, "/v", "2", 0).response.error(), proto::BADVERSION);
  EXPECT_EQ(h.SetData(kS, "/v", "3", -1).response.error(), proto::OK) << "-1 matches any version";
  proto::Stat st = h.StatOf("/v");
  EXPECT_EQ(st.version(), 2);
  EXPECT_EQ(st.mzxid(), h.zxid);
  EXPECT_EQ(st.czxid(), created);
  EXPECT_EQ(st.mtime(), h.time_ms);
  EXPECT_EQ(st.ctime(), h.time_ms - 10);
  EXPECT_EQ(st.cversion(), 0);
  EXPECT_EQ(h.SetData(kS, "/missing", "x").response.error(), proto::NONODE);
}

TEST_F(TreeDataTest, DeleteAndCheckVersionRules) {
  ASSERT_EQ(h.Create(kS, "/d").response.error(), proto::OK);
  ASSERT_EQ(h.SetData(kS, "/d", "x").response.error(), proto::OK);
  EXPECT_EQ(h.Delete(kS, "/d", 0).response.error(), proto::BADVERSION);
  proto::Request check;
  check.mutable_check()->set_path("/d");
  check.mutable_check()->set_version(0);
  EXPECT_EQ(h.Write(kS, check).response.error(), proto::BADVERSION);
  check.mutable_check()->set_version(1);
  EXPECT_EQ(h.Write(kS, check).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/d/child").response.error(), proto::OK);
  EXPECT_EQ(h.Delete(kS, "/d", 1).response.error(), proto::NOTEMPTY);
  EXPECT_EQ(h.Delete(kS, "/d/child", -1).response.error(), proto::OK);
  EXPECT_EQ(h.Delete(kS, "/d", 1).response.error(), proto::OK);
  EXPECT_EQ(h.Delete(kS, "/d", -1).response.error(), proto::NONODE);
}

TEST_F(TreeDataTest, CreateErrors) {
  EXPECT_EQ(h.Create(kS, "/x/y").response.error(), proto::NONODE);
  ASSERT_EQ(h.Create(kS, "/x").response.error(), proto::OK);
  EXPECT_EQ(h.Create(kS, "/x").response.error(), proto::NODEEXISTS);
  EXPECT_EQ(h.Create(kS, "/").response.error(), proto::NODEEXISTS);
  EXPECT_EQ(h.Create(kS, "x").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Create(kS, "/x/").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Create(kS, "/x/../y").response.error(), proto::BADARGUMENTS);
  proto::Request no_acl = Harness::CreateReq("/noacl");
  no_acl.mutable_create()->clear_acl();
  EXPECT_EQ(h.Write(kS, no_acl).response.error(), proto::INVALIDACL);
  ApplyResult failed = h.Create(kS, "/x");
  EXPECT_FALSE(failed.response.has_create()) << "a failed create carries no result";
  EXPECT_TRUE(failed.triggers.empty());
}

TEST_F(TreeDataTest, EphemeralsCannotHaveChildren) {
  ASSERT_EQ(h.Create(kS, "/e", "", proto::EPHEMERAL).response.error(), proto::OK);
  EXPECT_EQ(h.StatOf("/e").ephemeral_owner(), kS);
  EXPECT_EQ(h.Create(kS, "/e/c").response.error(), proto::NOCHILDRENFOREPHEMERALS);
  EXPECT_EQ(h.Create(kS, "/e/c", "", proto::PERSISTENT_SEQUENTIAL).response.error(),
            proto::NOCHILDRENFOREPHEMERALS);
}

TEST_F(TreeDataTest, ContainerAndTtlUseZooKeeperEphemeralOwnerEncoding) {
  ASSERT_EQ(h.Create(kS, "/c", "", proto::CONTAINER).response.error(), proto::OK);
  EXPECT_EQ(static_cast<uint64_t>(h.StatOf("/c").ephemeral_owner()), 0x8000000000000000ull);
  ASSERT_EQ(h.Create(kS, "/t", "", proto::PERSISTENT_WITH_TTL, 1234).response.error(), proto::OK);
  EXPECT_EQ(static_cast<uint64_t>(h.StatOf("/t").ephemeral_owner()), 0xFF00000000000000ull | 1234);
  ApplyResult seq = h.Create(kS, "/t-", "", proto::PERSISTENT_SEQUENTIAL_WITH_TTL, 99);
  ASSERT_EQ(seq.response.error(), proto::OK);
  EXPECT_EQ(TtlOf(seq.response.create().stat().ephemeral_owner()), 99);
  EXPECT_EQ(h.Create(kS, "/t0", "", proto::PERSISTENT_WITH_TTL, 0).response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Create(kS, "/t1", "", proto::PERSISTENT_WITH_TTL, kMaxTtlMs + 1).response.error(),
            proto::BADARGUMENTS);
  EXPECT_EQ(h.Create(kS, "/t2", "", proto::PERSISTENT_WITH_TTL, kMaxTtlMs).response.error(), proto::OK);
}

TEST_F(TreeDataTest, GetChildrenSortedWithAndWithoutStat) {
  ASSERT_EQ(h.Create(kS, "/g").response.error(), proto::OK);
  for (const char* n : {"b", "a", "c", "aa"}) {
    ASSERT_EQ(h.Create(kS, std::string("/g/") + n).response.error(), proto::OK);
  }
  EXPECT_EQ(h.Children("/g"), (std::vector<std::string>{"a", "aa", "b", "c"}));
  proto::Request r;
  r.mutable_get_children()->set_path("/g");
  EXPECT_FALSE(h.sm.Read(r, 0, nullptr).get_children().has_stat());
  r.mutable_get_children()->set_with_stat(true);
  proto::Response resp = h.sm.Read(r, 0, nullptr);
  EXPECT_EQ(resp.get_children().stat().num_children(), 4);
  EXPECT_EQ(resp.get_children().stat().cversion(), 4);
  r.mutable_get_children()->set_path("/nope");
  EXPECT_EQ(h.sm.Read(r, 0, nullptr).error(), proto::NONODE);
}

TEST_F(TreeDataTest, GetAllChildrenNumberCountsAllDescendants) {
  ASSERT_EQ(h.Create(kS, "/n").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/n/a").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/n/a/b").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/n/c").response.error(), proto::OK);
  proto::Request r;
  r.mutable_get_all_children_number()->set_path("/n");
  EXPECT_EQ(h.sm.Read(r, 0, nullptr).get_all_children_number().total_number(), 3);
  r.mutable_get_all_children_number()->set_path("/n/a/b");
  EXPECT_EQ(h.sm.Read(r, 0, nullptr).get_all_children_number().total_number(), 0);
  r.mutable_get_all_children_number()->set_path("/");
  // /zookeeper, /zookeeper/quota, /zookeeper/config count too, as on ZooKeeper.
  EXPECT_EQ(h.sm.Read(r, 0, nullptr).get_all_children_number().total_number(), 7);
}

TEST_F(TreeDataTest, GetEphemeralsFiltersBySessionAndPrefix) {
  ASSERT_EQ(h.OpenSession(8).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/app").response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/app/lock1", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/app/x", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(kS, "/other", "", proto::EPHEMERAL).response.error(), proto::OK);
  ASSERT_EQ(h.Create(8, "/app/lock2", "", proto::EPHEMERAL).response.error(), proto::OK);
  proto::Request r;
  r.mutable_get_ephemerals()->set_prefix_path("/");
  proto::Response all = h.sm.Read(r, kS, nullptr);
  EXPECT_EQ(std::vector<std::string>(all.get_ephemerals().paths().begin(), all.get_ephemerals().paths().end()),
            (std::vector<std::string>{"/app/lock1", "/app/x", "/other"}));
  r.mutable_get_ephemerals()->set_prefix_path("/app/lo");  // a string prefix, as ZooKeeper
  proto::Response some = h.sm.Read(r, kS, nullptr);
  ASSERT_EQ(some.get_ephemerals().paths_size(), 1);
  EXPECT_EQ(some.get_ephemerals().paths(0), "/app/lock1");
}

TEST_F(TreeDataTest, AclStoredWithAversionAndValidated) {
  ASSERT_EQ(h.Create(kS, "/acl").response.error(), proto::OK);
  proto::Request get;
  get.mutable_get_acl()->set_path("/acl");
  proto::Response g = h.sm.Read(get, 0, nullptr);
  ASSERT_EQ(g.get_acl().acl_size(), 1);
  EXPECT_EQ(g.get_acl().acl(0).id().scheme(), "world");
  EXPECT_EQ(g.get_acl().acl(0).id().id(), "anyone");
  EXPECT_EQ(g.get_acl().acl(0).perms(), proto::PERM_ALL);

  proto::Request set;
  set.mutable_set_acl()->set_path("/acl");
  set.mutable_set_acl()->set_version(0);
  proto::Acl* a = set.mutable_set_acl()->add_acl();
  a->set_perms(proto::PERM_READ);
  a->mutable_id()->set_scheme("digest");
  a->mutable_id()->set_id("bob:hash=");
  // world keeps ADMIN, so the unauthenticated writes and reads below pass the ACL check.
  proto::Acl* admin = set.mutable_set_acl()->add_acl();
  admin->set_perms(proto::PERM_ADMIN);
  admin->mutable_id()->set_scheme("world");
  admin->mutable_id()->set_id("anyone");
  ApplyResult r = h.Write(kS, set);
  ASSERT_EQ(r.response.error(), proto::OK);
  EXPECT_EQ(r.response.set_acl().stat().aversion(), 1);
  EXPECT_EQ(h.StatOf("/acl").version(), 0) << "setACL leaves the data version";
  EXPECT_EQ(h.Write(kS, set).response.error(), proto::BADVERSION) << "aversion is now 1";
  g = h.sm.Read(get, 0, nullptr);
  ASSERT_EQ(g.get_acl().acl_size(), 2);
  EXPECT_EQ(g.get_acl().acl(0).id().id(), "bob:hash=") << "ADMIN sees the hash unmasked";

  set.mutable_set_acl()->set_version(-1);
  a->mutable_id()->set_scheme("world");
  a->mutable_id()->set_id("someone");
  EXPECT_EQ(h.Write(kS, set).response.error(), proto::INVALIDACL);
  a->mutable_id()->set_scheme("auth");
  a->mutable_id()->set_id("");
  EXPECT_EQ(h.Write(kS, set).response.error(), proto::INVALIDACL) << "auth scheme needs an identity";

  proto::LogEntry e;
  e.set_session_id(kS);
  *e.mutable_request() = set;
  proto::Id* who = e.add_auth();
  who->set_scheme("digest");
  who->set_id("alice:xyz");
  ASSERT_EQ(h.Apply(e).response.error(), proto::OK);
  g = h.sm.Read(get, 0, nullptr);
  ASSERT_EQ(g.get_acl().acl_size(), 2);
  EXPECT_EQ(g.get_acl().acl(0).id().scheme(), "digest") << "auth expands to the session's identity";
  EXPECT_EQ(g.get_acl().acl(0).id().id(), "alice:xyz");
}

TEST_F(TreeDataTest, AclListsAreInternedAndReleased) {
  const size_t builtin = h.sm.tree().acl_list_count();  // world:anyone ALL and READ
  EXPECT_EQ(builtin, 2u);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(h.Create(kS, "/n" + std::to_string(i)).response.error(), proto::OK);
  EXPECT_EQ(h.sm.tree().acl_list_count(), builtin) << "100 nodes share the one world:anyone list";
  proto::Request r = Harness::CreateReq("/own");
  r.mutable_create()->mutable_acl(0)->set_perms(proto::PERM_READ | proto::PERM_DELETE);
  ASSERT_EQ(h.Write(kS, r).response.error(), proto::OK);
  EXPECT_EQ(h.sm.tree().acl_list_count(), builtin + 1);
  ASSERT_EQ(h.Delete(kS, "/own").response.error(), proto::OK);
  EXPECT_EQ(h.sm.tree().acl_list_count(), builtin) << "the last user released it";
}

TEST_F(TreeDataTest, ZookeeperSubtreeIsReserved) {
  EXPECT_TRUE(h.Has("/zookeeper"));
  EXPECT_TRUE(h.Has("/zookeeper/quota"));
  EXPECT_TRUE(h.Has("/zookeeper/config"));
  EXPECT_EQ(h.Create(kS, "/zookeeper/x").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.SetData(kS, "/zookeeper", "x").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Delete(kS, "/zookeeper/quota").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Delete(kS, "/").response.error(), proto::BADARGUMENTS);
  EXPECT_EQ(h.Create(kS, "/zookeeperx").response.error(), proto::OK) << "only the subtree is reserved";
}

// Apply never consults --max_data_bytes (servers may disagree on it; the
// leader checks it before proposing): only the compiled-in cap binds here.
TEST_F(TreeDataTest, ApplyIgnoresTheDataFlagAndKeepsTheCompiledCap) {
  const std::string two_mib(2 << 20, 'x');
  EXPECT_EQ(h.Create(kS, "/big", two_mib).response.error(), proto::OK);
  EXPECT_EQ(h.SetData(kS, "/big", two_mib + "y").response.error(), proto::OK);
  EXPECT_EQ(h.StatOf("/big").data_length(), (2 << 20) + 1);
}

TEST(TreeOptionsTest, MaxDataBytesFlagBuildsOptions) {
  gflags::FlagSaver saver;
  FLAGS_max_data_bytes = 10;
  TreeOptions options = TreeOptionsFromFlags();
  EXPECT_EQ(options.max_data_bytes, 10u);
  Harness h(options);
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  // The flag is the leader's admission limit, not Apply's.
  EXPECT_EQ(h.Create(1, "/ok", "0123456789a").response.error(), proto::OK);
}

TEST(TreeAclHookTest, DenyingHookYieldsNoAuth) {
  TreeOptions options;
  options.acl_check = [](const AclList&, int32_t perm, const auto& auth) {
    return perm != proto::PERM_WRITE || auth.size() > 0;
  };
  Harness h(options);
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  ASSERT_EQ(h.Create(1, "/a").response.error(), proto::OK);
  EXPECT_EQ(h.SetData(1, "/a", "x").response.error(), proto::NOAUTH);
  proto::LogEntry e;
  e.set_session_id(1);
  e.mutable_request()->mutable_set_data()->set_path("/a");
  e.mutable_request()->mutable_set_data()->set_version(-1);
  e.add_auth()->set_scheme("digest");
  EXPECT_EQ(h.Apply(e).response.error(), proto::OK);
}

TEST(TreeAclHookTest, ChecksRunInZooKeepersOrder) {
  TreeOptions options;
  options.acl_check = [](const AclList&, int32_t perm, const auto&) {
    return perm != proto::PERM_DELETE && perm != proto::PERM_CREATE;
  };
  Harness h(options);
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  // delete checks the parent's ACL before looking for the node; create checks
  // it after finding the parent but before NODEEXISTS.
  EXPECT_EQ(h.Delete(1, "/missing").response.error(), proto::NOAUTH);
  EXPECT_EQ(h.Delete(1, "/no/parent").response.error(), proto::NONODE);
  EXPECT_EQ(h.Create(1, "/zookeeperx").response.error(), proto::NOAUTH);
  EXPECT_EQ(h.Create(1, "/no/parent").response.error(), proto::NONODE);
}

TEST(TreeApplyTest, WriteFromUnknownSessionIsSessionExpired) {
  Harness h;
  EXPECT_EQ(h.Create(99, "/a").response.error(), proto::SESSIONEXPIRED);
  EXPECT_FALSE(h.Has("/a"));
}

TEST(TreeApplyTest, RejectsUnknownFormatVersionAndOldZxid) {
  StateMachine sm;
  proto::LogEntry e;
  e.mutable_noop();
  e.set_format_version(static_cast<proto::LogFormat>(2));
  Result<ApplyResult> r = sm.Apply(e, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("format_version"), std::string::npos);
  EXPECT_EQ(sm.last_applied_zxid(), 0);
  e.set_format_version(proto::LOG_FORMAT_UNSPECIFIED);
  EXPECT_FALSE(sm.Apply(e, 1).ok());
  e.set_format_version(proto::LOG_FORMAT_V1);
  ASSERT_TRUE(sm.Apply(e, 5).ok());
  EXPECT_EQ(sm.last_applied_zxid(), 5);
  EXPECT_FALSE(sm.Apply(e, 5).ok());
  EXPECT_FALSE(sm.Apply(e, 4).ok());
  proto::LogEntry empty;
  empty.set_format_version(proto::LOG_FORMAT_V1);
  EXPECT_FALSE(sm.Apply(empty, 6).ok());
}

TEST(TreeApplyTest, ReadOpsInTheLogAreRefused) {
  Harness h;
  ASSERT_EQ(h.OpenSession(1).response.error(), proto::OK);
  proto::Request r;
  r.mutable_get_data()->set_path("/");
  EXPECT_EQ(h.Write(1, r).response.error(), proto::UNIMPLEMENTED);
}

}  // namespace
}  // namespace arbor::tree
