#include "common/ops.h"

namespace arbor::ops {
namespace {

using Op = proto::Request;

// ZooKeeper opcodes (ZooDefs.OpCode), repeated here so common/ does not
// depend on the jute codec.
constexpr Traits kTable[] = {
    /* OP_NOT_SET */ {"unknown", Path::kWrite, false, 0},
    /* create */ {"create", Path::kWrite, false, 1},
    /* delete */ {"delete", Path::kWrite, false, 2},
    /* exists */ {"exists", Path::kRead, true, 3},
    /* get_data */ {"getData", Path::kRead, true, 4},
    /* set_data */ {"setData", Path::kWrite, false, 5},
    /* get_acl */ {"getACL", Path::kRead, true, 6},
    /* set_acl */ {"setACL", Path::kWrite, false, 7},
    /* get_children */ {"getChildren", Path::kRead, true, 8},
    /* sync */ {"sync", Path::kSync, true, 9},
    /* check */ {"check", Path::kWrite, true, 13},
    /* multi */ {"multi", Path::kWrite, false, 14},
    /* get_ephemerals */ {"getEphemerals", Path::kRead, true, 103},
    /* get_all_children_number */ {"getAllChildrenNumber", Path::kRead, true, 104},
    /* add_watch */ {"addWatch", Path::kRead, true, 106},
    /* remove_watches */ {"removeWatches", Path::kRead, false, 18},
    /* check_watches */ {"checkWatches", Path::kRead, true, 17},
    /* set_watches */ {"setWatches", Path::kSession, true, 101},
    /* auth */ {"auth", Path::kSession, true, 100},
    /* who_am_i */ {"whoAmI", Path::kRead, true, 107},
    /* close_session */ {"closeSession", Path::kWrite, false, -11},
    /* ping */ {"ping", Path::kSession, true, 11},
    /* server_status */ {"serverStatus", Path::kSession, true, 0},
    /* backup */ {"backup", Path::kSession, true, 0},
};

// The table is indexed by the oneof's field number minus one (xid is 1).
size_t Index(proto::Request::OpCase op) { return op == Op::OP_NOT_SET ? 0 : static_cast<size_t>(op) - 1; }

static_assert(Op::kCreate == 2 && Op::kBackup == 24, "ops.cc's table follows client.proto's numbering");
static_assert(sizeof(kTable) / sizeof(kTable[0]) == Op::kBackup, "one row per operation");

}  // namespace

const Traits& TraitsOf(proto::Request::OpCase op) {
  size_t i = Index(op);
  return i < sizeof(kTable) / sizeof(kTable[0]) ? kTable[i] : kTable[0];
}

Traits TraitsOf(const proto::Request& r) {
  Traits t = TraitsOf(r.op_case());
  if (r.has_multi() && r.multi().read_only()) {
    t.name = "multiRead";
    t.path = Path::kRead;
    t.idempotent = true;
    t.zk_opcode = 22;
  }
  return t;
}

}  // namespace arbor::ops
