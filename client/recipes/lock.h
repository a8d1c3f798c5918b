// Distributed locks on ephemeral-sequential nodes (ZooKeeper's lock recipe,
// as Curator's InterProcessMutex / InterProcessReadWriteLock).
//
//   InterProcessLock lock(client, "/locks/printer");
//   OpResult<bool> got = lock.Acquire(5000);   // false: timed out
//   if (got.ok() && got.value()) { ...; (void)lock.Release(); }
//
// Each contender creates `<dir>/_c_<guid>-lock-<seq>` (EPHEMERAL_SEQUENTIAL,
// protected: a create whose answer was lost is found again by its GUID, never
// duplicated). The lowest sequence holds the lock. A waiter watches only the
// node just before its own (no herd effect: a release wakes one waiter).
// Shared locks: a reader ("read-") waits only for the last writer ("write-")
// before it; a writer waits for its immediate predecessor of either kind.
//
// Session loss: the lock node is ephemeral, so when the session EXPIRES the
// lock is gone for good (held() turns false once the client reports it; a
// holder should treat SUSPENDED as "may be lost" and stop touching the
// guarded resource until the client is RECONNECTED).
//
// Revocation (Curator-style, cooperative): anyone may call RequestRevoke on
// a participant's node; it writes a flag into the node, and the holder's
// revocation listener (event thread) runs so it can finish and Release.
//
// Not reentrant; an object holds at most one acquisition. Thread-safe for
// one acquiring thread plus watch callbacks. The Client must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"

namespace arbor::client::recipes {

enum class LockRole { kExclusive, kRead, kWrite };

class InterProcessLock {
 public:
  // The data RequestRevoke writes into a participant's node.
  static constexpr const char* kRevokeFlag = "__REVOKE__";

  InterProcessLock(Client* client, std::string dir, LockRole role = LockRole::kExclusive);
  ~InterProcessLock();  // releases a held lock (best effort)

  InterProcessLock(const InterProcessLock&) = delete;
  InterProcessLock& operator=(const InterProcessLock&) = delete;

  // Waits up to timeout_ms (<0: forever) for the lock. OK+true: held;
  // OK+false: timed out (our node was removed again). Other codes: the
  // session failed (SESSIONEXPIRED, ...) or the lock is already held by this
  // object (APIERROR); no node is left behind in either case when the server
  // can still be reached.
  OpResult<bool> Acquire(int64_t timeout_ms);
  // Deletes our node. APIERROR when not held.
  OpResult<Done> Release();

  bool held() const;
  std::string node_path() const;  // our node while held, else ""

  // Runs (on the event thread) when someone requests revocation of our
  // node while we hold it. Set before Acquire.
  void SetRevocationListener(std::function<void()> listener);

  // Asks the holder of `node_path` (a participant's full path) to release.
  // NONODE when that node is gone already.
  static OpResult<Done> RequestRevoke(Client* client, const std::string& node_path);

  // The participants' full paths in lock order (the first holds the lock).
  static OpResult<std::vector<std::string>> Participants(Client* client, const std::string& dir);

 private:
  struct State;

  // Our node's blocker (the node to wait for) in the sorted `names`, "" when
  // we hold the lock, or NONODE when our node is missing.
  OpResult<std::string> Blocker(const std::vector<std::string>& names, const std::string& own) const;
  OpResult<bool> WaitForTurn(const std::string& own, int64_t deadline_ms);
  void DeleteNode(const std::string& path);
  // Re-arms a data watch on our node; runs the listener when the flag is set.
  static void WatchRevocation(Client* client, std::shared_ptr<State> state, const std::string& node);

  Client* const client_;
  const std::string dir_;
  const LockRole role_;
  std::shared_ptr<State> state_;
};

// Readers share, writers exclude everyone; both sides use one directory.
class InterProcessReadWriteLock {
 public:
  InterProcessReadWriteLock(Client* client, const std::string& dir)
      : read_(client, dir, LockRole::kRead), write_(client, dir, LockRole::kWrite) {}
  InterProcessLock& ReadLock() { return read_; }
  InterProcessLock& WriteLock() { return write_; }

 private:
  InterProcessLock read_;
  InterProcessLock write_;
};

}  // namespace arbor::client::recipes
