#include "client/recipes/node_cache.h"

#include <vector>

namespace arbor::client::recipes {

namespace {
bool SameNode(const std::optional<CachedNode>& a, const std::optional<CachedNode>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->stat.mzxid() == b->stat.mzxid() && a->stat.czxid() == b->stat.czxid() && a->data == b->data);
}
}  // namespace

// ---- NodeCache ---------------------------------------------------------------

struct NodeCache::State {
  std::string path;
  Listener listener;
  std::mutex refresh_mu;  // one refresh at a time (caller's thread vs event thread)
  mutable std::mutex mu;
  std::optional<CachedNode> node;
  bool armed = false;  // a watch is outstanding; do not leave another (refresh_mu)
  bool stopped = false;
};

NodeCache::NodeCache(Client* client, SessionEvents* events, std::string path, Listener listener)
    : client_(client), events_(events), state_(std::make_shared<State>()) {
  state_->path = std::move(path);
  state_->listener = std::move(listener);
}

NodeCache::~NodeCache() {
  if (events_ != nullptr && subscription_ != 0) events_->Unsubscribe(subscription_);
  std::lock_guard<std::mutex> l(state_->refresh_mu);
  state_->stopped = true;
}

proto::ErrorCode NodeCache::Start() {
  if (events_ != nullptr) {
    Client* client = client_;
    std::shared_ptr<State> state = state_;
    subscription_ = events_->Subscribe([client, state](SessionState, SessionState to) {
      if (to == SessionState::kReconnected) Refresh(client, state);
    });
  }
  Refresh(client_, state_);
  auto r = client_->Exists(state_->path);
  return r.code() == proto::NONODE ? proto::OK : r.code();
}

std::optional<CachedNode> NodeCache::Current() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->node;
}

void NodeCache::Refresh(Client* client, const std::shared_ptr<State>& state) {
  std::lock_guard<std::mutex> rl(state->refresh_mu);
  if (state->stopped) return;
  Watcher watcher = nullptr;
  if (!state->armed) {
    watcher = [client, state](const proto::WatchEvent&) {
      {
        std::lock_guard<std::mutex> l(state->refresh_mu);
        state->armed = false;
      }
      Refresh(client, state);
    };
  }
  std::optional<CachedNode> now;
  auto d = client->GetData(state->path, watcher);
  if (d.ok()) {
    now = CachedNode{d->data(), d->stat()};
  } else if (d.code() == proto::NONODE) {
    // Watch for creation; if it appeared in between, read again.
    auto e = client->Exists(state->path, watcher);
    if (e.ok()) {
      auto again = client->GetData(state->path);
      if (again.ok()) now = CachedNode{again->data(), again->stat()};
    } else if (e.code() != proto::NONODE) {
      return;  // session trouble: keep the old value, RECONNECTED refreshes
    }
  } else {
    return;
  }
  state->armed = watcher != nullptr || state->armed;
  {
    std::lock_guard<std::mutex> l(state->mu);
    if (SameNode(state->node, now)) return;
    state->node = now;
  }
  if (state->listener) state->listener(now ? &*now : nullptr);
}

// ---- TreeCache ---------------------------------------------------------------

struct TreeCache::State {
  std::string root;
  Listener listener;
  size_t max_nodes = 0;
  std::mutex update_mu;  // serializes loads and event handling
  mutable std::mutex mu;
  std::map<std::string, CachedNode> nodes;
  bool stopped = false;
};

TreeCache::TreeCache(Client* client, SessionEvents* events, std::string root, Listener listener)
    : client_(client), events_(events), state_(std::make_shared<State>()) {
  state_->root = std::move(root);
  state_->listener = std::move(listener);
}

TreeCache::~TreeCache() {
  if (events_ != nullptr && subscription_ != 0) events_->Unsubscribe(subscription_);
  {
    std::lock_guard<std::mutex> l(state_->update_mu);
    state_->stopped = true;
  }
  (void)client_->RemoveWatches(state_->root, proto::WATCHER_PERSISTENT_RECURSIVE, /*local=*/true);
}

