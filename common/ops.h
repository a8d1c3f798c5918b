// One table of what each client operation is, used everywhere a decision
// depends on the kind of operation: the server's read/write split
// (core::Replica), the client library's retry rule (client::ClientCore), the
// state machine's dispatch (tree::StateMachine::Read) and the ZooKeeper
// codec's natural opcode. Adding an operation means one row here plus its
// records and handlers.
#pragma once

#include <cstdint>

#include "proto/client.pb.h"

namespace arbor::ops {

// How a server serves it.
enum class Path {
  kRead,     // answered from the local tree, in the session's FIFO order
  kWrite,    // proposed through the log; answered once applied here
  kSync,     // a ReadIndex barrier
  kSession,  // answered by the server itself (ping, auth, watches, status)
};

struct Traits {
  const char* name;  // ZooKeeper's word for it ("create", "getData", ...)
  Path path;
  // The client may send it again after CONNECTIONLOSS: sending it twice has
  // the effect of sending it once.
  bool idempotent;
  // ZooKeeper's opcode for its plain form (0: native protocol only); the
  // codec picks variants (create2, getChildren2, multiRead, ...).
  int32_t zk_opcode;
};

// Traits of an op case. OP_NOT_SET answers a write that is not idempotent.
const Traits& TraitsOf(proto::Request::OpCase op);
// Traits of a request: a read-only multi (multiRead) is a read.
Traits TraitsOf(const proto::Request& request);

inline bool IsRead(const proto::Request& r) { return TraitsOf(r).path == Path::kRead; }
// Served at once by the server (reads and session ops), not through the log
// or a ReadIndex.
inline bool IsLocal(const proto::Request& r) {
  Path p = TraitsOf(r).path;
  return p == Path::kRead || p == Path::kSession;
}

}  // namespace arbor::ops
