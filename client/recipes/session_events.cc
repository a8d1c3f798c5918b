#include "client/recipes/session_events.h"

#include <vector>

namespace arbor::client::recipes {

SessionListener SessionEvents::Listener() {
  std::shared_ptr<SessionEvents> self = shared_from_this();
  return [self](SessionState from, SessionState to) { self->Dispatch(from, to); };
}

int64_t SessionEvents::Subscribe(SessionListener fn) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t token = next_token_++;
  subscribers_[token] = std::make_shared<SessionListener>(std::move(fn));
  return token;
}

void SessionEvents::Unsubscribe(int64_t token) {
  std::lock_guard<std::mutex> l(mu_);
  subscribers_.erase(token);
}

void SessionEvents::Dispatch(SessionState from, SessionState to) {
  std::vector<std::shared_ptr<SessionListener>> copy;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [token, fn] : subscribers_) copy.push_back(fn);
  }
  for (auto& fn : copy) (*fn)(from, to);
}

}  // namespace arbor::client::recipes
