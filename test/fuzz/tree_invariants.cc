#include "test/fuzz/tree_invariants.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/byte_stream.h"
#include "server/tree/ephemeral_type.h"
#include "test/fuzz/fuzz_input.h"

namespace arbor::fuzz {
namespace {

std::string Child(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// Children linked at start without counting a create.
int32_t Builtins(const std::string& path) { return path == "/" ? 1 : path == "/zookeeper" ? 2 : 0; }

bool InReserved(const std::string& path) {
  return path == "/zookeeper" || path.compare(0, 11, "/zookeeper/") == 0;
}

}  // namespace

void CheckInvariants(const tree::StateMachine& sm, History history) {
  const tree::DataTree& t = sm.tree();
  const int64_t last = sm.last_applied_zxid();
  FUZZ_CHECK(t.Lookup("/zookeeper") != tree::kNoNode, "/zookeeper is gone");

  size_t reached = 0;
  size_t reap_candidates = 0;
  std::map<int64_t, std::set<std::string>> ephemerals;  // owner -> paths
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    ++reached;
    tree::NodeId id = t.Lookup(path);
    FUZZ_CHECK(id != tree::kNoNode, "walked to %s but Lookup misses it", path.c_str());
    FUZZ_CHECK(t.PathOf(id) == path, "PathOf(Lookup(%s)) = %s", path.c_str(), t.PathOf(id).c_str());
    proto::GetChildrenResponse kids;
    FUZZ_CHECK(t.GetChildren(path, true, &kids) == proto::OK, "GetChildren(%s) failed", path.c_str());
    const proto::Stat& st = kids.stat();
    FUZZ_CHECK(st.num_children() == kids.children_size(), "%s: numChildren %d but %d children",
               path.c_str(), st.num_children(), kids.children_size());
    for (int i = 1; i < kids.children_size(); ++i) {
      FUZZ_CHECK(kids.children(i - 1) < kids.children(i), "%s: children not sorted/unique", path.c_str());
    }
    proto::GetDataResponse data;
    FUZZ_CHECK(t.GetData(path, &data) == proto::OK, "GetData(%s) failed", path.c_str());
    FUZZ_CHECK(static_cast<size_t>(st.data_length()) == data.data().size(), "%s: dataLength", path.c_str());
    proto::GetAclResponse acl;
    FUZZ_CHECK(t.GetAcl(path, &acl) == proto::OK && acl.acl_size() > 0, "%s: no ACL", path.c_str());

    const int64_t owner = st.ephemeral_owner();
    if (tree::IsEphemeralOwner(owner)) {
      FUZZ_CHECK(sm.sessions().Contains(owner), "%s: ephemeral owner %lld is not a live session",
                 path.c_str(), static_cast<long long>(owner));
      FUZZ_CHECK(kids.children_size() == 0, "%s: ephemeral with children", path.c_str());
      ephemerals[owner].insert(path);
    }
    if (kids.children_size() == 0 &&
        ((tree::IsContainerOwner(owner) && st.cversion() > 0) || tree::IsTtlOwner(owner))) {
      ++reap_candidates;
    }
    if (history == History::kAppliedFromEmpty) {
      FUZZ_CHECK(st.czxid() <= st.mzxid() && st.mzxid() <= last && st.pzxid() <= last,
                 "%s: zxids czxid %lld mzxid %lld pzxid %lld last %lld", path.c_str(),
                 static_cast<long long>(st.czxid()), static_cast<long long>(st.mzxid()),
                 static_cast<long long>(st.pzxid()), static_cast<long long>(last));
      FUZZ_CHECK(st.version() >= 0 && st.aversion() >= 0, "%s: negative version", path.c_str());
      // cversion is shown as ZooKeeper does, 2 * creates - children
      // (docs/TREE.md), so cversion + numChildren is even, and every child
      // now present was created (the built-in ones under "/" and /zookeeper
      // count as created before the first zxid).
      const int64_t twice_creates = int64_t{st.cversion()} + st.num_children();
      FUZZ_CHECK(twice_creates % 2 == 0 && twice_creates / 2 >= st.num_children() - Builtins(path),
                 "%s: cversion %d with %d children", path.c_str(), st.cversion(), st.num_children());
      // Apply bounds data by the compiled-in cap (the --max_data_bytes flag
      // is the leader's admission check, outside the tree).
      FUZZ_CHECK(data.data().size() <= tree::kMaxStoredDataBytes, "%s: data too large", path.c_str());
      // Every node a client made can be named in a request (delete,
      // setData...) again.
      FUZZ_CHECK(InReserved(path) || path.size() <= t.options().max_path_bytes, "%s: path longer than max_path_bytes %zu",
                 path.c_str(), t.options().max_path_bytes);
      if (tree::IsTtlOwner(owner)) {
        FUZZ_CHECK(tree::TtlOf(owner) > 0, "%s: TTL node with ttl 0", path.c_str());
      }
      if (owner < 0) {
        FUZZ_CHECK(tree::IsContainerOwner(owner) || tree::IsTtlOwner(owner), "%s: bad owner encoding",
                   path.c_str());
      }
    }
    for (const std::string& name : kids.children()) {
      std::string child = Child(path, name);
      proto::GetDataResponse cd;
      FUZZ_CHECK(t.GetData(child, &cd) == proto::OK, "%s listed but missing", child.c_str());
      if (history == History::kAppliedFromEmpty) {
        FUZZ_CHECK(cd.stat().czxid() <= st.pzxid(), "%s created after its parent's pzxid", child.c_str());
      }
      stack.push_back(std::move(child));
    }
  }
  // No node is unreachable from "/" (every node's parent exists).
  FUZZ_CHECK(reached == t.node_count(), "walk reached %zu nodes, store holds %zu", reached, t.node_count());
  FUZZ_CHECK(reap_candidates == t.reap_candidate_count(), "reap index holds %zu, tree has %zu candidates",
             t.reap_candidate_count(), reap_candidates);
  // The per-session ephemeral index agrees with the owners in the tree.
  FUZZ_CHECK(ephemerals.size() == t.ephemeral_session_count(), "ephemeral index has %zu sessions, tree %zu",
             t.ephemeral_session_count(), ephemerals.size());
  for (const auto& [session, id] : sm.sessions().all()) {
    FUZZ_CHECK(session > 0 && id.timeout_ms > 0, "bad session %lld", static_cast<long long>(session));
    proto::GetEphemeralsResponse eph;
    t.GetEphemerals(session, "/", &eph);
    std::set<std::string> listed(eph.paths().begin(), eph.paths().end());
    FUZZ_CHECK(listed == ephemerals[session], "session %lld: ephemeral index disagrees with owners",
               static_cast<long long>(session));
  }
}

std::string SaveToString(const tree::StateMachine& sm) {
  std::string bytes;
  StringSink sink(&bytes);
  Status s = sm.Save(&sink);
  FUZZ_CHECK(s.ok(), "Save failed: %s", s.ToString().c_str());
  return bytes;
}

std::string CheckRoundTrip(const tree::StateMachine& sm, const tree::TreeOptions& options) {
  std::string bytes = SaveToString(sm);
  StringSource source(bytes);
  auto loaded = tree::StateMachine::Load(&source, options);
  FUZZ_CHECK(loaded.ok(), "Load of a fresh Save failed: %s", loaded.status().ToString().c_str());
  CheckInvariants(**loaded, History::kUnknown);
  FUZZ_CHECK((*loaded)->last_applied_zxid() == sm.last_applied_zxid(), "zxid lost in round trip");
  FUZZ_CHECK(SaveToString(**loaded) == bytes, "Save -> Load -> Save changed the bytes");
  return bytes;
}

}  // namespace arbor::fuzz
