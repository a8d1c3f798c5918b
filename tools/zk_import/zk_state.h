// An Apache ZooKeeper 3.x database in memory, as its own files describe it:
// the tree of a snapshot (FileSnap) with the transactions of the logs after
// it (FileTxnLog) replayed with ZooKeeper's rules (DataTree.processTxn), so
// the result is what a ZooKeeper server would load from the same directory.
// Stats are kept as ZooKeeper stores them (StatPersisted: cversion counts
// child creates); arbor_image.h turns them into Arbor's.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::zkimport {

using AclList = std::vector<proto::Acl>;

struct ZkNode {
  std::string data;
  bool null_data = false;
  AclList acl;
  int64_t czxid = 0, mzxid = 0, ctime = 0, mtime = 0, pzxid = 0, ephemeral_owner = 0;
  int32_t version = 0, cversion = 0, aversion = 0;  // cversion: creates of children (StatPersisted)
  std::set<std::string> children;  // names
};

// One transaction of a txn log, decoded enough to replay it.
struct ZkTxn {
  int64_t client_id = 0;
  int64_t zxid = 0;
  int64_t time = 0;
  int32_t type = 0;
  std::string body;  // the record after the TxnHeader (possibly followed by a TxnDigest)
};

struct ReplayStats {
  uint64_t applied = 0;       // transactions after the snapshot
  uint64_t skipped_old = 0;   // at or below the snapshot's zxid
  uint64_t no_ops = 0;        // failed ops (error txns, nodes already there or gone: a fuzzy snapshot)
};

class ZkState {
 public:
  ZkState();

  // ---- filled by the snapshot reader ----
  // Adds a node from a snapshot (parents come first, as ZooKeeper writes
  // them in pre-order); "" is the root.
  Status AddSnapshotNode(const std::string& path, ZkNode node);
  void AddSession(int64_t id, int32_t timeout_ms) { sessions_[id] = timeout_ms; }
  void set_snapshot_zxid(int64_t zxid) { snapshot_zxid_ = last_zxid_ = zxid; }

  // ---- replay ----
  // Applies one transaction (those at or below the snapshot's zxid only
  // count as skipped).
  Status Apply(const ZkTxn& txn, ReplayStats* stats);

  const std::map<std::string, ZkNode>& nodes() const { return nodes_; }
  const std::map<int64_t, int32_t>& sessions() const { return sessions_; }
  int64_t snapshot_zxid() const { return snapshot_zxid_; }
  int64_t last_zxid() const { return last_zxid_; }

 private:
  // The ops of DataTree.processTxn; each returns false when ZooKeeper's would
  // fail (the replay of a fuzzy snapshot hits such cases harmlessly).
  bool CreateNode(const std::string& path, std::string data, bool null_data, AclList acl, int64_t owner,
                  int32_t parent_cversion, int64_t zxid, int64_t time);
  bool DeleteNode(const std::string& path, int64_t zxid);
  void KillSession(int64_t session, int64_t zxid);
  Status ApplyOp(int32_t type, std::string_view body, const ZkTxn& header, bool* ok);

  std::map<std::string, ZkNode> nodes_;  // by full path, "/" the root
  std::map<int64_t, int32_t> sessions_;
  std::map<int64_t, std::set<std::string>> ephemerals_;
  int64_t snapshot_zxid_ = 0;
  int64_t last_zxid_ = 0;
};

// ZooKeeper's ZooDefs.OpCode values found in txn logs.
namespace opcode {
inline constexpr int32_t kError = -1, kCreate = 1, kDelete = 2, kSetData = 5, kSetAcl = 7, kCheck = 13, kMulti = 14,
                         kCreate2 = 15, kReconfig = 16, kCreateContainer = 19, kDeleteContainer = 20,
                         kCreateTtl = 21, kCreateSession = -10, kCloseSession = -11;
}

std::string ParentOf(const std::string& path);
std::string NameOf(const std::string& path);

}  // namespace arbor::zkimport
