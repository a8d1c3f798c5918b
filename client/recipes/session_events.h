// Fans the client's one session listener out to many recipes.
//
// ClientOptions takes a single session_listener fixed at Start, and watches
// carry no session events, yet every recipe that holds something (a lock, a
// leadership) must react to SUSPENDED and EXPIRED. The application creates a
// SessionEvents first and installs its Listener():
//
//   auto events = std::make_shared<SessionEvents>();
//   options.session_listener = events->Listener();
//   auto client = Client::Start(options);
//   LeaderElection election(client.get(), events.get(), "/svc/leader", "me", listener);
//
// Subscribers run on the client's event thread, in subscription order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "client/client_options.h"

namespace arbor::client::recipes {

class SessionEvents : public std::enable_shared_from_this<SessionEvents> {
 public:
  // The listener to put into ClientOptions; it keeps this object alive.
  SessionListener Listener();

  // Returns a token for Unsubscribe. `fn` may itself (un)subscribe: the
  // dispatch works on a copy of the list.
  int64_t Subscribe(SessionListener fn);
  // Stops future calls of `fn`. A call already running on the event thread
  // may still finish after this returns, so `fn` must capture only state it
  // shares ownership of (recipes capture a shared_ptr, never `this`).
  void Unsubscribe(int64_t token);

  void Dispatch(SessionState from, SessionState to);

 private:
  std::mutex mu_;
  int64_t next_token_ = 1;
  std::map<int64_t, std::shared_ptr<SessionListener>> subscribers_;
};

}  // namespace arbor::client::recipes
