// Leader election (ZooKeeper's recipe, as Curator's LeaderLatch).
//
//   auto events = std::make_shared<SessionEvents>();   // see session_events.h
//   options.session_listener = events->Listener();
//   LeaderElection e(client, events.get(), "/svc/leader", "host-a:8080",
//                    [](bool leader) { leader ? StartServing() : StopServing(); });
//   e.Start();
//
// Each candidate owns `<dir>/_c_<guid>-n-<seq>` (EPHEMERAL_SEQUENTIAL,
// protected, data = its id); the lowest sequence leads and every other one
// watches only its predecessor.
//
// Session loss, the part that makes leadership safe:
//  - SUSPENDED (connection lost, session maybe alive): the listener gets
//    false at once; the candidate stops acting as leader because the server
//    may expire its session any moment and elect another. Note the session
//    is suspended by the client only after 2/3 of the timeout without
//    server contact, before the server can expire it.
//  - RECONNECTED: the candidate re-reads the election from the server and
//    gets true again only if its node still leads (leadership confirmed).
//  - EXPIRED / CLOSED: leadership is lost for good (the node is gone); the
//    election stops. The application starts a new Client and a new election.
//
// The listener runs on the election's own thread, never concurrently with
// itself, and only on changes (true, false, true, ...). The Client and the
// SessionEvents must outlive the election.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/recipes/session_events.h"

namespace arbor::client::recipes {

class LeaderElection {
 public:
  using Listener = std::function<void(bool is_leader)>;

  // `events` may be null: the election then polls the session state every
  // poll_ms (slower reaction to SUSPENDED; the listener still gets false).
  LeaderElection(Client* client, SessionEvents* events, std::string dir, std::string id, Listener listener,
                 int64_t poll_ms = 100);
  ~LeaderElection();  // Stop()

  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Starts competing (a thread). APIERROR when already started.
  proto::ErrorCode Start();
  // Withdraws: the listener gets false if we led, our node is deleted (best
  // effort), the thread ends. Idempotent. Not from the listener itself.
  void Stop();

  bool IsLeader() const;
  // True once the session ended (EXPIRED/CLOSED) and the election gave up.
  bool lost() const;
  std::string node_path() const;

  // The id (data) of the current leader's node; NONODE when nobody runs.
  static OpResult<std::string> CurrentLeader(Client* client, const std::string& dir);

 private:
  struct Shared;

  void Run();
  // One pass over the election; returns false when the session is over.
  bool Evaluate();
  // Publishes and reports leadership. `epoch`: the session epoch read when
  // the evaluation that concluded `leader` began (only used for true).
  void SetLeader(bool leader, int64_t epoch = -1);
  // Leaves an exists watch on `path` that wakes the election thread.
  void Watch(const std::string& path);

  Client* const client_;
  SessionEvents* const events_;
  const std::string dir_;
  const std::string id_;
  const Listener listener_;
  const int64_t poll_ms_;
  std::shared_ptr<Shared> shared_;
  int64_t subscription_ = 0;
  std::thread thread_;
  bool started_ = false;
  bool reported_leader_ = false;  // election thread only
  std::string watching_;          // election thread only
  std::shared_ptr<std::atomic<bool>> armed_;
};

}  // namespace arbor::client::recipes
