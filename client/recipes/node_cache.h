// Config store: one znode (NodeCache) or a whole subtree (TreeCache) mirrored
// in memory and kept current by watches, with change callbacks (as Curator's
// NodeCache / TreeCache).
//
//   NodeCache cfg(client, events.get(), "/svc/config", [](const CachedNode* n) {
//     if (n) Reload(n->data);              // nullptr: the node was deleted
//   });
//   cfg.Start();
//   std::optional<CachedNode> now = cfg.Current();
//
// Callbacks run on the client's event thread (or on the caller's thread
// during Start), one at a time, after the cache was updated. They see every
// change the server reports, but like any ZooKeeper watcher they may see two
// quick writes as one (the cache reads the latest value). After the session
// is RECONNECTED the cache re-reads everything. The Client and SessionEvents
// (may be null) must outlive the cache.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "client/client.h"
#include "client/recipes/session_events.h"

namespace arbor::client::recipes {

struct CachedNode {
  std::string data;
  proto::Stat stat;
};

class NodeCache {
 public:
  using Listener = std::function<void(const CachedNode* node)>;  // nullptr: node absent

  NodeCache(Client* client, SessionEvents* events, std::string path, Listener listener);
  ~NodeCache();

  // Reads the node and starts watching it (a missing node is watched for
  // creation). Returns the read's error when the session is unusable.
  proto::ErrorCode Start();
  std::optional<CachedNode> Current() const;

 private:
  struct State;
  static void Refresh(Client* client, const std::shared_ptr<State>& state);

  Client* const client_;
  SessionEvents* const events_;
  std::shared_ptr<State> state_;
  int64_t subscription_ = 0;
};

class TreeCache {
 public:
  enum class Change { kAdded, kUpdated, kRemoved };
  // Paths are full (not relative to the root). `node` is null for kRemoved.
  using Listener = std::function<void(Change change, const std::string& path, const CachedNode* node)>;

  TreeCache(Client* client, SessionEvents* events, std::string root, Listener listener);
  ~TreeCache();

  // Leaves a persistent recursive watch on the root, then loads the subtree
  // (at most max_nodes nodes; more fails with BADARGUMENTS).
  proto::ErrorCode Start(size_t max_nodes = 100000);
  std::optional<CachedNode> Get(const std::string& path) const;
  // Every cached path under the root (the root included), in path order.
  std::map<std::string, CachedNode> Snapshot() const;

 private:
  struct State;
  static void OnEvent(Client* client, const std::shared_ptr<State>& state, const proto::WatchEvent& ev);
  static proto::ErrorCode LoadAll(Client* client, const std::shared_ptr<State>& state);

  Client* const client_;
  SessionEvents* const events_;
  std::shared_ptr<State> state_;
  int64_t subscription_ = 0;
};

}  // namespace arbor::client::recipes
