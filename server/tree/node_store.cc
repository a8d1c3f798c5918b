#include "server/tree/node_store.h"

#include "server/tree/check.h"
#include <functional>

namespace arbor::tree {
namespace {

std::unique_ptr<char[]> MakeBlob(std::string_view name, std::string_view data) {
  size_t n = name.size() + data.size();
  if (n == 0) return nullptr;
  std::unique_ptr<char[]> blob(new char[n]);
  if (!name.empty()) std::memcpy(blob.get(), name.data(), name.size());
  if (!data.empty()) std::memcpy(blob.get() + name.size(), data.data(), data.size());
  return blob;
}

}  // namespace

NodeStore::NodeStore() { Rehash(64); }

void NodeStore::Clear() {
  chunks_.clear();
  next_unused_ = 0;
  free_head_ = kNoNode;
  live_ = 0;
  blob_bytes_ = 0;
  index_.clear();
  Rehash(64);
}

size_t NodeStore::Hash(NodeId parent, std::string_view name) const {
  size_t h = std::hash<std::string_view>()(name);
  h ^= (static_cast<size_t>(parent) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
  return h & (index_.size() - 1);
}

NodeId NodeStore::Find(NodeId parent, std::string_view name) const {
  size_t mask = index_.size() - 1;
  for (size_t i = Hash(parent, name);; i = (i + 1) & mask) {
    NodeId id = index_[i];
    if (id == kNoNode) return kNoNode;
    const Node& n = at(id);
    if (n.parent == parent && n.name() == name) return id;
  }
}

NodeId NodeStore::Allocate() {
  if (free_head_ != kNoNode) {
    NodeId id = free_head_;
    free_head_ = at(id).parent;
    at(id).parent = kNoNode;
    return id;
  }
  ARBOR_TREE_CHECK(next_unused_ != kNoNode && "node id space exhausted");
  NodeId id = next_unused_++;
  if ((id >> kChunkBits) >= chunks_.size()) {
    chunks_.emplace_back(new Node[1u << kChunkBits]);
  }
  return id;
}

// The null-data bit lives in data_len's word: a node costs what it did.
static_assert(sizeof(void*) != 8 || sizeof(Node) == 104, "Node grew");

int32_t ChildCreates(const Node& parent) {
  // Exact while 2 * creates fits an int32 (ZooKeeper's shown cversion wraps
  // there too). "/" starts at -1 with one uncounted child: (-1 + 1) / 2 = 0.
  const int64_t sum = int64_t{parent.st.cversion} + int64_t{parent.num_children};
  return static_cast<int32_t>(sum / 2);
}

NodeId NodeStore::Insert(NodeId parent, std::string_view name, std::string_view data, bool null_data) {
  ARBOR_TREE_CHECK(parent == kNoNode || Find(parent, name) == kNoNode);
  ARBOR_TREE_CHECK(data.size() < (1u << 31) && (!null_data || data.empty()));
  NodeId id = Allocate();
  Node& n = at(id);
  n = Node();
  n.parent = parent;
  n.name_len = static_cast<uint32_t>(name.size());
  n.data_len = static_cast<uint32_t>(data.size());
  n.null_data = null_data;
  n.blob = MakeBlob(name, data);
  blob_bytes_ += name.size() + data.size();
  if (parent != kNoNode) {
    Node& p = at(parent);
    n.next_sibling = p.first_child;
    if (p.first_child != kNoNode) at(p.first_child).prev_sibling = id;
    p.first_child = id;
    ++p.num_children;
    IndexInsert(id);
  }
  ++live_;
  return id;
}

void NodeStore::Remove(NodeId id) {
  Node& n = at(id);
  ARBOR_TREE_CHECK(n.num_children == 0 && n.first_child == kNoNode);
  if (n.parent != kNoNode) {
    IndexErase(id);
    Node& p = at(n.parent);
    if (n.prev_sibling != kNoNode) {
      at(n.prev_sibling).next_sibling = n.next_sibling;
    } else {
      p.first_child = n.next_sibling;
    }
    if (n.next_sibling != kNoNode) at(n.next_sibling).prev_sibling = n.prev_sibling;
    ARBOR_TREE_CHECK(p.num_children > 0);
    --p.num_children;
  }
  blob_bytes_ -= n.name_len + n.data_len;
  n = Node();
  n.parent = free_head_;
  free_head_ = id;
  --live_;
}

void NodeStore::SetData(NodeId id, std::string_view data, bool null_data) {
  ARBOR_TREE_CHECK(data.size() < (1u << 31) && (!null_data || data.empty()));
  Node& n = at(id);
  std::unique_ptr<char[]> blob = MakeBlob(n.name(), data);
  blob_bytes_ += data.size();
  blob_bytes_ -= n.data_len;
  n.blob = std::move(blob);
  n.data_len = static_cast<uint32_t>(data.size());
  n.null_data = null_data;
}

void NodeStore::IndexInsert(NodeId id) {
  if ((index_used_ + 1) * 10 > index_.size() * 7) Rehash(index_.size() * 2);
  const Node& n = at(id);
  size_t mask = index_.size() - 1;
  size_t i = Hash(n.parent, n.name());
  while (index_[i] != kNoNode) i = (i + 1) & mask;
  index_[i] = id;
  ++index_used_;
}

// Backward-shift deletion keeps linear probing free of tombstones.
void NodeStore::IndexErase(NodeId id) {
  size_t mask = index_.size() - 1;
  const Node& n = at(id);
  size_t i = Hash(n.parent, n.name());
  while (index_[i] != id) {
    ARBOR_TREE_CHECK(index_[i] != kNoNode && "erasing an unindexed node");
    i = (i + 1) & mask;
  }
  size_t hole = i;
  for (size_t j = (hole + 1) & mask; index_[j] != kNoNode; j = (j + 1) & mask) {
    const Node& m = at(index_[j]);
    size_t home = Hash(m.parent, m.name());
    // Move index_[j] into the hole if its home is not in (hole, j].
    bool home_in_range = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = kNoNode;
  --index_used_;
}

void NodeStore::Rehash(size_t new_capacity) {
  std::vector<NodeId> old;
  old.swap(index_);
  index_.assign(new_capacity, kNoNode);
  index_used_ = 0;
  size_t mask = new_capacity - 1;
  for (NodeId id : old) {
    if (id == kNoNode) continue;
    const Node& n = at(id);
    size_t i = Hash(n.parent, n.name());
    while (index_[i] != kNoNode) i = (i + 1) & mask;
    index_[i] = id;
    ++index_used_;
  }
}

size_t NodeStore::ApproximateBytes() const {
  // Each blob also pays the allocator's header/rounding (~16 bytes on glibc).
  return chunks_.size() * (sizeof(Node) << kChunkBits) + index_.size() * sizeof(NodeId) +
         blob_bytes_ + live_ * 16;
}

}  // namespace arbor::tree
