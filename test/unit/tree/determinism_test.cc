// Property: replicas fed the same entries end byte-identical, and a snapshot
// round trip changes nothing. ARBOR_SEED=<n> replays a given seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "test/unit/tree/tree_test_util.h"

namespace arbor::tree {
namespace {

using testing::Harness;

// Random but reproducible log entries: every create mode, deletes, setData,
// setACL, check, multi (often failing), session create/close/expire, reaps,
// noops, and deliberate errors (bad paths, wrong versions, unknown sessions,
// empty ACLs). ACLs are enforced: some nodes get restrictive or digest ACLs
// and some entries carry the identity digest:u:h, so NOAUTH is common.
class EntryGenerator {
 public:
  explicit EntryGenerator(uint64_t seed) : rng_(seed), extra_(seed ^ 0x5eed) {}

  proto::LogEntry Next() {
    proto::LogEntry e;
    e.set_format_version(proto::LOG_FORMAT_V1);
    time_ms_ += Pick(20);
    e.set_time_ms(time_ms_);
    uint64_t roll = Pick(100);
    if (roll < 4 || live_.empty()) {
      int64_t id = next_session_++;
      e.mutable_create_session()->set_session_id(Pick(50) == 0 ? id - 1 : id);  // sometimes a duplicate
      e.mutable_create_session()->set_timeout_ms(1000 + static_cast<int32_t>(Pick(9000)));
      e.mutable_create_session()->set_password("p" + std::to_string(id));
      live_.push_back(id);
    } else if (roll < 6) {
      e.mutable_close_session()->set_session_id(SomeSession());
    } else if (roll < 7) {
      for (int i = 0, n = 1 + static_cast<int>(Pick(2)); i < n; ++i) {
        e.mutable_expire_sessions()->add_session_ids(SomeSession());
      }
    } else if (roll < 9) {
      e.mutable_reap();
    } else if (roll < 10) {
      e.mutable_noop();
    } else {
      e.set_session_id(Pick(30) == 0 ? 999999 : SomeSession());
      e.set_xid(static_cast<int32_t>(Pick(1 << 20)));
      if (Pick(5) == 0) e.add_auth()->set_scheme("digest"), e.mutable_auth(0)->set_id("u:h");
      FillRequest(roll, e.mutable_request());
    }
    return e;
  }

 private:
  uint64_t Pick(uint64_t n) { return rng_() % n; }
  // Choices added later (null data, sequential containers, codec-marked multi
  // ops) draw from their own stream, so the older choices stay as they were.
  uint64_t PickExtra(uint64_t n) { return extra_() % n; }

  int64_t SomeSession() {
    if (Pick(10) == 0) return static_cast<int64_t>(Pick(next_session_ + 2));  // maybe closed/unknown
    return live_[Pick(live_.size())];
  }

  std::string SomePath() {
    if (!created_.empty() && Pick(3) == 0) return created_[Pick(created_.size())];
    if (Pick(100) == 0) {
      static const char* kBad[] = {"", "a", "/a/", "/a//b", "/a/./b", "/zookeeper/x", "/"};
      return kBad[Pick(7)];
    }
    std::string path;
    for (int i = 0, depth = 1 + static_cast<int>(Pick(3)); i < depth; ++i) {
      path += "/";
      path += static_cast<char>('a' + Pick(5));
    }
    return path;
  }

  void FillCreate(proto::CreateRequest* c) {
    c->set_path(SomePath());
    c->set_data(std::string(Pick(24), static_cast<char>('a' + Pick(26))));
    c->set_mode(static_cast<proto::CreateMode>(Pick(7)));
    if (Pick(2) == 0) c->set_ttl_ms(static_cast<int64_t>(Pick(3000)));
    if (PickExtra(8) == 0) {  // null data (with bytes too, rarely: BADARGUMENTS)
      if (PickExtra(8) != 0) c->clear_data();
      c->set_null_data(true);
    }
    if (PickExtra(6) == 0) c->set_sequential(true);  // a sequential container, or no effect
    if (Pick(50) != 0) {
      proto::Acl* a = c->add_acl();
      a->set_perms(Pick(10) == 0 ? proto::PERM_READ : proto::PERM_ALL);
      SomeAclId(a->mutable_id());
    }
    if (c->mode() == proto::PERSISTENT_SEQUENTIAL || c->mode() == proto::EPHEMERAL_SEQUENTIAL) return;
    if (created_.size() < 512) {
      created_.push_back(c->path());
    } else {
      created_[Pick(created_.size())] = c->path();
    }
  }
  // Mostly world:anyone; sometimes "auth" (INVALIDACL unless the entry
  // carries an identity) or the digest id some entries authenticate as.
  void SomeAclId(proto::Id* id) {
    uint64_t roll = Pick(20);
    id->set_scheme(roll == 0 ? "auth" : roll == 1 ? "digest" : "world");
    id->set_id(roll == 0 ? "" : roll == 1 ? "u:h" : "anyone");
  }
  int32_t SomeVersion() { return Pick(3) == 0 ? static_cast<int32_t>(Pick(3)) : -1; }

