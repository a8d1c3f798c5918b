#include "client/recipes/hash_ring.h"

#include <algorithm>

namespace arbor::client::recipes {

uint64_t StableHash64(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // splitmix64 finalizer: FNV alone clusters similar keys ("m#1", "m#2").
  h += 0x9E3779B97F4A7C15ULL;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

HashRing::HashRing(int vnodes) : vnodes_(std::clamp(vnodes, 1, kMaxVnodes)) {}

void HashRing::Add(const std::string& member) {
  if (!members_.insert(member).second) return;
  for (int i = 0; i < vnodes_; ++i) {
    uint64_t point = StableHash64(member + "#" + std::to_string(i));
    auto [it, inserted] = ring_.emplace(point, member);
    if (!inserted && member < it->second) it->second = member;
  }
}

void HashRing::Remove(const std::string& member) {
  if (members_.erase(member) == 0) return;
  for (auto it = ring_.begin(); it != ring_.end();) {
    it = it->second == member ? ring_.erase(it) : std::next(it);
  }
  // Points a removed member had won in a collision go back to the others.
  for (const std::string& m : members_) {
    for (int i = 0; i < vnodes_; ++i) {
      uint64_t point = StableHash64(m + "#" + std::to_string(i));
      auto [it, inserted] = ring_.emplace(point, m);
      if (!inserted && m < it->second) it->second = m;
    }
  }
}

void HashRing::Set(const std::vector<std::string>& members) {
  std::set<std::string> want(members.begin(), members.end());
  std::vector<std::string> gone;
  for (const std::string& m : members_) {
    if (want.count(m) == 0) gone.push_back(m);
  }
  for (const std::string& m : gone) Remove(m);
  for (const std::string& m : want) Add(m);
}

std::string HashRing::Owner(const std::string& item) const {
  if (ring_.empty()) return "";
  auto it = ring_.lower_bound(StableHash64(item));
  if (it == ring_.end()) it = ring_.begin();
  return it->second;
}

}  // namespace arbor::client::recipes
