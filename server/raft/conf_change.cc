#include "server/raft/conf_change.h"

#include <string>

namespace arbor::raft {

Status ValidateConfChange(const Membership& m, const ConfChange& cc) {
  const uint64_t id = cc.node_id();
  const std::string who = "node " + std::to_string(id);
  if (id == 0) return Status::InvalidArgument("conf change: node id 0 is reserved");
  switch (cc.type()) {
    case CONF_ADD_VOTER:
      if (m.IsVoter(id)) return Status::InvalidArgument("conf change: " + who + " is already a voter");
      return Status::Ok();
    case CONF_ADD_LEARNER:
      if (m.IsLearner(id)) return Status::InvalidArgument("conf change: " + who + " is already a learner");
      if (m.IsVoter(id) && m.voters.size() == 1) {
        return Status::InvalidArgument("conf change: cannot demote the last voter " + who);
      }
      return Status::Ok();
    case CONF_REMOVE_NODE:
      if (!m.IsMember(id)) return Status::InvalidArgument("conf change: " + who + " is not a member");
      if (m.IsVoter(id) && m.voters.size() == 1) {
        return Status::InvalidArgument("conf change: cannot remove the last voter " + who);
      }
      return Status::Ok();
    default:
      return Status::InvalidArgument("conf change: unknown type " + std::to_string(cc.type()));
  }
}

Membership ApplyConfChangeTo(const Membership& m, const ConfChange& cc) {
  Membership out = m;
  const uint64_t id = cc.node_id();
  switch (cc.type()) {
    case CONF_ADD_VOTER:
      out.learners.erase(id);
      out.voters.insert(id);
      break;
    case CONF_ADD_LEARNER:
      out.voters.erase(id);
      out.learners.insert(id);
      break;
    case CONF_REMOVE_NODE:
      out.voters.erase(id);
      out.learners.erase(id);
      break;
    default:
      break;
  }
  return out;
}

std::vector<Entry> BootstrapEntries(const std::vector<uint64_t>& voters) {
  std::vector<Entry> out;
  for (uint64_t id : voters) {
    ConfChange cc;
    cc.set_type(CONF_ADD_VOTER);
    cc.set_node_id(id);
    Entry e;
    e.set_term(1);
    e.set_index(out.size() + 1);
    e.set_type(ENTRY_CONF_CHANGE);
    e.set_data(cc.SerializeAsString());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace arbor::raft
