// WatchManager: this server's watches (local state, never replicated).
//
// ZooKeeper's rules (server side; the "exist" watch a client sets with exists()
// on a missing node is a data watch here, as on ZooKeeper's server):
//   create  -> NodeCreated on path; NodeChildrenChanged on the parent
//   delete  -> NodeDeleted on path (data and child watches); NodeChildrenChanged
//              on the parent
//   setData -> NodeDataChanged on path
// Standard watches are one-shot. Persistent watches (addWatch) stay and see
// every event on their path, NodeChildrenChanged included. Persistent-recursive
// watches stay and see every event on their path and all descendants except
// NodeChildrenChanged (ZooKeeper 3.6+). A session gets at most one event per
// trigger, whatever watches it holds.
//
// Indexed by path, with a per-session path list so a session's watches vanish
// in time proportional to its own watches. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "proto/client.pb.h"
#include "server/tree/watch_trigger.h"

namespace arbor::tree {

struct SessionEvent {
  int64_t session_id = 0;
  proto::WatchEvent event;
};

class WatchManager {
 public:
  enum Kind : uint8_t { kData = 1, kChild = 2, kPersistent = 4, kRecursive = 8 };

  void AddDataWatch(std::string_view path, int64_t session) { Add(path, session, kData); }
  void AddChildWatch(std::string_view path, int64_t session) { Add(path, session, kChild); }
  void AddPersistentWatch(std::string_view path, int64_t session, bool recursive) {
    Add(path, session, recursive ? kRecursive : kPersistent);
  }

  // Appends one event per (trigger, session) that a watch fires for, in
  // trigger order and then session order; one-shot watches are consumed.
  void Fire(const std::vector<WatchTrigger>& triggers, std::vector<SessionEvent>* out);

  // removeWatches: OK, NOWATCHER when the session has no such watch on
  // path (ZooKeeper's server answers so), BADARGUMENTS for an unknown type.
  proto::ErrorCode Remove(std::string_view path, int64_t session, proto::WatcherType type);
  // checkWatches: OK if the session holds a watch of that type on path.
  proto::ErrorCode Check(std::string_view path, int64_t session, proto::WatcherType type) const;

  // The session ended: all its watches go.
  void RemoveSession(int64_t session);

  // A session watches at most this many paths (0: no bound), so one client
  // cannot grow the server's memory without end. Over it, Add drops the watch
  // and counts it; readers check Full() first and refuse the request.
  void set_max_paths_per_session(size_t n) { max_paths_per_session_ = n; }
  bool Full(std::string_view path, int64_t session) const;
  uint64_t refused_total() const { return refused_total_; }

  // Kinds the session holds on path (0 if none).
  uint8_t KindsOf(std::string_view path, int64_t session) const;
  size_t path_count() const { return by_path_.size(); }
  size_t session_count() const { return by_session_.size(); }
  // Calls fn(path, session, kinds) for every watch (admin listings).
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const auto& [path, watchers] : by_path_) {
      for (const Watcher& w : watchers) fn(path, w.session, w.kinds);
    }
  }
  // Sessions holding at least one watch, ascending (checks and tests).
  std::vector<int64_t> Sessions() const {
    std::vector<int64_t> out;
    for (const auto& [id, paths] : by_session_) out.push_back(id);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct Watcher {
    int64_t session;
    uint8_t kinds;
  };
  using Watchers = std::vector<Watcher>;

  void Add(std::string_view path, int64_t session, uint8_t kind);
  // Clears `kinds` for the session at `it`; drops empty entries.
  void Clear(std::unordered_map<std::string, Watchers>::iterator it, size_t index, uint8_t kinds);
  static uint8_t MaskOf(proto::WatcherType type);

  std::unordered_map<std::string, Watchers> by_path_;
  // Keys point into by_path_ (its keys do not move while present).
  std::unordered_map<int64_t, std::unordered_set<std::string_view>> by_session_;
  size_t recursive_count_ = 0;
  size_t max_paths_per_session_ = 0;
  uint64_t refused_total_ = 0;
};

}  // namespace arbor::tree
