// Membership takes effect when a conf change entry is appended to the log,
// committed or not (Raft thesis 4.1), and reverts if the entry is
// truncated. Every node therefore counts votes and commits with the newest
// membership in its log, so two adjacent single-server configurations are
// all that can be in use at once, even for a node that restarts knowing a
// stale commit index. The application still applies conf changes in log
// order (ApplyConfChange) to learn the membership to persist with its state.
#include <glog/logging.h>

#include "server/raft/raft.h"

namespace arbor::raft {

void Raft::RecomputeMembership() {
  Membership m = applied_membership_;
  conf_indexes_.clear();
  const uint64_t lo = std::max(applied_conf_index_, log_.applied()) + 1;
  const uint64_t hi = log_.LastIndex() + 1;
  if (lo < hi) {
    auto ents = log_.Slice(lo, hi, UINT64_MAX, UINT64_MAX);
    CHECK(ents.ok()) << "unapplied entries must be readable: " << ents.status().ToString();
    for (const Entry& e : *ents) {
      if (e.type() != ENTRY_CONF_CHANGE) continue;
      ConfChange cc;
      CHECK(cc.ParseFromString(e.data())) << "corrupt conf change at " << e.index();
      conf_indexes_.insert(e.index());
      if (ValidateConfChange(m, cc).ok()) m = ApplyConfChangeTo(m, cc);
    }
  }
  tracker_.SetMembership(m, log_.LastIndex() + 1);
}

void Raft::OnConfEntryAppended(uint64_t index, const ConfChange& cc) {
  conf_indexes_.insert(index);
  tracker_.SetMembership(ApplyConfChangeTo(tracker_.membership(), cc), log_.LastIndex() + 1);
}

bool Raft::AppendTouchesMembership(const std::vector<Entry>& ents) const {
  if (ents.empty()) return false;
  // A truncation at or below a logged conf change may remove it.
  if (!conf_indexes_.empty() && *conf_indexes_.rbegin() >= ents.front().index()) return true;
  for (const Entry& e : ents) {
    if (e.type() == ENTRY_CONF_CHANGE) return true;
  }
  return false;
}

ConfState Raft::ApplyConfChange(const ConfChange& cc) {
  // Conf changes are applied in log order: this is the oldest unapplied one.
  auto it = conf_indexes_.upper_bound(applied_conf_index_);
  if (it != conf_indexes_.end()) {
    applied_conf_index_ = *it;
    conf_indexes_.erase(conf_indexes_.begin(), std::next(it));
  }
  if (ValidateConfChange(applied_membership_, cc).ok()) {
    applied_membership_ = ApplyConfChangeTo(applied_membership_, cc);
  }
  // A leader that removed or demoted itself kept leading (without counting
  // itself) until the change committed; now it steps down.
  if (role_ == Role::kLeader && !tracker_.membership().IsVoter(config_.id)) BecomeFollower(term_, 0);
  return applied_membership_.ToConfState();
}

}  // namespace arbor::raft
