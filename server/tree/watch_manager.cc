#include "server/tree/watch_manager.h"

#include <algorithm>
#include "server/tree/check.h"

#include "common/path.h"

namespace arbor::tree {

bool WatchManager::Full(std::string_view path, int64_t session) const {
  if (max_paths_per_session_ == 0) return false;
  auto s = by_session_.find(session);
  if (s == by_session_.end() || s->second.size() < max_paths_per_session_) return false;
  return s->second.count(path) == 0;  // a path it already watches adds nothing
}

void WatchManager::Add(std::string_view path, int64_t session, uint8_t kind) {
  if (Full(path, session)) {
    ++refused_total_;
    return;
  }
  auto [it, inserted] = by_path_.try_emplace(std::string(path));
  Watchers& ws = it->second;
  auto w = std::find_if(ws.begin(), ws.end(), [session](const Watcher& x) { return x.session == session; });
  if (w == ws.end()) {
    ws.push_back({session, 0});
    w = ws.end() - 1;
    by_session_[session].insert(it->first);
  }
  if ((kind & kRecursive) && !(w->kinds & kRecursive)) ++recursive_count_;
  w->kinds |= kind;
}

void WatchManager::Clear(std::unordered_map<std::string, Watchers>::iterator it, size_t index,
                         uint8_t kinds) {
  Watchers& ws = it->second;
  Watcher& w = ws[index];
  if ((kinds & kRecursive) && (w.kinds & kRecursive)) --recursive_count_;
  w.kinds &= static_cast<uint8_t>(~kinds);
  if (w.kinds != 0) return;
  auto s = by_session_.find(w.session);
  ARBOR_TREE_CHECK(s != by_session_.end());
  s->second.erase(it->first);
  if (s->second.empty()) by_session_.erase(s);
  ws[index] = ws.back();
  ws.pop_back();
  if (ws.empty()) by_path_.erase(it);
}

void WatchManager::Fire(const std::vector<WatchTrigger>& triggers, std::vector<SessionEvent>* out) {
  std::vector<int64_t> sessions;
  for (const WatchTrigger& t : triggers) {
    sessions.clear();
    uint8_t fire = 0, consume = 0;
    switch (t.type) {
      case proto::NODE_CREATED:
      case proto::NODE_DATA_CHANGED:
        fire = kData | kPersistent | kRecursive, consume = kData;
        break;
      case proto::NODE_DELETED:
        fire = kData | kChild | kPersistent | kRecursive, consume = kData | kChild;
        break;
      case proto::NODE_CHILDREN_CHANGED:
        fire = kChild | kPersistent, consume = kChild;
        break;
      default:
        continue;
    }
    auto it = by_path_.find(t.path);
    if (it != by_path_.end()) {
      // Walk backwards so Clear's swap-with-last never skips an entry.
      for (size_t i = it->second.size(); i-- > 0;) {
        const Watcher& w = it->second[i];
        if ((w.kinds & fire) == 0) continue;
        sessions.push_back(w.session);
        if (w.kinds & consume) {
          bool last = it->second.size() == 1 && (w.kinds & ~consume) == 0;
          Clear(it, i, consume);
          if (last) break;  // `it` is gone
        }
      }
    }
    if (recursive_count_ > 0 && t.type != proto::NODE_CHILDREN_CHANGED) {
      for (std::string_view p = ParentPath(t.path); !p.empty(); p = ParentPath(p)) {
        auto a = by_path_.find(std::string(p));
        if (a == by_path_.end()) continue;
        for (const Watcher& w : a->second) {
          if (w.kinds & kRecursive) sessions.push_back(w.session);
        }
      }
    }
    std::sort(sessions.begin(), sessions.end());
    sessions.erase(std::unique(sessions.begin(), sessions.end()), sessions.end());
    for (int64_t s : sessions) {
      SessionEvent e;
      e.session_id = s;
      e.event.set_type(t.type);
      e.event.set_state(proto::SYNC_CONNECTED);
      e.event.set_path(t.path);
      e.event.set_zxid(t.zxid);
      out->push_back(std::move(e));
    }
  }
}

uint8_t WatchManager::MaskOf(proto::WatcherType type) {
  switch (type) {
    case proto::WATCHER_CHILDREN: return kChild;
    case proto::WATCHER_DATA: return kData;
    case proto::WATCHER_ANY: return kData | kChild | kPersistent | kRecursive;
    case proto::WATCHER_PERSISTENT: return kPersistent;
    case proto::WATCHER_PERSISTENT_RECURSIVE: return kRecursive;
    default: return 0;
  }
}

proto::ErrorCode WatchManager::Remove(std::string_view path, int64_t session, proto::WatcherType type) {
  uint8_t mask = MaskOf(type);
  if (mask == 0) return proto::BADARGUMENTS;
  auto it = by_path_.find(std::string(path));
  if (it == by_path_.end()) return proto::NOWATCHER;
  for (size_t i = 0; i < it->second.size(); ++i) {
    if (it->second[i].session != session) continue;
    if ((it->second[i].kinds & mask) == 0) return proto::NOWATCHER;
    Clear(it, i, mask);
    return proto::OK;
  }
  return proto::NOWATCHER;
}

proto::ErrorCode WatchManager::Check(std::string_view path, int64_t session, proto::WatcherType type) const {
  uint8_t mask = MaskOf(type);
  if (mask == 0) return proto::BADARGUMENTS;
  return (KindsOf(path, session) & mask) != 0 ? proto::OK : proto::NOWATCHER;
}

uint8_t WatchManager::KindsOf(std::string_view path, int64_t session) const {
  auto it = by_path_.find(std::string(path));
  if (it == by_path_.end()) return 0;
  for (const Watcher& w : it->second) {
    if (w.session == session) return w.kinds;
  }
  return 0;
}

void WatchManager::RemoveSession(int64_t session) {
  auto s = by_session_.find(session);
  if (s == by_session_.end()) return;
  std::vector<std::string> paths(s->second.begin(), s->second.end());
  for (const std::string& path : paths) {
    auto it = by_path_.find(path);
    ARBOR_TREE_CHECK(it != by_path_.end());
    for (size_t i = 0; i < it->second.size(); ++i) {
      if (it->second[i].session == session) {
        Clear(it, i, 0xFF);
        break;
      }
    }
  }
  ARBOR_TREE_CHECK(by_session_.count(session) == 0);
}

}  // namespace arbor::tree
