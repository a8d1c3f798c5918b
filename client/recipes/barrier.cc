#include "client/recipes/barrier.h"

#include <algorithm>
#include <vector>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

namespace {
int64_t DeadlineOf(int64_t timeout_ms) { return timeout_ms < 0 ? -1 : Signal::NowMs() + timeout_ms; }
}  // namespace

proto::ErrorCode Barrier::Set() {
  size_t slash = path_.rfind('/');
  if (slash > 0) {
    proto::ErrorCode c = EnsurePath(client_, path_.substr(0, slash));
    if (c != proto::OK) return c;
  }
  auto r = client_->Create(path_, "");
  return r.code() == proto::NODEEXISTS ? proto::OK : r.code();
}

proto::ErrorCode Barrier::Remove() {
  auto r = client_->Delete(path_);
  return r.code() == proto::NONODE ? proto::OK : r.code();
}

OpResult<bool> Barrier::Wait(int64_t timeout_ms) {
  const int64_t deadline = DeadlineOf(timeout_ms);
  auto signal = std::make_shared<Signal>();
  while (true) {
    auto e = client_->Exists(path_, SignalWatcher(signal));
    if (e.code() == proto::NONODE) return true;
    if (!e.ok()) return e.code();
    if (!signal->WaitUntil(deadline)) return false;
  }
}

OpResult<bool> DoubleBarrier::Enter(int64_t timeout_ms) {
  const int64_t deadline = DeadlineOf(timeout_ms);
  const std::string own = dir_ + "/" + id_;
  const std::string ready = dir_ + "/" + kReadyNode;
  proto::ErrorCode c = EnsurePath(client_, dir_);
  if (c != proto::OK) return c;
  auto created = client_->Create(own, "", proto::EPHEMERAL);
  if (!created.ok() && created.code() != proto::NODEEXISTS) return created.code();
  auto signal = std::make_shared<Signal>();
  while (true) {
    // Watch `ready` before counting, so its creation cannot be missed.
    auto e = client_->Exists(ready, SignalWatcher(signal));
    if (e.ok()) return true;
    if (e.code() != proto::NONODE) return e.code();
    auto kids = client_->GetChildren(dir_);
    if (!kids.ok()) return kids.code();
    if (kids->children_size() >= count_) {
      auto r = client_->Create(ready, "");
      if (r.ok() || r.code() == proto::NODEEXISTS) return true;
      return r.code();
    }
    if (!signal->WaitUntil(deadline)) {
      (void)client_->Delete(own);
      return false;
    }
  }
}

OpResult<bool> DoubleBarrier::Leave(int64_t timeout_ms) {
  const int64_t deadline = DeadlineOf(timeout_ms);
  auto signal = std::make_shared<Signal>();
  while (true) {
    auto kids = client_->GetChildren(dir_);
    if (!kids.ok()) return kids.code();
    std::vector<std::string> names;
    for (const std::string& k : kids->children()) {
      if (k != kReadyNode) names.push_back(k);
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) return true;
    if (names.size() == 1 && names[0] == id_) {
      auto d = client_->Delete(dir_ + "/" + id_);
      if (!d.ok() && d.code() != proto::NONODE) return d.code();
      (void)client_->Delete(dir_ + "/" + kReadyNode);  // last one out
      return true;
    }
    const bool present = std::find(names.begin(), names.end(), id_) != names.end();
    std::string wait_on;
    if (present && names.front() == id_) {
      wait_on = names.back();  // the lowest waits for the highest
    } else {
      if (present) {
        auto d = client_->Delete(dir_ + "/" + id_);
        if (!d.ok() && d.code() != proto::NONODE) return d.code();
      }
      wait_on = names.front();  // everyone else waits for the lowest
    }
    auto e = client_->Exists(dir_ + "/" + wait_on, SignalWatcher(signal));
    if (e.code() == proto::NONODE) continue;
    if (!e.ok()) return e.code();
    if (!signal->WaitUntil(deadline)) return false;
  }
}

}  // namespace arbor::client::recipes
