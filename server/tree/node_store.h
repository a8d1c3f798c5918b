// NodeStore: the memory layout of the znode tree.
//
// Nodes live in fixed-size chunks addressed by a 32-bit NodeId (no per-node
// allocation for the struct itself, and growing never moves a node). A node's
// name and data share one heap block. Children are an intrusive doubly linked
// sibling list; lookups by (parent, name) go through one open-addressing hash
// table of NodeIds, so a child costs ~8 bytes of index instead of a map node.
//
// NodeIds are local: they depend on allocation history and are never
// observable (responses, snapshots and triggers all use paths and sorted
// names), so replicas may number nodes differently without diverging.
//
// Not thread-safe; owned by one DataTree.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace arbor::tree {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = 0xFFFFFFFFu;
inline constexpr NodeId kRootId = 0;

// ZooKeeper's Stat, minus data_length / num_children (kept by the store).
struct NodeStat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t pzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int64_t ephemeral_owner = 0;  // session id, or the container / TTL encoding
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
};

struct Node {
  Node() : data_len(0), null_data(0) {}

  NodeStat st;
  uint32_t num_children = 0;

  NodeId parent = kNoNode;
  NodeId first_child = kNoNode;
  NodeId next_sibling = kNoNode;
  NodeId prev_sibling = kNoNode;
  uint32_t acl_id = 0;  // an AclTable handle
  uint32_t name_len = 0;
  uint32_t data_len : 31;  // data is at most max_data_bytes (1 MiB by default)
  // ZooKeeper's null data (created or set with a null buffer): reads back as
  // null, not as empty. data_len is 0 then. A bit, so Node stays 104 bytes.
  uint32_t null_data : 1;
  std::unique_ptr<char[]> blob;  // name bytes, then data bytes

  std::string_view name() const { return {blob.get(), name_len}; }
  std::string_view data() const { return {blob.get() + name_len, data_len}; }
};

// How many children were ever created under `parent` (ZooKeeper's
// StatPersisted.cversion), which names its sequential children. The stored,
// client-visible cversion also counts deletes: ZooKeeper shows
// 2 * creates - children (DataNode.copyStat), and so does Arbor.
int32_t ChildCreates(const Node& parent);

// The cversions ZooKeeper's builtin "/" and "/zookeeper" start with: their
// builtin children were linked without counting a create.
inline constexpr int32_t kBuiltinRootCversion = -1;
inline constexpr int32_t kBuiltinZookeeperCversion = -2;

class NodeStore {
 public:
  NodeStore();
  NodeStore(const NodeStore&) = delete;
  NodeStore& operator=(const NodeStore&) = delete;

  Node& at(NodeId id) { return chunks_[id >> kChunkBits][id & kChunkMask]; }
  const Node& at(NodeId id) const { return chunks_[id >> kChunkBits][id & kChunkMask]; }

  // The child of `parent` called `name`, or kNoNode.
  NodeId Find(NodeId parent, std::string_view name) const;

  // Allocates a node named `name` with payload `data` (null_data: ZooKeeper's
  // null, `data` then empty), links it under `parent` (which must not already
  // have a child of that name) and indexes it. Stat fields are zero; the
  // caller fills them.
  NodeId Insert(NodeId parent, std::string_view name, std::string_view data, bool null_data);

  // Unlinks and frees a leaf node (num_children must be 0).
  void Remove(NodeId id);

  // Replaces a node's payload (one reallocation of the name+data block).
  void SetData(NodeId id, std::string_view data, bool null_data);

  // Drops every node (the next Insert returns kRootId).
  void Clear();

  // Live nodes, root included.
  size_t size() const { return live_; }
  // Bytes of names and data held (what clients wrote).
  size_t blob_bytes() const { return blob_bytes_; }

  // Approximate heap bytes owned by the store (chunks + index + blobs), for
  // the memory bench.
  size_t ApproximateBytes() const;

 private:
  static constexpr uint32_t kChunkBits = 12;  // 4096 nodes per chunk
  static constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;

  NodeId Allocate();
  size_t Hash(NodeId parent, std::string_view name) const;
  void IndexInsert(NodeId id);
  void IndexErase(NodeId id);
  void Rehash(size_t new_capacity);

  std::vector<std::unique_ptr<Node[]>> chunks_;
  NodeId next_unused_ = 0;       // ids below this were handed out at least once
  NodeId free_head_ = kNoNode;   // freed nodes, linked through `parent`
  size_t live_ = 0;
  size_t blob_bytes_ = 0;
  std::vector<NodeId> index_;    // open addressing, linear probing; kNoNode = empty
  size_t index_used_ = 0;
};

}  // namespace arbor::tree
