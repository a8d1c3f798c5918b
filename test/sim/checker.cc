#include "test/sim/checker.h"

#include <sstream>

namespace arbor::sim {

uint64_t HashBytes(const std::string& s, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

void Checker::Fail(const std::string& what) {
  if (error_.empty()) error_ = what;
}

void Checker::OnLeader(uint64_t node, uint64_t incarnation, uint64_t term) {
  auto [it, inserted] = leader_of_term_.emplace(term, std::make_pair(node, incarnation));
  if (inserted || it->second == std::make_pair(node, incarnation)) return;
  std::ostringstream os;
  if (it->second.first != node) {
    os << "ELECTION SAFETY: nodes " << it->second.first << " and " << node << " both lead term " << term;
  } else {
    os << "ELECTION SAFETY: node " << node << " was elected leader of term " << term
       << " twice (before and after a restart)";
  }
  Fail(os.str());
}

void Checker::CheckLeaderCompleteness(uint64_t node, uint64_t term, const raft::RaftLog& log) {
  const uint64_t first = log.FirstIndex();
  auto check = [&](uint64_t index, uint64_t want) {
    // Compacted entries are covered by the leader's snapshot, whose state
    // OnSnapshotInstalled / OnApply compared with every other node's.
    if (index < first) return;
    const uint64_t got = log.TermOrZero(index);
    if (got != want) {
      std::ostringstream os;
      os << "LEADER COMPLETENESS: node " << node << " leads term " << term << " but its entry "
         << index << " has term " << got << ", committed entry has term " << want;
      Fail(os.str());
    }
  };
  for (const auto& [index, tv] : committed_) {
    check(index, tv.first);
    if (failed()) return;
  }
  for (const auto& [index, t] : committed_term_only_) {
    check(index, t);
    if (failed()) return;
  }
}

void Checker::OnEntries(uint64_t node, const std::vector<raft::Entry>& ents, uint64_t prev_term) {
  for (const raft::Entry& e : ents) {
    EntryId id{HashBytes(e.data()) ^ static_cast<uint64_t>(e.type()), prev_term};
    auto [it, inserted] = entries_.emplace(std::make_pair(e.index(), e.term()), id);
    if (!inserted) {
      EntryId& seen = it->second;
      const bool prev_conflict = seen.prev_term != 0 && id.prev_term != 0 && seen.prev_term != id.prev_term;
      if (seen.data_hash != id.data_hash || prev_conflict) {
        std::ostringstream os;
        os << "LOG MATCHING: node " << node << " holds entry (index " << e.index() << ", term "
           << e.term() << ") that differs from another log's entry with the same index and term"
           << (prev_conflict ? " (different predecessor term)" : " (different data)");
        Fail(os.str());
        return;
      }
      if (seen.prev_term == 0) seen.prev_term = id.prev_term;
    }
    prev_term = e.term();
  }
}

void Checker::OnApply(uint64_t node, const raft::Entry& e, uint64_t applied_before, uint64_t state_after) {
  ++applies_;
  std::ostringstream os;
  if (e.index() != applied_before + 1) {
    os << "STATE MACHINE SAFETY: node " << node << " applied index " << e.index() << " after "
       << applied_before << " (out of order)";
    Fail(os.str());
    return;
  }
  const uint64_t h = HashBytes(e.data()) ^ static_cast<uint64_t>(e.type());
  auto [it, inserted] = committed_.emplace(e.index(), std::make_pair(e.term(), h));
  if (!inserted && (it->second.first != e.term() || it->second.second != h)) {
    os << "STATE MACHINE SAFETY: node " << node << " applied (index " << e.index() << ", term "
       << e.term() << ") but another node applied (term " << it->second.first << ") at that index";
    Fail(os.str());
    return;
  }
  auto t = committed_term_only_.find(e.index());
  if (t != committed_term_only_.end() && t->second != e.term()) {
    os << "STATE MACHINE SAFETY: node " << node << " applied (index " << e.index() << ", term "
       << e.term() << ") but a leader committed term " << t->second << " there";
    Fail(os.str());
    return;
  }
  auto [st, fresh] = state_at_.emplace(e.index(), state_after);
  if (!fresh && st->second != state_after) {
    os << "STATE MACHINE SAFETY: node " << node << " reached a different state at index " << e.index();
    Fail(os.str());
    return;
  }
  if (e.index() > max_committed_) max_committed_ = e.index();
}

void Checker::OnSnapshotInstalled(uint64_t node, uint64_t index, uint64_t term, uint64_t state) {
  auto [st, fresh] = state_at_.emplace(index, state);
  if (!fresh && st->second != state) {
    std::ostringstream os;
    os << "STATE MACHINE SAFETY: node " << node << " installed a snapshot at " << index
       << " whose state differs from the state other nodes reached there";
    Fail(os.str());
  }
  auto c = committed_.find(index);
  if (c != committed_.end() && c->second.first != term) {
    std::ostringstream os;
    os << "STATE MACHINE SAFETY: snapshot at " << index << " has term " << term
       << " but the committed entry there has term " << c->second.first;
    Fail(os.str());
  }
}

void Checker::OnLeaderCommit(uint64_t leader, uint64_t index, uint64_t term, size_t voters, size_t durable) {
  if (durable < voters / 2 + 1) {
    std::ostringstream os;
    os << "COMMIT DURABILITY: leader " << leader << " committed index " << index << " (term " << term
       << ") but only " << durable << " of " << voters << " voters have it on disk";
    Fail(os.str());
    return;
  }
  auto [it, inserted] = committed_term_only_.emplace(index, term);
  if (!inserted && it->second != term) {
    std::ostringstream os;
    os << "STATE MACHINE SAFETY: leader " << leader << " committed (index " << index << ", term "
       << term << ") but term " << it->second << " was committed there before";
    Fail(os.str());
  }
  auto c = committed_.find(index);
  if (c != committed_.end() && c->second.first != term) {
    std::ostringstream os;
    os << "STATE MACHINE SAFETY: leader " << leader << " committed (index " << index << ", term "
       << term << ") but term " << c->second.first << " was applied there";
    Fail(os.str());
  }
  if (index > max_committed_) max_committed_ = index;
}

void Checker::OnCommitIndex(uint64_t node, uint64_t incarnation, uint64_t commit) {
  auto [it, inserted] = commit_seen_.emplace(node, std::make_pair(incarnation, commit));
  if (inserted) return;
  if (it->second.first == incarnation && commit < it->second.second) {
    std::ostringstream os;
    os << "MONOTONIC COMMIT: node " << node << " commit index went from " << it->second.second
       << " to " << commit;
    Fail(os.str());
  }
  it->second = {incarnation, commit};
}

void Checker::OnHardStateWrite(uint64_t node, const raft::HardState& before, const raft::HardState& after) {
  std::ostringstream os;
  if (after.term() < before.term()) {
    os << "DURABLE STATE: node " << node << " term went back from " << before.term() << " to " << after.term();
  } else if (after.term() == before.term() && before.vote() != 0 && after.vote() != before.vote()) {
    os << "DURABLE STATE: node " << node << " voted for " << before.vote() << " and then "
       << after.vote() << " in term " << after.term();
  } else if (after.commit() < before.commit()) {
    os << "DURABLE STATE: node " << node << " persisted commit " << after.commit() << " after "
       << before.commit() << " (a commit lost across a crash)";
  } else {
    return;
  }
  Fail(os.str());
}

void Checker::OnReadState(uint64_t node, uint64_t index, uint64_t required) {
  if (index < required) {
    std::ostringstream os;
    os << "LINEARIZABLE READ: node " << node << " got read index " << index << " but index "
       << required << " was committed before the read was issued";
    Fail(os.str());
  }
}

}  // namespace arbor::sim
