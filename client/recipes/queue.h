// A distributed FIFO queue (ZooKeeper's queue recipe): items are
// PERSISTENT_SEQUENTIAL children `<dir>/qn-<seq>`; a consumer claims the
// lowest item by deleting it (only one delete of a node succeeds).
//
//   DistributedQueue q(client, "/work/queue");
//   q.Offer("job 1");
//   OpResult<std::optional<std::string>> item = q.Take(5000);  // nullopt: timed out
//
// Delivery: every item is taken at most once. If a consumer's claiming
// delete fails with CONNECTIONLOSS the item may have been claimed by that
// very delete and is then lost (at-most-once); the error is returned so the
// caller knows. A waiting Take leaves one child watch per wait on the queue
// directory (a timed-out wait leaves it armed until the next change).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "client/client.h"

namespace arbor::client::recipes {

class DistributedQueue {
 public:
  DistributedQueue(Client* client, std::string dir) : client_(client), dir_(std::move(dir)) {}

  // Appends an item (creating the directory if needed); returns its path.
  OpResult<std::string> Offer(const std::string& data);
  // The head item, removed; nullopt when the queue is empty.
  OpResult<std::optional<std::string>> Poll();
  // Like Poll but waits up to timeout_ms (<0: forever) for an item.
  OpResult<std::optional<std::string>> Take(int64_t timeout_ms);
  // The head item without removing it.
  OpResult<std::optional<std::string>> Peek();
  OpResult<size_t> Size();

 private:
  // One pass over the current items; `watcher` (may be null) is left on the
  // directory with the listing.
  OpResult<std::optional<std::string>> TryTake(Watcher watcher, bool remove);

  Client* const client_;
  const std::string dir_;
};

}  // namespace arbor::client::recipes
