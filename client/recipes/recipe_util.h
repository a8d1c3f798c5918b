// Helpers shared by the recipes: parent creation, sequence-node naming,
// protected (GUID-prefixed) names, and a wake-up signal for watchers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"

namespace arbor::client::recipes {

// Creates `path` and every missing ancestor as PERSISTENT nodes with empty
// data. NODEEXISTS on any level is success (another process raced us).
proto::ErrorCode EnsurePath(Client* client, const std::string& path);

// Deletes `path` and its whole subtree (children first). NONODE is success.
// Bounded: gives up with NOTEMPTY after 1000 rounds of concurrent re-creation.
proto::ErrorCode DeleteRecursive(Client* client, const std::string& path);

// The 10-digit sequence suffix of a sequential node's name, or -1 when the
// name does not end with one.
int64_t SequenceOf(const std::string& name);

// Sorts names by their sequence suffix (names without one go last, by name).
// Recipes mix prefixes (read-/write-), so plain name order would be wrong.
void SortBySequence(std::vector<std::string>* names);

// A random 32-hex-digit id; each protected create gets a fresh one.
std::string NewGuid();

// "_c_<guid>-<prefix>": the name prefix of a protected create (Curator's
// protected mode). After CONNECTIONLOSS on create the caller lists the parent
// and finds its own node by this prefix instead of creating a second one.
std::string ProtectedPrefix(const std::string& guid, const std::string& prefix);

// Creates `dir/<protected prefix>` as `mode` (a *_SEQUENTIAL mode), retrying
// transient failures and recovering the node it created when an answer was
// lost. Returns the full path of the node. Waits for a connection up to
// `timeout_ms` per attempt. `guid` empty: a fresh one. A caller that retries
// a create across calls passes the guid it used before; the node that
// create left (if any) is then returned instead of a second one.
OpResult<std::string> CreateProtectedSequential(Client* client, const std::string& dir, const std::string& prefix,
                                                const std::string& data, proto::CreateMode mode,
                                                int64_t timeout_ms = 10000, const std::string& guid = "");

// A level-triggered wake-up shared between a waiting thread and watchers.
// Watchers hold it by shared_ptr, so a watch that fires after the recipe
// object is gone touches only this, never freed memory.
class Signal {
 public:
  void Notify();
  // Waits until Notify was called since the last Wait returned true, or the
  // deadline (steady-clock ms, <0 = forever) passes. True when notified.
  bool WaitUntil(int64_t deadline_ms);
  static int64_t NowMs();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

Watcher SignalWatcher(const std::shared_ptr<Signal>& signal);

}  // namespace arbor::client::recipes