  void FillOp(proto::MultiOp* op) {
    if (PickExtra(40) == 0) op->set_fail_with(proto::BADARGUMENTS);  // a codec-marked op
    switch (Pick(4)) {
      case 0: FillCreate(op->mutable_create()); break;
      case 1:
        op->mutable_delete_()->set_path(SomePath());
        op->mutable_delete_()->set_version(SomeVersion());
        break;
      case 2:
        op->mutable_set_data()->set_path(SomePath());
        op->mutable_set_data()->set_data(std::to_string(Pick(1000)));
        op->mutable_set_data()->set_version(SomeVersion());
        if (PickExtra(6) == 0) op->mutable_set_data()->clear_data(), op->mutable_set_data()->set_null_data(true);
        break;
      default:
        op->mutable_check()->set_path(SomePath());
        op->mutable_check()->set_version(SomeVersion());
    }
  }

  void FillRequest(uint64_t roll, proto::Request* r) {
    r->set_xid(static_cast<int32_t>(Pick(1000)));
    if (roll < 45) {
      FillCreate(r->mutable_create());
    } else if (roll < 62) {
      r->mutable_delete_()->set_path(SomePath());
      r->mutable_delete_()->set_version(SomeVersion());
      if (PickExtra(10) == 0) r->mutable_delete_()->set_container_only(true);
    } else if (roll < 80) {
      r->mutable_set_data()->set_path(SomePath());
      r->mutable_set_data()->set_data(std::string(Pick(16), 'x'));
      r->mutable_set_data()->set_version(SomeVersion());
      if (PickExtra(6) == 0) r->mutable_set_data()->set_null_data(true);  // BADARGUMENTS unless data is empty
    } else if (roll < 83) {
      r->mutable_set_acl()->set_path(SomePath());
      r->mutable_set_acl()->set_version(SomeVersion());
      proto::Acl* a = r->mutable_set_acl()->add_acl();
      // Random perms lock nodes (ACLs are enforced); never the root's CREATE,
      // or every later top-level create would fail.
      // A second entry lets the entries authenticated as digest:u:h unlock
      // the node again, so locks do not accumulate over the run.
      bool random_perms = Pick(4) == 0 && r->set_acl().path() != "/";
      a->set_perms(random_perms ? static_cast<int32_t>(Pick(32)) : proto::PERM_ALL);
      SomeAclId(a->mutable_id());
      proto::Acl* key = r->mutable_set_acl()->add_acl();
      key->set_perms(proto::PERM_ALL);
      key->mutable_id()->set_scheme("digest");
      key->mutable_id()->set_id("u:h");
    } else if (roll < 86) {
      r->mutable_check()->set_path(SomePath());
      r->mutable_check()->set_version(SomeVersion());
    } else {
      for (int i = 0, n = static_cast<int>(Pick(6)); i < n; ++i) FillOp(r->mutable_multi()->add_ops());
    }
  }

