#include "server/tree/acl_table.h"

#include <algorithm>
#include "server/tree/check.h"

namespace arbor::tree {

std::string AclTable::KeyOf(const AclList& acl) {
  std::string key;
  for (const proto::Acl& a : acl) {
    key += std::to_string(a.perms());
    key.push_back('\0');
    key += std::to_string(a.id().scheme().size());
    key.push_back(':');
    key += a.id().scheme();
    key += std::to_string(a.id().id().size());
    key.push_back(':');
    key += a.id().id();
  }
  return key;
}

uint32_t AclTable::Intern(const AclList& acl) {
  std::string key = KeyOf(acl);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    ++entries_[it->second].refs;
    return it->second;
  }
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[id];
  e.acl = acl;
  e.key = key;
  e.refs = 1;
  by_key_.emplace(std::move(key), id);
  return id;
}

std::vector<uint32_t> AclTable::LiveIdsByContent() const {
  std::vector<uint32_t> ids;
  ids.reserve(by_key_.size());
  for (const auto& [key, id] : by_key_) ids.push_back(id);
  std::sort(ids.begin(), ids.end(),
            [this](uint32_t a, uint32_t b) { return entries_[a].key < entries_[b].key; });
  return ids;
}

void AclTable::Ref(uint32_t id) {
  ARBOR_TREE_CHECK(id < entries_.size() && entries_[id].refs > 0);
  ++entries_[id].refs;
}

void AclTable::Unref(uint32_t id) {
  Entry& e = entries_[id];
  ARBOR_TREE_CHECK(e.refs > 0);
  if (--e.refs > 0) return;
  by_key_.erase(e.key);
  e.acl.clear();
  e.key.clear();
  free_.push_back(id);
}

}  // namespace arbor::tree
