#include "test/sim/cluster.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <glog/logging.h>

namespace arbor::sim {

namespace {

constexpr uint64_t kTickMs = 10;
constexpr int kSpares = 2;
// Events kept for the failure report (ARBOR_SIM_TRACE=<n> for more).
size_t TraceLen() {
  const char* v = std::getenv("ARBOR_SIM_TRACE");
  return v == nullptr ? 48 : std::strtoull(v, nullptr, 10);
}

// The cluster being simulated, so a CHECK failure inside the core can still
// print the seed and trace before aborting.
const Cluster* g_current = nullptr;
std::string (*g_report)(const Cluster*) = nullptr;

void OnCheckFailure() {
  if (g_current != nullptr && g_report != nullptr) {
    std::fprintf(stderr, "%s\n", g_report(g_current).c_str());
  }
  abort();
}

}  // namespace

Cluster::Cluster(const Options& opts) : opts_(opts), rng_(opts.seed * 0x2545F4914F6CDD1DULL + 7), trace_(TraceLen()) {
  const int total = opts.num_nodes + kSpares;
  std::vector<uint64_t> voters;
  for (int i = 1; i <= opts.num_nodes; ++i) voters.push_back(i);
  const std::vector<raft::Entry> boot = raft::BootstrapEntries(voters);
  raft::HardState hs;
  hs.set_term(1);
  hs.set_commit(boot.size());
  for (int i = 1; i <= total; ++i) {
    auto n = std::make_unique<Node>();
    n->id = i;
    if (i <= opts.num_nodes) {
      CHECK(n->disk.Append(boot).ok());
      n->disk.SetHardState(hs);
    }
    nodes_.push_back(std::move(n));
  }
}

bool Cluster::Alive(uint64_t id) const { return nodes_.at(id - 1)->raw != nullptr; }

void Cluster::Schedule(uint64_t at, int kind, uint64_t id, std::shared_ptr<NetMsg> msg) {
  uint64_t inc = id == 0 ? 0 : node(id).incarnation;
  events_.push(Event{at, seq_++, kind, id, inc, std::move(msg)});
}

void Cluster::Trace(char kind, uint64_t id, const raft::Message* m, uint64_t extra) {
  TraceEv& t = trace_[trace_pos_++ % trace_.size()];
  t = TraceEv{};
  t.at = now_;
  t.kind = kind;
  t.node = id;
  t.extra = extra;
  if (m != nullptr) {
    t.type = m->type();
    t.from = m->from();
    t.to = m->to();
    t.term = m->term();
    t.index = m->index();
    t.extra = extra ? extra : static_cast<uint64_t>(m->entries_size());
  }
}

std::string Cluster::Report(const std::string& what) const {
  std::ostringstream os;
  os << "SIMULATION FAILED: seed=" << opts_.seed << " nodes=" << opts_.num_nodes
     << (opts_.unsafe_commit_by_counting ? " (unsafe commit rule)" : "") << " at t=" << now_ << "ms\n  "
     << what << "\n  replay: ARBOR_SIM_SEED=" << opts_.seed << " ARBOR_SIM_NODES=" << opts_.num_nodes
     << " ctest -R SimReplay --output-on-failure\n  last events (t kind node [msg from>to term index n]):\n";
  const size_t count = std::min<size_t>(trace_pos_, trace_.size());
  for (size_t k = trace_pos_ - count; k < trace_pos_; ++k) {
    const TraceEv& t = trace_[k % trace_.size()];
    os << "    " << t.at << " " << t.kind << " n" << t.node;
    if (t.type != 0) {
      os << " " << raft::MessageType_Name(static_cast<raft::MessageType>(t.type)) << " " << t.from << ">"
         << t.to << " term=" << t.term << " index=" << t.index;
    }
    os << " x=" << t.extra << "\n";
  }
  for (const auto& n : nodes_) {
    os << "  node " << n->id << ": ";
    if (!n->raw) {
      os << "down";
    } else {
      const raft::Raft& r = n->raw->raft();
      os << raft::RoleName(r.role()) << " term=" << r.term() << " commit=" << r.log().committed()
         << " applied=" << r.log().applied() << " last=" << r.log().LastIndex()
         << " unstable_offset=" << r.log().unstable().offset() << " unstable_n=" << r.log().unstable().num_entries()
         << " writes_pending=" << n->writes.size();
    }
    os << " disk_last=" << n->disk.LastIndex() << " disk_snap=" << n->disk.Snapshot().index() << "\n";
  }
  return os.str();
}

void Cluster::StartNode(Node& n) {
  raft::Config c;
  c.id = n.id;
  c.storage = &n.disk;
  c.applied = n.disk.Snapshot().index();
  c.election_tick = 15;
  c.heartbeat_tick = 3;
  c.seed = rng_.Next();
  c.max_msg_bytes = 64 + rng_.Uniform(256);
  c.max_entries_per_msg = 1 + rng_.Uniform(16);
  if (opts_.max_entries_per_msg != 0) c.max_entries_per_msg = opts_.max_entries_per_msg;
  c.max_inflight_msgs = 1 + rng_.Uniform(8);
  c.max_uncommitted_bytes = 512 + rng_.Uniform(4096);
  c.max_committed_bytes_per_ready = 64 + rng_.Uniform(512);
  c.max_pending_reads = 64;
  c.testing_unsafe_commit_by_counting = opts_.unsafe_commit_by_counting;
  auto raw = raft::RawNode::Create(c);
  if (!raw.ok()) {
    checker_.Fail("restart of node " + std::to_string(n.id) + " failed: " + raw.status().ToString());
    return;
  }
  n.raw = std::move(raw).value();
  ++n.incarnation;
  n.writes.clear();
  n.disk_free_at = now_;
  n.applied = c.applied;
  auto f = n.snap_files.find(c.applied);
  n.state = f == n.snap_files.end() ? 0 : f->second;
  raft::HardState hs;
  (void)n.disk.InitialState(&hs, &n.conf);
  n.last_leader_term = 0;
  n.last_commit_checked = 0;
  n.commit_check_term = 0;
  Trace('R', n.id, nullptr, n.incarnation);
  Schedule(now_ + 1 + rng_.Uniform(kTickMs), kTick, n.id);
}

void Cluster::Crash(Node& n) {
  if (!n.raw) return;
  n.raw.reset();
  n.writes.clear();  // unpersisted writes are lost
  ++n.incarnation;
  ++stats_.crashes;
  Trace('C', n.id, nullptr, 0);
}

Cluster::Node* Cluster::Leader() {
  Node* best = nullptr;
  for (auto& n : nodes_) {
    if (n->raw && n->raw->role() == raft::Role::kLeader &&
        (best == nullptr || n->raw->term() > best->raw->term())) {
      best = n.get();
    }
  }
  return best;
}

void Cluster::Send(uint64_t from, const raft::Message& m) {
  auto nm = std::make_shared<NetMsg>();
  nm->msg = m;
  if (m.type() == raft::MSG_SNAP) {
    Node& src = node(from);
    auto f = src.snap_files.find(m.snapshot().index());
    if (f == src.snap_files.end()) {
      checker_.Fail("node " + std::to_string(from) + " sent MSG_SNAP at " +
                    std::to_string(m.snapshot().index()) + " but holds no such snapshot");
      return;
    }
    nm->snap_state = f->second;
    ++stats_.snapshots_sent;
  }
  auto delay = [&] {
    return rng_.Chance(1, 20) ? 10 + rng_.Uniform(60) : 1 + rng_.Uniform(10);
  };
  if (drop_per_mille_ > 0 && rng_.Uniform(1000) < drop_per_mille_) {
    if (m.type() == raft::MSG_SNAP) Schedule(now_ + delay(), kSnapFail, from, nm);
    return;
  }
  Schedule(now_ + delay(), kDeliver, m.to(), nm);
  if (dup_per_mille_ > 0 && rng_.Uniform(1000) < dup_per_mille_) {
    Schedule(now_ + delay(), kDeliver, m.to(), nm);
  }
}

void Cluster::Deliver(const NetMsg& nm) {
  const raft::Message& m = nm.msg;
  const bool cut = blocked_.count({m.from(), m.to()}) > 0;
  if (cut || !Alive(m.to())) {
    if (m.type() == raft::MSG_SNAP && Alive(m.from())) {
      raft::Message st;
      st.set_type(raft::MSG_SNAP_STATUS);
      st.set_from(m.to());
      st.set_reject(true);
      (void)node(m.from()).raw->Step(st);
    }
    return;
  }
  Node& dst = node(m.to());
  Trace('D', dst.id, &m, 0);
  if (m.type() == raft::MSG_SNAP) dst.snap_files[m.snapshot().index()] = nm.snap_state;
  (void)dst.raw->Step(m);
  if (m.type() == raft::MSG_SNAP && Alive(m.from())) {
    // The application-level transfer finished: tell the sender.
    raft::Message st;
    st.set_type(raft::MSG_SNAP_STATUS);
    st.set_from(m.to());
    (void)node(m.from()).raw->Step(st);
  }
}

void Cluster::CheckCommitDurability(Node& n) {
  // Runs before the Ready's conf changes are applied: the membership is the
  // one the leader counted the commit under.
  const raft::Raft& r = n.raw->raft();
  const uint64_t c = r.log().committed();
  if (r.role() != raft::Role::kLeader) return;
  if (n.commit_check_term != r.term()) {
    // A new leader starts from the commit index it learned as a follower,
    // which was counted under an older membership: check only its own.
    n.commit_check_term = r.term();
    n.last_commit_checked = c;
    return;
  }
  if (c <= n.last_commit_checked) return;
  n.last_commit_checked = c;
  const uint64_t t = r.log().TermOrZero(c);
  size_t durable = 0;
  for (uint64_t v : r.membership().voters) {
    const raft::MemoryStorage& d = node(v).disk;
    auto dt = d.Term(c);
    if (d.Snapshot().index() >= c || (dt.ok() && *dt == t)) ++durable;
  }
  checker_.OnLeaderCommit(n.id, c, t, r.membership().voters.size(), durable);
}

void Cluster::HandleReady(Node& n) {
  CheckCommitDurability(n);
  raft::Ready rd = n.raw->GetReady();
  const raft::Raft& r = n.raw->raft();
  if (!rd.entries.empty()) {
    checker_.OnEntries(n.id, rd.entries, r.log().TermOrZero(rd.entries[0].index() - 1));
  }
  // 1. Start the write (completes later, in order).
  if (rd.persist_id != 0) {
    Write w;
    w.persist_id = rd.persist_id;
    w.hard_state = rd.hard_state;
    w.entries = rd.entries;
    w.snapshot = rd.snapshot;
    w.after_persist = std::move(rd.messages_after_persist);
    n.writes.push_back(std::move(w));
    const uint64_t cost = n.slow_disk ? 20 + rng_.Uniform(60) : 1 + rng_.Uniform(4);
    // Writes complete in order; latency overlaps like a group-committing
    // disk (a backlog does not add up write after write).
    n.disk_free_at = std::max(n.disk_free_at, now_ + cost);
    Schedule(n.disk_free_at, kDisk, n.id);
  } else {
    CHECK(rd.messages_after_persist.empty()) << "after-persist messages without a persist id";
  }
  // 2. Send what may go before the write.
  for (const raft::Message& m : rd.messages) Send(n.id, m);
  // 3. Apply.
  if (rd.snapshot) {
    auto f = n.snap_files.find(rd.snapshot->index());
    if (f == n.snap_files.end()) {
      checker_.Fail("node " + std::to_string(n.id) + " must install a snapshot it never received");
    } else {
      n.applied = rd.snapshot->index();
      n.state = f->second;
      n.conf = rd.snapshot->conf_state();
      checker_.OnSnapshotInstalled(n.id, n.applied, rd.snapshot->term(), n.state);
    }
  }
  for (const raft::Entry& e : rd.committed_entries) {
    const uint64_t before = n.applied;
    n.state = HashBytes(e.data(), n.state * 31 + e.index() + e.type());
    n.applied = e.index();
    checker_.OnApply(n.id, e, before, n.state);
    if (e.type() == raft::ENTRY_CONF_CHANGE) {
      raft::ConfChange cc;
      CHECK(cc.ParseFromString(e.data()));
      n.conf = n.raw->ApplyConfChange(cc);
    }
  }
  for (const raft::ReadState& rs : rd.read_states) {
    auto it = read_required_.find(rs.context);
    if (it == read_required_.end()) {
      checker_.Fail("node " + std::to_string(n.id) + " got an answer to unknown read " + rs.context);
      continue;
    }
    // (A duplicated request may be answered twice; each answer is checked.)
    checker_.OnReadState(n.id, rs.index, it->second);
    ++stats_.reads_answered;
  }
  // 4. Advance.
  n.raw->Advance();
}

void Cluster::CompleteWrite(Node& n) {
  CHECK(!n.writes.empty());
  Write w = std::move(n.writes.front());
  n.writes.pop_front();
  Trace('W', n.id, nullptr, w.entries.empty() ? 0 : w.entries.back().index());
  if (w.snapshot) {
    Status s = n.disk.ApplySnapshot(*w.snapshot);
    if (!s.ok()) checker_.Fail("disk ApplySnapshot: " + s.ToString());
  }
  if (!w.entries.empty()) {
    Status s = n.disk.Append(w.entries);
    if (!s.ok()) checker_.Fail("disk Append on node " + std::to_string(n.id) + ": " + s.ToString());
  }
  if (w.hard_state) {
    checker_.OnHardStateWrite(n.id, n.disk.hard_state(), *w.hard_state);
    n.disk.SetHardState(*w.hard_state);
  }
  for (const raft::Message& m : w.after_persist) Send(n.id, m);
  n.raw->OnPersisted(w.persist_id);
}

void Cluster::DrainReadies() {
  bool any = true;
  while (any && !checker_.failed()) {
    any = false;
    for (auto& n : nodes_) {
      if (n->raw && n->raw->HasReady()) {
        HandleReady(*n);
        any = true;
      }
    }
  }
}

void Cluster::RunChecks() {
  for (auto& up : nodes_) {
    Node& n = *up;
    if (!n.raw) continue;
    const raft::Raft& r = n.raw->raft();
    checker_.OnCommitIndex(n.id, n.incarnation, r.log().committed());
    if (r.role() != raft::Role::kLeader) continue;
    checker_.OnLeader(n.id, n.incarnation, r.term());
    if (n.last_leader_term != r.term()) {
      n.last_leader_term = r.term();
      ++stats_.leaders;
      Trace('L', n.id, nullptr, r.term());
      checker_.CheckLeaderCompleteness(n.id, r.term(), r.log());
    }
  }
}

void Cluster::Dispatch(const Event& ev, bool faults) {
  ++stats_.events;
  const bool current = ev.node == 0 || (Alive(ev.node) && node(ev.node).incarnation == ev.incarnation);
  switch (ev.kind) {
    case kTick:
      if (current) {
        node(ev.node).raw->Tick();
        Schedule(now_ + kTickMs, kTick, ev.node);
      }
      break;
    case kDeliver:
      Deliver(*ev.msg);
      break;
    case kSnapFail:
      if (Alive(ev.node)) {
        raft::Message st;
        st.set_type(raft::MSG_SNAP_STATUS);
        st.set_from(ev.msg->msg.to());
        st.set_reject(true);
        (void)node(ev.node).raw->Step(st);
      }
      break;
    case kDisk:
      if (current) CompleteWrite(node(ev.node));
      break;
    case kRestart:
      if (!Alive(ev.node) && faults) StartNode(node(ev.node));
      break;
    case kClient:
      ClientPropose();
      Schedule(now_ + 1 + rng_.Uniform(8), kClient, 0);
      break;
    case kRead:
      if (opts_.reads) ClientRead();
      Schedule(now_ + 10 + rng_.Uniform(40), kRead, 0);
      break;
    case kFault:
      if (faults) InjectFault();
      Schedule(now_ + (opts_.fault_interval_ms != 0 ? rng_.Uniform(2 * opts_.fault_interval_ms) + 1
                                                    : 30 + rng_.Uniform(150)),
               kFault, 0);
      break;
    case kConf:
      if (faults && opts_.membership) ChangeMembership();
      Schedule(now_ + (opts_.conf_interval_ms != 0 ? rng_.Uniform(2 * opts_.conf_interval_ms) + 1
                                                   : 100 + rng_.Uniform(300)),
               kConf, 0);
      break;
    case kSnap:
      if (opts_.snapshots) TakeSnapshot();
      Schedule(now_ + 50 + rng_.Uniform(150), kSnap, 0);
      break;
  }
}

void Cluster::RunUntil(uint64_t end, bool faults) {
  while (!events_.empty() && !checker_.failed()) {
    if (events_.top().at > end) break;
    Event ev = events_.top();
    events_.pop();
    now_ = ev.at;
    Dispatch(ev, faults);
    DrainReadies();
    RunChecks();
  }
  now_ = std::max(now_, end);
}

bool Cluster::LivenessPhase() {
  Heal();
  const uint64_t deadline = now_ + opts_.liveness_ms;
  uint64_t marker_index = 0, marker_term = 0;
  while (now_ < deadline && !checker_.failed()) {
    RunUntil(now_ + 20, false);
    Node* l = Leader();
    if (l == nullptr) continue;
    const raft::Raft& lr = l->raw->raft();
    if (marker_index == 0 || lr.term() != marker_term) {
      // (Re)propose under the current leader: an entry accepted by a leader
      // that then lost leadership may legitimately be dropped.
      if (!l->raw->Propose("live" + std::to_string(now_)).ok()) continue;
      marker_index = lr.log().LastIndex();
      marker_term = lr.term();
      Trace('P', l->id, nullptr, marker_index);
      continue;
    }
    if (lr.log().committed() < marker_index) continue;
    // Done when every member of the leader's configuration applied it.
    bool all = true;
    for (auto& n : nodes_) {
      if (lr.membership().IsMember(n->id) && n->raw->raft().log().applied() < marker_index) all = false;
    }
    if (all) return true;
  }
  return false;
}

std::string Cluster::Run() {
  g_current = this;
  g_report = [](const Cluster* c) { return c->Report("CHECK failed inside the Raft core (see above)"); };
  google::InstallFailureFunction(&OnCheckFailure);
  for (auto& n : nodes_) StartNode(*n);
  Schedule(1, kClient, 0);
  Schedule(5, kRead, 0);
  Schedule(100, kFault, 0);
  Schedule(200, kConf, 0);
  Schedule(150, kSnap, 0);
  RunUntil(opts_.fault_ms, true);
  if (!checker_.failed() && !LivenessPhase()) {
    checker_.Fail("LIVENESS: no leader committed and replicated a fresh entry to every member within " +
                  std::to_string(opts_.liveness_ms) + "ms after faults stopped");
  }
  stats_.max_committed = checker_.max_committed();
  g_current = nullptr;
  return checker_.failed() ? Report(checker_.error()) : "";
}

}  // namespace arbor::sim
