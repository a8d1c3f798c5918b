// Two-phase commit over Arbor (ZooKeeper's recipe, with the decision made
// durable in the transaction node).
//
// The coordinator creates the transaction node `<txn>` and one child per
// participating site, `<txn>/<site>`, with empty data. Each site votes by
// writing "commit" or "abort" into its child; the coordinator (and any
// site) watches the children. The decision:
//  - any "abort" vote: abort (a site that votes abort knows it at once);
//  - all "commit": commit;
//  - the coordinator gives up waiting (timeout): abort.
// The coordinator writes the decision into `<txn>` (version 0 -> 1, so the
// first decision written is final), and every vote is a multi that checks
// `<txn>` is still undecided: a late vote fails instead of racing a timeout
// abort, so no site can see "all commit" while the coordinator aborted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/client.h"

namespace arbor::client::recipes {

enum class TxnOutcome { kPending, kCommit, kAbort };

const char* TxnOutcomeName(TxnOutcome o);

class TwoPhaseCommit {
 public:
  TwoPhaseCommit(Client* client, std::string txn_path) : client_(client), txn_(std::move(txn_path)) {}

  // Coordinator: creates the transaction and one vote node per site, all in
  // one multi (parents of `txn_path` are created first).
  proto::ErrorCode Begin(const std::vector<std::string>& sites);
  // Site: votes once. BADVERSION when the transaction was already decided
  // (read the outcome) or this site voted before; BADARGUMENTS for a site
  // that is not part of the transaction; NONODE for no transaction.
  proto::ErrorCode Vote(const std::string& site, bool commit);
  // Coordinator: waits up to timeout_ms for the votes, then writes and
  // returns the decision (abort on timeout). Idempotent: a decided
  // transaction returns its decision.
  OpResult<TxnOutcome> Decide(int64_t timeout_ms);
  // Anyone: waits up to timeout_ms for the decision; kPending on timeout.
  OpResult<TxnOutcome> AwaitOutcome(int64_t timeout_ms);
  // The decision so far (kPending while undecided).
  OpResult<TxnOutcome> Outcome();

 private:
  // The outcome the votes imply (kPending while some site has not voted).
  OpResult<TxnOutcome> Tally(Watcher watcher);
  OpResult<TxnOutcome> Write(TxnOutcome o);

  Client* const client_;
  const std::string txn_;
};

}  // namespace arbor::client::recipes
