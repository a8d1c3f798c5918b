#include "client/recipes/recipe_util.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace arbor::client::recipes {

proto::ErrorCode EnsurePath(Client* client, const std::string& path) {
  if (path.empty() || path == "/") return proto::OK;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (client->Exists(prefix).ok()) continue;
    auto r = client->Create(prefix, "", proto::PERSISTENT);
    if (!r.ok() && r.code() != proto::NODEEXISTS) return r.code();
  }
  return proto::OK;
}

proto::ErrorCode DeleteRecursive(Client* client, const std::string& path) {
  for (int round = 0; round < 1000; ++round) {
    auto kids = client->GetChildren(path);
    if (kids.code() == proto::NONODE) return proto::OK;
    if (!kids.ok()) return kids.code();
    for (const std::string& k : kids->children()) {
      proto::ErrorCode c = DeleteRecursive(client, path == "/" ? "/" + k : path + "/" + k);
      if (c != proto::OK) return c;
    }
    if (path == "/") return proto::OK;
    auto d = client->Delete(path);
    if (d.ok() || d.code() == proto::NONODE) return proto::OK;
    if (d.code() != proto::NOTEMPTY) return d.code();
  }
  return proto::NOTEMPTY;
}

int64_t SequenceOf(const std::string& name) {
  constexpr size_t kDigits = 10;
  if (name.size() < kDigits) return -1;
  int64_t v = 0;
  for (size_t i = name.size() - kDigits; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

void SortBySequence(std::vector<std::string>* names) {
  std::sort(names->begin(), names->end(), [](const std::string& a, const std::string& b) {
    int64_t sa = SequenceOf(a), sb = SequenceOf(b);
    if (sa < 0 || sb < 0) return sa < 0 && sb < 0 ? a < b : sb < 0;
    return sa != sb ? sa < sb : a < b;
  });
}

std::string NewGuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          static_cast<uint64_t>(Signal::NowMs()) * 0x9E3779B97F4A7C15ULL);
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::string ProtectedPrefix(const std::string& guid, const std::string& prefix) {
  return "_c_" + guid + "-" + prefix;
}

namespace {
// The child of `dir` whose name starts with `prefix`, or "" (NONODE-free).
OpResult<std::string> FindByPrefix(Client* client, const std::string& dir, const std::string& prefix) {
  auto kids = client->GetChildren(dir);
  if (!kids.ok()) return kids.code();
  for (const std::string& k : kids->children()) {
    if (k.compare(0, prefix.size(), prefix) == 0) return dir + "/" + k;
  }
  return std::string();
}
}  // namespace

OpResult<std::string> CreateProtectedSequential(Client* client, const std::string& dir, const std::string& prefix,
                                                const std::string& data, proto::CreateMode mode,
                                                int64_t timeout_ms, const std::string& guid) {
  const std::string name = ProtectedPrefix(guid.empty() ? NewGuid() : guid, prefix);
  bool maybe_created = !guid.empty();
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (!client->WaitConnected(timeout_ms)) return proto::CONNECTIONLOSS;
    if (maybe_created) {
      // The previous create may have been applied: look for our GUID first.
      auto found = FindByPrefix(client, dir, name);
      if (!found.ok()) {
        if (IsTransient(found.code())) continue;
        return found.code();
      }
      if (!found.value().empty()) return found;
    }
    auto r = client->Create(dir + "/" + name, data, mode);
    if (r.ok()) return r->path();
    if (r.code() == proto::NONODE) {
      proto::ErrorCode c = EnsurePath(client, dir);
      if (c != proto::OK && !IsTransient(c)) return c;
      continue;
    }
    if (!IsTransient(r.code())) return r.code();
    maybe_created = true;
  }
  return proto::CONNECTIONLOSS;
}

void Signal::Notify() {
  std::lock_guard<std::mutex> l(mu_);
  notified_ = true;
  cv_.notify_all();
}

bool Signal::WaitUntil(int64_t deadline_ms) {
  std::unique_lock<std::mutex> l(mu_);
  while (!notified_) {
    if (deadline_ms < 0) {
      cv_.wait(l);
      continue;
    }
    int64_t left = deadline_ms - NowMs();
    if (left <= 0) return false;
    cv_.wait_for(l, std::chrono::milliseconds(left));
  }
  notified_ = false;
  return true;
}

int64_t Signal::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Watcher SignalWatcher(const std::shared_ptr<Signal>& signal) {
  return [signal](const proto::WatchEvent&) { signal->Notify(); };
}

}  // namespace arbor::client::recipes
