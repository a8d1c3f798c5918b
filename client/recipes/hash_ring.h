// A consistent-hash ring with virtual nodes: the pure core of the work
// partitioner (no client, no threads; every process that knows the same
// member set computes the same owner for every item).
//
// Each member is placed at `vnodes` points (hash of "<member>#<i>"); an item
// belongs to the first point clockwise from the item's hash. When a member
// joins it takes over only the arcs its points cover (about 1/n of the
// items); when one leaves only its items move. Hash: 64-bit FNV-1a with a
// splitmix64 finalizer (stable across processes and platforms).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace arbor::client::recipes {

uint64_t StableHash64(const std::string& s);

class HashRing {
 public:
  static constexpr int kMaxVnodes = 4096;

  // vnodes is clamped to [1, kMaxVnodes].
  explicit HashRing(int vnodes = 128);

  void Add(const std::string& member);
  void Remove(const std::string& member);
  // Makes the member set exactly `members`.
  void Set(const std::vector<std::string>& members);

  // The owner of `item`; "" when the ring is empty.
  std::string Owner(const std::string& item) const;
  const std::set<std::string>& members() const { return members_; }
  size_t points() const { return ring_.size(); }

 private:
  int vnodes_;
  std::set<std::string> members_;
  // point -> member; on a (rare) hash collision the smaller member name keeps it.
  std::map<uint64_t, std::string> ring_;
};

}  // namespace arbor::client::recipes
