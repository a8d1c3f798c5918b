// StateMachine: what every replica applies, in log order.
//
// Apply(entry, zxid) is deterministic: its result and the resulting state
// depend only on the sequence of (entry, zxid) applied before it, never on a
// clock, a hash order or the local server. zxid is the Raft log index. The
// returned WatchTriggers go to the server's own WatchManager (watches are
// local); `ended_sessions` tells it whose watches to drop.
//
// Reads (Read, SetWatches) answer from the local tree and may register
// watches in the caller's WatchManager; they never change replicated state.
//
// Not thread-safe: the server applies and reads on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/byte_stream.h"
#include "common/status.h"
#include "proto/client.pb.h"
#include "proto/log_entry.pb.h"
#include "server/session/session_table.h"
#include "server/tree/data_tree.h"
#include "server/tree/tree_options.h"
#include "server/tree/watch_manager.h"
#include "server/tree/watch_trigger.h"

namespace arbor::tree {

struct ApplyResult {
  // For a client request: its response (xid copied, zxid = this entry).
  // For session/reap/noop entries: error OK or the reason it was refused.
  proto::Response response;
  std::vector<WatchTrigger> triggers;
  std::vector<int64_t> ended_sessions;  // closed or expired by this entry
};

class StateMachine {
 public:
  explicit StateMachine(TreeOptions options = TreeOptions());

  // Applies one committed entry. Returns a Status error (and changes nothing)
  // only for entries no replica may apply: an unknown format_version, a zxid
  // not above the last applied one, or an entry with no op. Client-level
  // failures (NONODE, BADVERSION, SESSIONEXPIRED...) are results, not errors.
  Result<ApplyResult> Apply(const proto::LogEntry& entry, int64_t zxid);

  // The part of Apply's refusal that depends on the entry alone (format
  // version, an op this server knows). A leader must check it before it
  // proposes an entry someone else built (a forwarded write): once
  // committed, an entry Apply refuses stops every replica.
  static Status CheckEntry(const proto::LogEntry& entry);

  // Serves a read (exists, getData, getChildren, getACL, getEphemerals,
  // getAllChildrenNumber, multiRead, addWatch, removeWatches, checkWatches)
  // for `session_id` holding the identities `auth` (the connection's, see
  // server/auth/authenticator.h), registering watches in *watches when asked
  // (watches may be null: no watch is set then). Other ops answer
  // UNIMPLEMENTED. ACLs as ZooKeeper 3.8.0's FinalRequestProcessor: getData,
  // getChildren[2], getAllChildrenNumber and each multiRead op need READ on
  // the node (NONODE first, then NOAUTH; no watch is set on NOAUTH); getACL
  // needs READ or ADMIN and hides digest hashes ("user:x") without ADMIN;
  // exists, getEphemerals, sync and the watch ops are not checked.
  proto::Response Read(const proto::Request& request, int64_t session_id,
                       const google::protobuf::RepeatedPtrField<proto::Id>& auth,
                       WatchManager* watches) const;
  // The same with no identities: the caller is checked as world:anyone only
  // (never "allow all"), so a caller that forgets identities fails closed.
  proto::Response Read(const proto::Request& request, int64_t session_id,
                       WatchManager* watches) const;

  // A reconnecting client's watches: fires at once (into *fired) those whose
  // node changed after relative_zxid, registers the rest (ZooKeeper's
  // setWatches). Does nothing if watches or fired is null.
  void SetWatches(const proto::SetWatchesRequest& request, int64_t session_id,
                  WatchManager* watches, std::vector<proto::WatchEvent>* fired) const;

  // Snapshot: the whole tree, the sessions and the last applied zxid, with a
  // CRC-32C trailer. Equal states write equal bytes.
  Status Save(ByteSink* sink) const;
  // Builds a state machine from a snapshot; Corruption on any damage.
  static Result<std::unique_ptr<StateMachine>> Load(ByteSource* source, TreeOptions options);

  int64_t last_applied_zxid() const { return last_applied_zxid_; }
  const DataTree& tree() const { return tree_; }
  const session::SessionTable& sessions() const { return sessions_; }

 private:
  void ApplyRequest(const proto::LogEntry& entry, const WriteContext& ctx, ApplyResult* out);
  void EndSession(int64_t session, int64_t zxid, ApplyResult* out);
  void ReadMulti(const proto::MultiRequest& req, int64_t session_id,
                 const google::protobuf::RepeatedPtrField<proto::Id>& auth, WatchManager* watches,
                 proto::MultiResponse* out) const;

  DataTree tree_;
  session::SessionTable sessions_;
  int64_t last_applied_zxid_ = 0;
};

}  // namespace arbor::tree
