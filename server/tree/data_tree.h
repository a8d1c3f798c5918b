// DataTree: the znode tree with ZooKeeper's semantics, as a pure data
// structure. No I/O, no clock, no flags: zxid and time come in a WriteContext
// that every replica sees identically, so applying the same writes in the same
// order yields the same tree (and the same snapshot bytes).
//
// Writes return a proto::ErrorCode; on any error the tree is unchanged. Every
// successful change appends WatchTriggers to Effects::triggers (in a
// deterministic order). Not thread-safe: one owner (the StateMachine) applies
// and reads on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <google/protobuf/repeated_field.h>

#include "common/status.h"
#include "proto/client.pb.h"
#include "server/tree/acl_table.h"
#include "server/tree/node_store.h"
#include "server/tree/tree_options.h"
#include "server/tree/watch_trigger.h"

namespace arbor::tree {

class SnapshotReader;
class SnapshotWriter;

// Replicated facts a write needs besides its request.
struct WriteContext {
  int64_t zxid = 0;
  int64_t time_ms = 0;
  int64_t session_id = 0;
  const google::protobuf::RepeatedPtrField<proto::Id>* auth = nullptr;  // may be null: none
};

// How to revert one change; recorded only inside a multi.
struct UndoRecord {
  enum class Kind { kCreated, kDeleted, kDataSet };
  Kind kind = Kind::kCreated;
  std::string path;
  // kDeleted: the whole node; kDataSet: its previous data and stat.
  NodeStat saved;
  std::string data;
  bool null_data = false;
  AclList acl;         // kDeleted only
  // kCreated / kDeleted: the parent's stat before the change.
  int32_t parent_cversion = 0;
  int64_t parent_pzxid = 0;
};

struct Effects {
  std::vector<WatchTrigger> triggers;
  bool record_undo = false;
  std::vector<UndoRecord> undo;
};

class DataTree {
 public:
  explicit DataTree(TreeOptions options);
  DataTree(const DataTree&) = delete;
  DataTree& operator=(const DataTree&) = delete;

  // ---- client writes (ZooKeeper's check order and error codes) ----
  proto::ErrorCode Create(const proto::CreateRequest& req, const WriteContext& ctx,
                          proto::CreateResponse* out, Effects* fx);
  proto::ErrorCode Delete(const proto::DeleteRequest& req, const WriteContext& ctx, Effects* fx);
  proto::ErrorCode SetData(const proto::SetDataRequest& req, const WriteContext& ctx,
                           proto::SetDataResponse* out, Effects* fx);
  proto::ErrorCode SetAcl(const proto::SetAclRequest& req, const WriteContext& ctx,
                          proto::SetAclResponse* out);
  proto::ErrorCode Check(const proto::CheckRequest& req, const WriteContext& ctx) const;
  // All or nothing. On failure the ops before the failing one report error
  // OK (rolled back), the failing op its code, later ops RUNTIMEINCONSISTENCY,
  // and the tree is exactly as before. Returns the first error (or OK).
  proto::ErrorCode Multi(const proto::MultiRequest& req, const WriteContext& ctx,
                         proto::MultiResponse* out, Effects* fx);

  // ---- server-initiated changes (no version or ACL checks) ----
  // Deletes every ephemeral of `session` (sorted by path), as one zxid.
  void DeleteEphemerals(int64_t session, int64_t zxid, Effects* fx);
  // Removes empty containers that have had children and childless TTL nodes
  // whose mtime + ttl < time_ms, judged on the state before this call (so the
  // result does not depend on visiting order). Returns how many went.
  size_t Reap(int64_t time_ms, int64_t zxid, Effects* fx);