  std::mt19937_64 rng_;
  std::mt19937_64 extra_;
  int64_t time_ms_ = 1700000000000;
  int64_t next_session_ = 1;
  std::vector<int64_t> live_;
  std::vector<std::string> created_;
};

uint64_t SeedFromEnv(uint64_t fallback) {
  const char* s = std::getenv("ARBOR_SEED");
  return s != nullptr && *s != '\0' ? std::strtoull(s, nullptr, 10) : fallback;
}

std::string Save(const StateMachine& sm) {
  std::string out;
  StringSink sink(&out);
  EXPECT_TRUE(sm.Save(&sink).ok());
  return out;
}

TEST(TreeDeterminismProperty, TwoReplicasEndByteIdenticalAndSnapshotRoundTrips) {
  const uint64_t seed = SeedFromEnv(20261128);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with ARBOR_SEED=" + std::to_string(seed) + ")");
  constexpr int kEntries = 100000;
  EntryGenerator gen(seed);
  StateMachine a, b;
  size_t ok_creates = 0, failed_multis = 0, triggers = 0, ended = 0, errors = 0, noauth = 0;
  for (int64_t zxid = 1; zxid <= kEntries; ++zxid) {
    proto::LogEntry e = gen.Next();
    Result<ApplyResult> ra = a.Apply(e, zxid);
    Result<ApplyResult> rb = b.Apply(e, zxid);
    ASSERT_TRUE(ra.ok() && rb.ok()) << "zxid " << zxid;
    ASSERT_EQ(ra->response.SerializeAsString(), rb->response.SerializeAsString()) << "zxid " << zxid;
    ASSERT_EQ(ra->triggers, rb->triggers) << "zxid " << zxid;
    ok_creates += ra->response.has_create() ? 1 : 0;
    failed_multis += (e.has_request() && e.request().has_multi() && ra->response.error() != proto::OK) ? 1 : 0;
    errors += ra->response.error() != proto::OK ? 1 : 0;
    noauth += ra->response.error() == proto::NOAUTH ? 1 : 0;
    triggers += ra->triggers.size();
    ended += ra->ended_sessions.size();
  }
  // The workload must really exercise the tree, or the identity proves little.
  EXPECT_GT(ok_creates, 5000u);
  EXPECT_GT(failed_multis, 500u);
  EXPECT_GT(errors, 10000u);
  EXPECT_GT(ended, 100u);
  EXPECT_GT(noauth, 100u) << "ACL enforcement must be part of what replicas agree on";
  EXPECT_GT(a.tree().node_count(), 100u);
  std::printf("[ seed %llu ] %zu nodes, %zu sessions, %zu ok creates, %zu failed multis, %zu triggers, %zu noauth\n",
              static_cast<unsigned long long>(seed), a.tree().node_count(), a.sessions().size(), ok_creates,
              failed_multis, triggers, noauth);

  const std::string sa = Save(a);
  const std::string sb = Save(b);
  ASSERT_EQ(sa.size(), sb.size());
  ASSERT_TRUE(sa == sb) << "replicas diverged";

  StringSource source(sa);
  Result<std::unique_ptr<StateMachine>> c = StateMachine::Load(&source, TreeOptions());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(Save(**c) == sa) << "snapshot round trip changed the state";

  // The loaded copy keeps applying identically (derived indexes rebuilt).
  for (int64_t zxid = kEntries + 1; zxid <= kEntries + 2000; ++zxid) {
    proto::LogEntry e = gen.Next();
    Result<ApplyResult> ra = a.Apply(e, zxid);
    Result<ApplyResult> rc = (*c)->Apply(e, zxid);
    ASSERT_TRUE(ra.ok() && rc.ok());
    ASSERT_EQ(ra->response.SerializeAsString(), rc->response.SerializeAsString()) << "zxid " << zxid;
  }
  ASSERT_TRUE(Save(a) == Save(**c));
}

TEST(TreeDeterminismProperty, OneDifferentEntryIsDetected) {
  EntryGenerator gen(7);
  Harness a, b;
  for (int i = 0; i < 2000; ++i) {
    proto::LogEntry e = gen.Next();
    ++a.zxid, ++b.zxid;
    ASSERT_TRUE(a.sm.Apply(e, a.zxid).ok());
    ASSERT_TRUE(b.sm.Apply(e, b.zxid).ok());
  }
  ASSERT_EQ(a.Snapshot(), b.Snapshot());
  ASSERT_EQ(a.OpenSession(424242).response.error(), proto::OK);
  ASSERT_EQ(b.OpenSession(424242).response.error(), proto::OK);
  ASSERT_EQ(a.Create(424242, "/diverge", "x").response.error(), proto::OK);
  ASSERT_EQ(b.Create(424242, "/diverge", "y").response.error(), proto::OK);  // one byte differs
  EXPECT_NE(a.Snapshot(), b.Snapshot());
}

}  // namespace
}  // namespace arbor::tree
