// A ZooKeeper database (ZkState) as an Arbor backup: the state machine's
// snapshot format 2 (docs/TREE.md) framed as a snapshot file, which
// `arbord --restore_from` seeds a cluster from.
//
// What carries over exactly: every znode (the /zookeeper subtree included)
// with its data (null kept apart from empty), ACL, czxid, mzxid, pzxid,
// ctime, mtime, version, aversion and ephemeralOwner (ephemeral, container,
// TTL); cversion as ZooKeeper shows it (2 x creates - children, which is
// what Arbor stores), so sequence numbers go on where ZooKeeper's would;
// the sessions with their timeouts. Arbor's zxid is the Raft log index, and
// the restored log starts at ZooKeeper's last zxid, so zxids keep growing
// from there. Not carried: session passwords (ZooKeeper derives them from a
// server secret; clients open new sessions, and the imported sessions expire
// with their ephemerals after their timeout, as on a ZooKeeper restart),
// watches, quotas (their nodes are kept as data; Arbor does not enforce them).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/tree/state_machine.h"
#include "tools/zk_import/zk_state.h"

namespace arbor::zkimport {

// Builds Arbor's state from `zk` and checks it loads (Arbor's own structure
// checks). `password` supplies each session's password.
Result<std::unique_ptr<tree::StateMachine>> ToArborState(const ZkState& zk,
                                                          const std::function<std::string()>& password);

// Writes `sm` to `out_file` as a snapshot file (index = its last applied
// zxid, term 1): written beside it, fsynced, renamed. Returns the file's
// size.
Result<uint64_t> WriteBackupFile(const tree::StateMachine& sm, const std::string& out_file);

}  // namespace arbor::zkimport
