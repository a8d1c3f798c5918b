#include "client/recipes/queue.h"

#include <vector>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

OpResult<std::string> DistributedQueue::Offer(const std::string& data) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = client_->Create(dir_ + "/qn-", data, proto::PERSISTENT_SEQUENTIAL);
    if (r.ok()) return r->path();
    if (r.code() != proto::NONODE) return r.code();
    proto::ErrorCode c = EnsurePath(client_, dir_);
    if (c != proto::OK) return c;
  }
  return proto::NONODE;
}

OpResult<std::optional<std::string>> DistributedQueue::TryTake(Watcher watcher, bool remove) {
  auto kids = client_->GetChildren(dir_, watcher);
  if (kids.code() == proto::NONODE) return std::optional<std::string>();
  if (!kids.ok()) return kids.code();
  std::vector<std::string> names;
  for (const std::string& k : kids->children()) {
    if (SequenceOf(k) >= 0) names.push_back(k);
  }
  SortBySequence(&names);
  for (const std::string& name : names) {
    const std::string path = dir_ + "/" + name;
    auto d = client_->GetData(path);
    if (d.code() == proto::NONODE) continue;  // taken by someone else
    if (!d.ok()) return d.code();
    if (!remove) return std::optional<std::string>(d->data());
    auto del = client_->Delete(path);
    if (del.ok()) return std::optional<std::string>(d->data());
    if (del.code() != proto::NONODE) return del.code();
  }
  return std::optional<std::string>();
}

OpResult<std::optional<std::string>> DistributedQueue::Poll() { return TryTake(nullptr, true); }
OpResult<std::optional<std::string>> DistributedQueue::Peek() { return TryTake(nullptr, false); }

OpResult<std::optional<std::string>> DistributedQueue::Take(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? -1 : Signal::NowMs() + timeout_ms;
  auto signal = std::make_shared<Signal>();
  while (true) {
    auto r = TryTake(nullptr, true);
    if (!r.ok() || r.value().has_value()) return r;
    // Empty: arm one child watch with a fresh listing (an item may have come
    // between the two reads), then wait for it.
    auto again = TryTake(SignalWatcher(signal), true);
    if (again.code() == proto::OK && !again.value().has_value() &&
        client_->Exists(dir_).code() == proto::NONODE) {
      (void)EnsurePath(client_, dir_);  // no dir: no child watch; create it and look again
      continue;
    }
    if (!again.ok() || again.value().has_value()) return again;
    if (!signal->WaitUntil(deadline)) return std::optional<std::string>();
  }
}

OpResult<size_t> DistributedQueue::Size() {
  auto kids = client_->GetChildren(dir_);
  if (kids.code() == proto::NONODE) return size_t{0};
  if (!kids.ok()) return kids.code();
  size_t n = 0;
  for (const std::string& k : kids->children()) n += SequenceOf(k) >= 0 ? 1 : 0;
  return n;
}

}  // namespace arbor::client::recipes
