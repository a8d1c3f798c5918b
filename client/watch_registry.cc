#include "client/watch_registry.h"

namespace arbor::client {

bool WatchRegistry::Add(WatchKind kind, const std::string& path, Watcher watcher) {
  if (count_ >= max_watches_) return false;
  table(kind)[path].push_back(std::move(watcher));
  ++count_;
  return true;
}

void WatchRegistry::TakeAll(WatchKind k, const std::string& path, std::vector<Watcher>* out) {
  Table& t = table(k);
  auto it = t.find(path);
  if (it == t.end()) return;
  count_ -= it->second.size();
  for (Watcher& w : it->second) out->push_back(std::move(w));
  t.erase(it);
}

void WatchRegistry::CopyAll(WatchKind k, const std::string& path, std::vector<Watcher>* out) const {
  const Table& t = table(k);
  auto it = t.find(path);
  if (it == t.end()) return;
  out->insert(out->end(), it->second.begin(), it->second.end());
}

std::vector<Watcher> WatchRegistry::Trigger(const proto::WatchEvent& event) {
  std::vector<Watcher> out;
  const std::string& path = event.path();
  switch (event.type()) {
    case proto::NODE_CREATED:
    case proto::NODE_DATA_CHANGED:
      TakeAll(WatchKind::kData, path, &out);
      TakeAll(WatchKind::kExist, path, &out);
      break;
    case proto::NODE_DELETED:
      TakeAll(WatchKind::kData, path, &out);
      TakeAll(WatchKind::kExist, path, &out);
      TakeAll(WatchKind::kChild, path, &out);
      break;
    case proto::NODE_CHILDREN_CHANGED:
      TakeAll(WatchKind::kChild, path, &out);
      break;
    default:
      return out;  // EVENT_NONE and *_REMOVED are produced locally, not by servers
  }
  CopyAll(WatchKind::kPersistent, path, &out);
  if (event.type() != proto::NODE_CHILDREN_CHANGED) {
    // The node itself and every ancestor up to "/".
    std::string p = path;
    while (true) {
      CopyAll(WatchKind::kPersistentRecursive, p, &out);
      if (p == "/" || p.empty()) break;
      size_t slash = p.rfind('/');
      p = slash == 0 ? "/" : p.substr(0, slash);
    }
  }
  return out;
}

size_t WatchRegistry::RemoveInto(WatchKind k, const std::string& path, proto::EventType type,
                                 std::vector<std::pair<Watcher, proto::WatchEvent>>* out) {
  std::vector<Watcher> taken;
  TakeAll(k, path, &taken);
  for (Watcher& w : taken) {
    proto::WatchEvent e;
    e.set_type(type);
    e.set_state(proto::SYNC_CONNECTED);
    e.set_path(path);
    out->emplace_back(std::move(w), std::move(e));
  }
  return taken.size();
}

std::vector<std::pair<Watcher, proto::WatchEvent>> WatchRegistry::Remove(const std::string& path,
                                                                         proto::WatcherType type) {
  std::vector<std::pair<Watcher, proto::WatchEvent>> out;
  bool any = type == proto::WATCHER_ANY;
  if (any || type == proto::WATCHER_DATA) {
    RemoveInto(WatchKind::kData, path, proto::DATA_WATCH_REMOVED, &out);
    RemoveInto(WatchKind::kExist, path, proto::DATA_WATCH_REMOVED, &out);
  }
  if (any || type == proto::WATCHER_CHILDREN) {
    RemoveInto(WatchKind::kChild, path, proto::CHILD_WATCH_REMOVED, &out);
  }
  if (any || type == proto::WATCHER_PERSISTENT) {
    RemoveInto(WatchKind::kPersistent, path, proto::PERSISTENT_WATCH_REMOVED, &out);
  }
  if (any || type == proto::WATCHER_PERSISTENT_RECURSIVE) {
    RemoveInto(WatchKind::kPersistentRecursive, path, proto::PERSISTENT_WATCH_REMOVED, &out);
  }
  return out;
}

bool WatchRegistry::Has(const std::string& path, proto::WatcherType type) const {
  auto has = [&](WatchKind k) { return table(k).count(path) > 0; };
  switch (type) {
    case proto::WATCHER_DATA: return has(WatchKind::kData) || has(WatchKind::kExist);
    case proto::WATCHER_CHILDREN: return has(WatchKind::kChild);
    case proto::WATCHER_PERSISTENT: return has(WatchKind::kPersistent);
    case proto::WATCHER_PERSISTENT_RECURSIVE: return has(WatchKind::kPersistentRecursive);
    case proto::WATCHER_ANY:
      return has(WatchKind::kData) || has(WatchKind::kExist) || has(WatchKind::kChild) ||
             has(WatchKind::kPersistent) || has(WatchKind::kPersistentRecursive);
    default: return false;
  }
}

std::vector<proto::SetWatchesRequest> WatchRegistry::ToSetWatches(int64_t relative_zxid, const Chroot& chroot,
                                                                  size_t max_bytes) const {
  std::vector<proto::SetWatchesRequest> out;
  size_t bytes = 0;
  auto current = [&]() -> proto::SetWatchesRequest& {
    if (out.empty() || bytes >= max_bytes) {
      out.emplace_back();
      out.back().set_relative_zxid(relative_zxid);
      bytes = 0;
    }
    return out.back();
  };
  for (int k = 0; k < 5; ++k) {
    for (const auto& [path, watchers] : tables_[k]) {
      if (watchers.empty()) continue;
      std::string server_path = chroot.ToServer(path);
      proto::SetWatchesRequest& r = current();
      bytes += server_path.size() + 8;
      switch (static_cast<WatchKind>(k)) {
        case WatchKind::kData: r.add_data_watches(server_path); break;
        case WatchKind::kExist: r.add_exist_watches(server_path); break;
        case WatchKind::kChild: r.add_child_watches(server_path); break;
        case WatchKind::kPersistent: r.add_persistent_watches(server_path); break;
        case WatchKind::kPersistentRecursive: r.add_persistent_recursive_watches(server_path); break;
      }
    }
  }
  return out;
}

void WatchRegistry::Clear() {
  for (Table& t : tables_) t.clear();
  count_ = 0;
}

}  // namespace arbor::client
