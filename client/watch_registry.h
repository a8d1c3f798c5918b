// The client's record of its registered watches, with ZooKeeper's client
// semantics: a one-shot watch (data, exist, child) is removed when its first
// event arrives; a persistent watch stays until removed; a recursive one also
// sees events for every descendant (except NODE_CHILDREN_CHANGED, which a
// recursive watch does not report, as in ZooKeeper).
//
// Paths are the application's (chroot already stripped). Each registration
// is its own entry: registering the same callback twice fires it twice.
//
// Threading: owned by the client's loop thread; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "client/connect_string.h"
#include "proto/client.pb.h"

namespace arbor::client {

// Called on the client's event thread with the event (path chroot-stripped).
using Watcher = std::function<void(const proto::WatchEvent&)>;

enum class WatchKind { kData, kExist, kChild, kPersistent, kPersistentRecursive };

class WatchRegistry {
 public:
  explicit WatchRegistry(size_t max_watches = 1 << 20) : max_watches_(max_watches) {}

  // Adds a watch; false (nothing added) past max_watches.
  bool Add(WatchKind kind, const std::string& path, Watcher watcher);

  // The watchers an event triggers, in the order data/exist, child,
  // persistent, recursive (each in registration order); triggered one-shot
  // watches are removed.
  std::vector<Watcher> Trigger(const proto::WatchEvent& event);

  // removeWatches: takes the watches of `type` off `path` and returns them
  // with the *_WATCH_REMOVED event each must receive.
  std::vector<std::pair<Watcher, proto::WatchEvent>> Remove(const std::string& path, proto::WatcherType type);

  // True when a watch of `type` exists on `path` (checkWatches).
  bool Has(const std::string& path, proto::WatcherType type) const;

  // The set_watches requests that re-register everything after a reconnect,
  // paths mapped through `chroot`, each request's paths totalling at most
  // about `max_bytes` (ZooKeeper splits large sets the same way).
  std::vector<proto::SetWatchesRequest> ToSetWatches(int64_t relative_zxid, const Chroot& chroot,
                                                     size_t max_bytes) const;

  size_t size() const { return count_; }
  void Clear();

 private:
  using Table = std::map<std::string, std::vector<Watcher>>;
  Table& table(WatchKind k) { return tables_[static_cast<int>(k)]; }
  const Table& table(WatchKind k) const { return tables_[static_cast<int>(k)]; }
  void TakeAll(WatchKind k, const std::string& path, std::vector<Watcher>* out);
  void CopyAll(WatchKind k, const std::string& path, std::vector<Watcher>* out) const;
  size_t RemoveInto(WatchKind k, const std::string& path, proto::EventType type,
                    std::vector<std::pair<Watcher, proto::WatchEvent>>* out);

  Table tables_[5];
  size_t count_ = 0;
  size_t max_watches_;
};

}  // namespace arbor::client