  // ---- reads (paths must be valid; see common/path.h) ----
  NodeId Lookup(std::string_view path) const;
  void FillStat(NodeId id, proto::Stat* stat) const;
  proto::ErrorCode GetData(std::string_view path, proto::GetDataResponse* out) const;
  proto::ErrorCode GetChildren(std::string_view path, bool with_stat,
                               proto::GetChildrenResponse* out) const;
  proto::ErrorCode GetAcl(std::string_view path, proto::GetAclResponse* out) const;
  // The session's ephemerals whose path starts with `prefix` (a string
  // prefix, as ZooKeeper does; "/" or "" for all), sorted.
  void GetEphemerals(int64_t session, std::string_view prefix,
                     proto::GetEphemeralsResponse* out) const;
  // Every descendant of `path` (not counting itself).
  proto::ErrorCode GetAllChildrenNumber(std::string_view path, int32_t* total) const;
  const AclList& AclOf(NodeId id) const { return acls_.Get(store_.at(id).acl_id); }
  // Whether `auth` may perform `perm` (proto::Perm bits) on node `id`, by
  // options().acl_check or, when that is empty, ZooKeeper's rule.
  bool Permits(NodeId id, int32_t perm, const google::protobuf::RepeatedPtrField<proto::Id>& auth) const;
  std::string PathOf(NodeId id) const;

  size_t node_count() const { return store_.size(); }
  // Bytes of znode names and data held (the cluster's size bound counts these).
  size_t stored_bytes() const { return store_.blob_bytes(); }
  size_t acl_list_count() const { return acls_.size(); }  // distinct interned lists
  size_t ephemeral_session_count() const { return ephemerals_.size(); }
  size_t reap_candidate_count() const { return empty_containers_.size() + ttl_expiry_.size(); }
  // Heap bytes owned by the tree (nodes, index, names, data, ACLs), approximate.
  size_t ApproximateBytes() const;
  const TreeOptions& options() const { return options_; }

  // ---- snapshot (see docs/TREE.md for the layout) ----
  // Writes ACL lists then the nodes in pre-order with children sorted by name.
  void Save(SnapshotWriter* w) const;
  // Replaces the whole tree from a snapshot written in `format_version` (1
  // or 2, see docs/TREE.md). `session_exists` validates ephemeral owners.
  Status Load(SnapshotReader* r, uint32_t format_version,
              const std::function<bool(int64_t)>& session_exists);

 private:
  struct NodeInit {
    int64_t ephemeral_owner = 0;
    uint32_t acl_id = 0;  // a reference the new node takes over
    bool null_data = false;
  };

  // Primitives keep every index (hash, ephemerals, reap candidates, ACL
  // refcounts) in step; they do not touch the parent's cversion / pzxid.
  NodeId LinkNew(NodeId parent, std::string_view name, std::string_view data,
                 const NodeInit& init, const WriteContext& ctx);
  void Unlink(NodeId id);
  void SetParentChildStat(NodeId parent, int32_t cversion, int64_t pzxid);
  void ReapUnindex(NodeId id);
  void ReapIndex(NodeId id);
  // Deletes a leaf and fires its triggers; records undo when asked.
  void DeleteLeaf(NodeId id, const std::string& path, int64_t zxid, Effects* fx);
  void Rollback(std::vector<UndoRecord>* undo);

  bool Allowed(NodeId id, int32_t perm, const WriteContext& ctx) const;
  proto::ErrorCode ApplyMultiOp(const proto::MultiOp& op, const WriteContext& ctx,
                                proto::MultiOpResult* result, Effects* fx);
  void ResetEmpty();
  void AddBuiltinNodes();

  TreeOptions options_;
  NodeStore store_;
  AclTable acls_;
  // session id -> its ephemeral nodes.
  std::unordered_map<int64_t, std::set<NodeId>> ephemerals_;
  // Containers with cversion > 0 and no children.
  std::set<NodeId> empty_containers_;
  // Childless TTL nodes by (mtime + ttl).
  std::set<std::pair<int64_t, NodeId>> ttl_expiry_;
};

}  // namespace arbor::tree