proto::ErrorCode TreeCache::Start(size_t max_nodes) {
  state_->max_nodes = max_nodes;
  Client* client = client_;
  std::shared_ptr<State> state = state_;
  if (events_ != nullptr) {
    subscription_ = events_->Subscribe([client, state](SessionState, SessionState to) {
      if (to == SessionState::kReconnected) (void)LoadAll(client, state);
    });
  }
  auto w = client_->AddWatch(state_->root, proto::ADD_WATCH_PERSISTENT_RECURSIVE,
                             [client, state](const proto::WatchEvent& ev) { OnEvent(client, state, ev); });
  if (!w.ok()) return w.code();
  return LoadAll(client_, state_);
}

std::optional<CachedNode> TreeCache::Get(const std::string& path) const {
  std::lock_guard<std::mutex> l(state_->mu);
  auto it = state_->nodes.find(path);
  if (it == state_->nodes.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, CachedNode> TreeCache::Snapshot() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->nodes;
}

namespace {
std::string Join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }
bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         (dir == "/" || path[dir.size()] == '/'));
}
}  // namespace

proto::ErrorCode TreeCache::LoadAll(Client* client, const std::shared_ptr<State>& state) {
  std::lock_guard<std::mutex> ul(state->update_mu);
  if (state->stopped) return proto::OK;
  std::map<std::string, CachedNode> fresh;
  std::vector<std::string> todo{state->root};
  while (!todo.empty()) {
    std::string path = todo.back();
    todo.pop_back();
    auto d = client->GetData(path);
    if (d.code() == proto::NONODE) continue;
    if (!d.ok()) return d.code();
    auto kids = client->GetChildren(path);
    if (!kids.ok() && kids.code() != proto::NONODE) return kids.code();
    fresh[path] = CachedNode{d->data(), d->stat()};
    if (fresh.size() > state->max_nodes) return proto::BADARGUMENTS;
    for (const std::string& k : kids->children()) todo.push_back(Join(path, k));
  }
  std::map<std::string, CachedNode> old;
  {
    std::lock_guard<std::mutex> l(state->mu);
    old.swap(state->nodes);
    state->nodes = fresh;
  }
  if (!state->listener) return proto::OK;
  for (auto& [path, node] : old) {
    if (fresh.count(path) == 0) state->listener(Change::kRemoved, path, nullptr);
  }
  for (auto& [path, node] : fresh) {
    auto it = old.find(path);
    if (it == old.end()) {
      state->listener(Change::kAdded, path, &node);
    } else if (!SameNode(it->second, node)) {
      state->listener(Change::kUpdated, path, &node);
    }
  }
  return proto::OK;
}

void TreeCache::OnEvent(Client* client, const std::shared_ptr<State>& state, const proto::WatchEvent& ev) {
  std::lock_guard<std::mutex> ul(state->update_mu);
  if (state->stopped || !IsUnder(ev.path(), state->root)) return;
  std::vector<std::pair<Change, std::string>> changes;
  std::optional<CachedNode> now;
  if (ev.type() != proto::NODE_DELETED) {
    auto d = client->GetData(ev.path());
    if (d.ok()) now = CachedNode{d->data(), d->stat()};
    else if (d.code() != proto::NONODE) return;  // session trouble: RECONNECTED reloads
  }
  {
    std::lock_guard<std::mutex> l(state->mu);
    auto it = state->nodes.find(ev.path());
    if (now) {
      if (it == state->nodes.end()) {
        changes.emplace_back(Change::kAdded, ev.path());
      } else if (!SameNode(it->second, now)) {
        changes.emplace_back(Change::kUpdated, ev.path());
      }
      state->nodes[ev.path()] = *now;
    } else {
      // Deleted: the node and (defensively) anything cached below it.
      for (auto k = state->nodes.begin(); k != state->nodes.end();) {
        if (IsUnder(k->first, ev.path())) {
          changes.emplace_back(Change::kRemoved, k->first);
          k = state->nodes.erase(k);
        } else {
          ++k;
        }
      }
    }
  }
  if (!state->listener) return;
  for (auto& [change, path] : changes) state->listener(change, path, change == Change::kRemoved ? nullptr : &*now);
}

}  // namespace arbor::client::recipes
