// The replica's own checks on peer frames (issue #15), behind the
// transport's membership proof: frames from a server that is not a member,
// Raft messages that name another sender, and forwarded entries that name
// another origin are dropped, whatever they carry. The whole-replica
// simulator hands forged frames straight to OnPeerFrame of every server
// (as if a transport had let them through) while the usual clients run.
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "test/sim/replica/replica_cluster.h"

namespace arbor::sim {
namespace {

class Quiet : public ::testing::Environment {
 public:
  void SetUp() override {
    FLAGS_minloglevel = 2;
    FLAGS_logtostderr = true;
  }
};
const auto* const kQuiet = ::testing::AddGlobalTestEnvironment(new Quiet);

proto::PeerFrame Append(uint64_t from, uint64_t to, uint64_t term) {
  proto::PeerFrame f;
  f.mutable_raft()->set_type(raft::MSG_APP);
  f.mutable_raft()->set_from(from);
  f.mutable_raft()->set_to(to);
  f.mutable_raft()->set_term(term);
  return f;
}

// A forwarded create of `path` as the super user, from a made-up origin.
proto::PeerFrame SuperCreate(uint64_t origin, const std::string& path) {
  proto::PeerFrame f;
  proto::LogEntry* e = f.mutable_forward()->mutable_entry();
  e->set_format_version(proto::LOG_FORMAT_V1);
  e->set_origin_server(origin);
  e->set_origin_request(1);
  proto::Id* id = e->add_auth();
  id->set_scheme("super");
  proto::CreateRequest* c = e->mutable_request()->mutable_create();
  c->set_path(path);
  proto::Acl* acl = c->add_acl();
  acl->set_perms(proto::PERM_ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return f;
}

TEST(ReplicaForgedFrames, FramesFromNonMembersOrUnderAnotherNameAreDropped) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    ReplicaSimOptions o;
    o.seed = seed;
    o.faults = false;
    o.fault_ms = 20000;
    o.heal_ms = 5000;
    o.script = [](ReplicaCluster* c) {
      for (int64_t at : {5000, 9000, 13000}) {
        c->mutable_world()->At(at, [c] {
          for (uint64_t id = 1; id <= 3; ++id) {
            SimNode* n = c->Live(id);
            if (n == nullptr) continue;
            uint64_t other = id % 3 + 1;  // a real member
            core::Replica* r = n->replica();
            r->OnPeerFrame(99, Append(99, id, 1000));          // not a member
            r->OnPeerFrame(other, Append(99, id, 1001));       // a member speaking as another
            r->OnPeerFrame(99, SuperCreate(99, "/forged-stranger"));
            r->OnPeerFrame(other, SuperCreate(99, "/forged-origin"));  // origin is not the forwarder
          }
        });
      }
    };
    ReplicaCluster cluster(o);
    std::string failure = cluster.Run();
    ASSERT_EQ(failure, "") << "seed " << seed << ": " << failure;
    for (uint64_t id = 1; id <= 3; ++id) {
      SimNode* n = cluster.Live(id);
      ASSERT_NE(n, nullptr);
      EXPECT_LT(n->replica()->raft().term(), 1000u) << "seed " << seed << " server " << id;
      const tree::DataTree& t = n->replica()->state().tree();
      EXPECT_EQ(t.Lookup("/forged-stranger"), tree::kNoNode) << "seed " << seed << " server " << id;
      EXPECT_EQ(t.Lookup("/forged-origin"), tree::kNoNode) << "seed " << seed << " server " << id;
    }
  }
}

}  // namespace
}  // namespace arbor::sim
