// AclTable: interned ACL lists, as ZooKeeper's ReferenceCountedACLCache.
//
// Most trees use a handful of distinct ACLs, so each znode stores a 32-bit
// handle instead of its own list. Handles are reference counted; a handle's
// number is local (depends on history) and never leaves the process: the
// snapshot renumbers lists in tree order.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::tree {

using AclList = std::vector<proto::Acl>;

class AclTable {
 public:
  // Returns the handle for `acl` with one more reference.
  uint32_t Intern(const AclList& acl);
  void Ref(uint32_t id);
  void Unref(uint32_t id);
  const AclList& Get(uint32_t id) const { return entries_[id].acl; }
  // Live handles ordered by content: a numbering that depends only on which
  // lists exist, never on history (the snapshot uses it).
  std::vector<uint32_t> LiveIdsByContent() const;
  // Distinct live lists.
  size_t size() const { return by_key_.size(); }

 private:
  struct Entry {
    AclList acl;
    std::string key;
    uint64_t refs = 0;
  };
  static std::string KeyOf(const AclList& acl);

  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  std::unordered_map<std::string, uint32_t> by_key_;
};

}  // namespace arbor::tree
