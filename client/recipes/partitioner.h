// A work partitioner: spreads items over the live members of a group with
// consistent hashing (HashRing, virtual nodes), so a join or leave moves
// only about 1/n of the items.
//
//   WorkPartitioner p(client, events.get(), "/svc/workers", "worker-3",
//                     [](const std::vector<std::string>& members) { Rebalance(); });
//   p.Start();                               // joins the group, follows it
//   for (auto& shard : all_shards) if (p.Owns(shard)) Serve(shard);
//
// Every member computes the same assignment from the same member list, so
// each item has exactly one owner among the members that agree on the list.
// While the list changes, two members may briefly disagree (one saw the
// change, the other not yet); callers that need strict exclusivity per item
// combine this with a lock per item. Members are the group's ephemeral
// nodes: a member whose session ends drops out and its items move.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/recipes/hash_ring.h"
#include "client/recipes/membership.h"
#include "client/recipes/session_events.h"

namespace arbor::client::recipes {

class WorkPartitioner {
 public:
  // Runs after each membership change, with the new member list (event
  // thread, or the Start caller's thread for the first list).
  using Listener = std::function<void(const std::vector<std::string>& members)>;

  WorkPartitioner(Client* client, SessionEvents* events, std::string dir, std::string me, Listener listener,
                  int vnodes = 128);

  // Joins the group and starts following it.
  proto::ErrorCode Start();
  proto::ErrorCode Stop();  // leaves the group

  bool Owns(const std::string& item) const;
  std::string OwnerOf(const std::string& item) const;
  // The subset of `items` this member owns.
  std::vector<std::string> MyItems(const std::vector<std::string>& items) const;
  std::vector<std::string> Members() const;

 private:
  struct Shared {
    std::mutex mu;
    HashRing ring;
    explicit Shared(int vnodes) : ring(vnodes) {}
  };

  const std::string me_;
  std::shared_ptr<Shared> shared_;
  GroupMember member_;
  GroupWatcher watcher_;
};

}  // namespace arbor::client::recipes
