// The simulated cluster's actors: fault injection, clients, membership
// changes and snapshots. Every choice is drawn from the cluster's seeded PRNG.
#include <algorithm>

#include "test/sim/cluster.h"

namespace arbor::sim {

void Cluster::InjectFault() {
  const uint64_t total = nodes_.size();
  Node* leader = Leader();
  switch (rng_.Uniform(10)) {
    case 0:
    case 1:
      blocked_.clear();
      Trace('F', 0, nullptr, 1);
      break;
    case 2: {  // split into two random halves
      blocked_.clear();
      std::vector<int> side(total + 1);
      for (uint64_t i = 1; i <= total; ++i) side[i] = static_cast<int>(rng_.Uniform(2));
      for (uint64_t a = 1; a <= total; ++a)
        for (uint64_t b = 1; b <= total; ++b)
          if (side[a] != side[b]) blocked_.insert({a, b});
      Trace('F', 0, nullptr, 2);
      break;
    }
    case 3:  // isolate the leader
      if (leader != nullptr) {
        for (uint64_t i = 1; i <= total; ++i) {
          blocked_.insert({leader->id, i});
          blocked_.insert({i, leader->id});
        }
        Trace('F', leader->id, nullptr, 3);
      }
      break;
    case 4:  // one-way: the leader can send but not receive, or the reverse
      if (leader != nullptr) {
        const bool inbound = rng_.Chance(1, 2);
        for (uint64_t i = 1; i <= total; ++i) {
          blocked_.insert(inbound ? std::make_pair(i, leader->id) : std::make_pair(leader->id, i));
        }
        Trace('F', leader->id, nullptr, inbound ? 4 : 5);
      }
      break;
    case 5:
    case 6: {  // crash a node (often the leader); it restarts later
      Node& victim = (leader != nullptr && rng_.Chance(1, 2)) ? *leader : node(1 + rng_.Uniform(total));
      if (victim.raw) {
        Crash(victim);
        Schedule(now_ + 20 + rng_.Uniform(600), kRestart, victim.id);
      }
      break;
    }
    case 7: {
      Node& n = node(1 + rng_.Uniform(total));
      n.slow_disk = !n.slow_disk;
      Trace('F', n.id, nullptr, 7);
      break;
    }
    default:
      drop_per_mille_ = static_cast<uint32_t>(rng_.Uniform(4) == 0 ? 0 : rng_.Uniform(250));
      dup_per_mille_ = static_cast<uint32_t>(rng_.Uniform(60));
      Trace('F', 0, nullptr, 800 + drop_per_mille_);
      break;
  }
}

void Cluster::Heal() {
  blocked_.clear();
  drop_per_mille_ = 0;
  dup_per_mille_ = 0;
  for (auto& n : nodes_) {
    n->slow_disk = false;
    if (!n->raw) StartNode(*n);
  }
  Trace('H', 0, nullptr, 0);
}

void Cluster::ClientPropose() {
  Node* l = Leader();
  Node& target = (l != nullptr && !rng_.Chance(1, 10)) ? *l : node(1 + rng_.Uniform(nodes_.size()));
  if (!target.raw) return;
  const uint64_t k = ++next_proposal_;
  std::string data = "p" + std::to_string(k) + std::string(rng_.Uniform(24), 'x');
  if (target.raw->Propose(std::move(data)).ok()) {
    ++stats_.proposals_accepted;
    Trace('P', target.id, nullptr, k);
  }
}

void Cluster::ClientRead() {
  Node& n = node(1 + rng_.Uniform(nodes_.size()));
  if (!n.raw) return;
  const std::string ctx = "r" + std::to_string(++next_read_);
  const uint64_t required = checker_.max_committed();
  if (n.raw->ReadIndex(ctx).ok()) {
    read_required_[ctx] = required;
    Trace('X', n.id, nullptr, required);
  }
}

void Cluster::ChangeMembership() {
  Node* l = Leader();
  if (l == nullptr) return;
  const raft::Membership& m = l->raw->raft().membership();
  const size_t min_voters = std::max(3, opts_.num_nodes - 1);
  std::vector<uint64_t> spares, learners, voters(m.voters.begin(), m.voters.end());
  for (auto& n : nodes_) {
    if (!m.IsMember(n->id)) spares.push_back(n->id);
    if (m.IsLearner(n->id)) learners.push_back(n->id);
  }
  auto pick = [&](const std::vector<uint64_t>& v) { return v[rng_.Uniform(v.size())]; };
  raft::ConfChange cc;
  switch (rng_.Uniform(6)) {
    case 0:
    case 1:
      if (spares.empty()) return;
      cc.set_type(raft::CONF_ADD_LEARNER);
      cc.set_node_id(pick(spares));
      break;
    case 2:
      if (learners.empty()) return;
      cc.set_type(raft::CONF_ADD_VOTER);
      cc.set_node_id(pick(learners));
      break;
    case 3:
      if (spares.empty()) return;
      cc.set_type(raft::CONF_ADD_VOTER);
      cc.set_node_id(pick(spares));
      break;
    case 4:
      if (voters.size() <= min_voters) return;
      cc.set_type(rng_.Chance(1, 2) ? raft::CONF_REMOVE_NODE : raft::CONF_ADD_LEARNER);
      cc.set_node_id(pick(voters));
      break;
    default:
      if (learners.empty()) return;
      cc.set_type(raft::CONF_REMOVE_NODE);
      cc.set_node_id(pick(learners));
      break;
  }
  if (l->raw->ProposeConfChange(cc).ok()) {
    ++stats_.conf_changes;
    Trace('M', l->id, nullptr, cc.type() * 100 + cc.node_id());
  }
}

void Cluster::TakeSnapshot() {
  Node& n = node(1 + rng_.Uniform(nodes_.size()));
  if (!n.raw || n.applied < n.disk.Snapshot().index() + 10) return;
  // An installed snapshot is applied before its write completes; cut a new
  // one only once it is on disk.
  for (const Write& w : n.writes) {
    if (w.snapshot) return;
  }
  // Applied entries must be durable locally: the snapshot is cut from disk.
  Status s = n.disk.CreateSnapshot(n.applied, n.conf);
  if (!s.ok()) {
    checker_.Fail("node " + std::to_string(n.id) + " applied " + std::to_string(n.applied) +
                  " but cannot snapshot it from its disk: " + s.ToString());
    return;
  }
  n.snap_files[n.applied] = n.state;
  n.disk.SetConfState(n.conf);
  const uint64_t keep = rng_.Uniform(20);
  const uint64_t ci = n.applied > keep ? n.applied - keep : 0;
  if (ci >= n.disk.FirstIndex()) (void)n.disk.Compact(ci);
  Trace('S', n.id, nullptr, n.applied);
}

}  // namespace arbor::sim
