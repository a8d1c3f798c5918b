#include "client/recipes/membership.h"

#include <algorithm>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

GroupMember::~GroupMember() {
  if (joined_) (void)Leave();
}

proto::ErrorCode GroupMember::Join() {
  proto::ErrorCode c = EnsurePath(client_, dir_);
  if (c != proto::OK) return c;
  const std::string path = dir_ + "/" + id_;
  auto r = client_->Create(path, data_, proto::EPHEMERAL);
  if (r.code() == proto::NODEEXISTS) {
    auto e = client_->Exists(path);
    if (!e.ok()) return e.code();
    if (e->ephemeral_owner() != client_->session_id()) return proto::NODEEXISTS;
  } else if (!r.ok()) {
    return r.code();
  }
  joined_ = true;
  return proto::OK;
}

proto::ErrorCode GroupMember::Leave() {
  joined_ = false;
  auto d = client_->Delete(dir_ + "/" + id_);
  return d.code() == proto::NONODE ? proto::OK : d.code();
}

OpResult<std::vector<std::string>> GroupMember::Members(Client* client, const std::string& dir) {
  auto kids = client->GetChildren(dir);
  if (kids.code() == proto::NONODE) return std::vector<std::string>();
  if (!kids.ok()) return kids.code();
  std::vector<std::string> ids(kids->children().begin(), kids->children().end());
  std::sort(ids.begin(), ids.end());
  return ids;
}

struct GroupWatcher::State {
  std::string dir;
  Listener listener;
  std::mutex refresh_mu;  // one refresh at a time
  bool armed = false;     // a child (or exist) watch is outstanding
  bool stopped = false;
  mutable std::mutex mu;
  std::vector<std::string> members;
  bool loaded = false;
};

GroupWatcher::GroupWatcher(Client* client, SessionEvents* events, std::string dir, Listener listener)
    : client_(client), events_(events), state_(std::make_shared<State>()) {
  state_->dir = std::move(dir);
  state_->listener = std::move(listener);
}

GroupWatcher::~GroupWatcher() {
  if (events_ != nullptr && subscription_ != 0) events_->Unsubscribe(subscription_);
  std::lock_guard<std::mutex> l(state_->refresh_mu);
  state_->stopped = true;
}

proto::ErrorCode GroupWatcher::Start() {
  if (events_ != nullptr) {
    Client* client = client_;
    std::shared_ptr<State> state = state_;
    subscription_ = events_->Subscribe([client, state](SessionState, SessionState to) {
      if (to == SessionState::kReconnected) (void)Refresh(client, state);
    });
  }
  return Refresh(client_, state_);
}

std::vector<std::string> GroupWatcher::Current() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->members;
}

proto::ErrorCode GroupWatcher::Refresh(Client* client, const std::shared_ptr<State>& state) {
  std::lock_guard<std::mutex> rl(state->refresh_mu);
  if (state->stopped) return proto::OK;
  Watcher watcher = nullptr;
  if (!state->armed) {
    watcher = [client, state](const proto::WatchEvent&) {
      {
        std::lock_guard<std::mutex> l(state->refresh_mu);
        state->armed = false;
      }
      (void)Refresh(client, state);
    };
  }
  std::vector<std::string> now;
  auto kids = client->GetChildren(state->dir, watcher);
  if (kids.code() == proto::NONODE) {
    // No directory yet: create it (an empty group) so a child watch can be left.
    proto::ErrorCode c = EnsurePath(client, state->dir);
    if (c != proto::OK) return c;
    kids = client->GetChildren(state->dir, watcher);
  }
  if (!kids.ok()) return kids.code();
  now.assign(kids->children().begin(), kids->children().end());
  std::sort(now.begin(), now.end());
  state->armed = state->armed || watcher != nullptr;
  {
    std::lock_guard<std::mutex> l(state->mu);
    if (state->loaded && state->members == now) return proto::OK;
    state->loaded = true;
    state->members = now;
  }
  if (state->listener) state->listener(now);
  return proto::OK;
}

}  // namespace arbor::client::recipes
