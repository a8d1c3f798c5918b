#include "client/recipes/lock.h"

#include <algorithm>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

namespace {
const char* PrefixOf(LockRole role) {
  switch (role) {
    case LockRole::kRead: return "read-";
    case LockRole::kWrite: return "write-";
    case LockRole::kExclusive: break;
  }
  return "lock-";
}
bool IsLockNode(const std::string& name) { return SequenceOf(name) >= 0; }
bool IsWriter(const std::string& name) { return name.find("read-") == std::string::npos; }
}  // namespace

// Shared with watchers, which may outlive the lock object.
struct InterProcessLock::State {
  std::mutex mu;
  std::string node;  // our node while held
  std::function<void()> revoke_listener;
};

InterProcessLock::InterProcessLock(Client* client, std::string dir, LockRole role)
    : client_(client), dir_(std::move(dir)), role_(role), state_(std::make_shared<State>()) {}

InterProcessLock::~InterProcessLock() {
  if (held()) (void)Release();
}

bool InterProcessLock::held() const {
  std::lock_guard<std::mutex> l(state_->mu);
  SessionState s = client_->state();
  return !state_->node.empty() && s != SessionState::kExpired && s != SessionState::kClosed;
}

std::string InterProcessLock::node_path() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->node;
}

void InterProcessLock::SetRevocationListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->revoke_listener = std::move(listener);
}

OpResult<std::string> InterProcessLock::Blocker(const std::vector<std::string>& names, const std::string& own) const {
  auto it = std::find(names.begin(), names.end(), own);
  if (it == names.end()) return proto::NONODE;
  if (role_ != LockRole::kRead) return it == names.begin() ? std::string() : *(it - 1);
  // A reader waits for the last writer before it: later readers never block it.
  for (auto w = it; w != names.begin();) {
    --w;
    if (IsWriter(*w)) return *w;
  }
  return std::string();
}

OpResult<bool> InterProcessLock::WaitForTurn(const std::string& own, int64_t deadline_ms) {
  auto signal = std::make_shared<Signal>();
  const std::string own_name = own.substr(dir_.size() + 1);
  while (true) {
    auto kids = client_->GetChildren(dir_);
    if (!kids.ok()) return kids.code();
    std::vector<std::string> names;
    for (const std::string& k : kids->children()) {
      if (IsLockNode(k)) names.push_back(k);
    }
    SortBySequence(&names);
    auto blocker = Blocker(names, own_name);
    if (!blocker.ok()) return blocker.code();
    if (blocker.value().empty()) return true;
    // Watch only the blocker; if it is already gone, look again at once.
    auto e = client_->Exists(dir_ + "/" + blocker.value(), SignalWatcher(signal));
    if (e.code() == proto::NONODE) continue;
    if (!e.ok()) return e.code();
    if (!signal->WaitUntil(deadline_ms)) return false;
  }
}

void InterProcessLock::DeleteNode(const std::string& path) {
  // Retry transient failures a few times; the node is ephemeral anyway.
  for (int i = 0; i < 5; ++i) {
    auto d = client_->Delete(path);
    if (d.ok() || d.code() == proto::NONODE || !IsTransient(d.code())) return;
    (void)client_->WaitConnected(1000);
  }
}

OpResult<bool> InterProcessLock::Acquire(int64_t timeout_ms) {
  if (!node_path().empty()) return proto::APIERROR;
  const int64_t deadline_ms = timeout_ms < 0 ? -1 : Signal::NowMs() + timeout_ms;
  auto created = CreateProtectedSequential(client_, dir_, PrefixOf(role_), "", proto::EPHEMERAL_SEQUENTIAL,
                                           timeout_ms < 0 ? 10000 : std::max<int64_t>(timeout_ms, 1));
  if (!created.ok()) return created.code();
  const std::string own = created.value();
  OpResult<bool> r = WaitForTurn(own, deadline_ms);
  // A transient error while waiting: retry until the deadline (our node
  // survives connection loss; only expiry removes it).
  while (!r.ok() && IsTransient(r.code()) && (deadline_ms < 0 || Signal::NowMs() < deadline_ms)) {
    (void)client_->WaitConnected(deadline_ms < 0 ? 1000 : std::max<int64_t>(1, deadline_ms - Signal::NowMs()));
    r = WaitForTurn(own, deadline_ms);
  }
  if (!r.ok() || !r.value()) {
    DeleteNode(own);
    return r;
  }
  {
    std::lock_guard<std::mutex> l(state_->mu);
    state_->node = own;
  }
  WatchRevocation(client_, state_, own);
  return true;
}

OpResult<Done> InterProcessLock::Release() {
  std::string node;
  {
    std::lock_guard<std::mutex> l(state_->mu);
    node.swap(state_->node);
  }
  if (node.empty()) return proto::APIERROR;
  auto d = client_->Delete(node);
  if (d.code() == proto::NONODE) return Done{};
  if (!d.ok() && IsTransient(d.code())) {
    DeleteNode(node);
    return Done{};
  }
  return d;
}

void InterProcessLock::WatchRevocation(Client* client, std::shared_ptr<State> state, const std::string& node) {
  Watcher again = [client, state, node](const proto::WatchEvent& ev) {
    if (ev.type() == proto::NODE_DATA_CHANGED) WatchRevocation(client, state, node);
  };
  client->GetDataAsync(node, again, [state, node](OpResult<proto::GetDataResponse> r) {
    if (!r.ok() || r->data() != InterProcessLock::kRevokeFlag) return;
    std::function<void()> listener;
    {
      std::lock_guard<std::mutex> l(state->mu);
      if (state->node != node) return;  // released meanwhile
      listener = state->revoke_listener;
    }
    if (listener) listener();
  });
}

OpResult<Done> InterProcessLock::RequestRevoke(Client* client, const std::string& node_path) {
  auto r = client->SetData(node_path, kRevokeFlag);
  if (!r.ok()) return r.code();
  return Done{};
}

OpResult<std::vector<std::string>> InterProcessLock::Participants(Client* client, const std::string& dir) {
  auto kids = client->GetChildren(dir);
  if (!kids.ok()) return kids.code();
  std::vector<std::string> names;
  for (const std::string& k : kids->children()) {
    if (IsLockNode(k)) names.push_back(k);
  }
  SortBySequence(&names);
  for (auto& n : names) n = dir + "/" + n;
  return names;
}

}  // namespace arbor::client::recipes
