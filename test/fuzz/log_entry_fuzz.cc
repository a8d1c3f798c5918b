// Target log_entry: the log-entry decoder and the apply path. The input is a
// sequence of records; each is either a raw LMDB log value (checked by
// storage::DecodeLogValue: format byte, CRC, index) or a payload the harness
// frames correctly (so the fuzzer gets past the CRC), then parsed as a
// raft::Entry whose data is parsed as a proto::LogEntry and applied, as
// ArborServer::ApplyEntry does. The state machine starts with sessions and
// nodes so that arbitrary entries reach deep into Apply; invariants are
// checked after every applied entry and a Save/Load round trip at the end.
// A request carried by an entry is also served as a local read (Read,
// SetWatches: what a client reaches without the log), and the triggers of
// every applied entry fire into a WatchManager holding those watches.
#include <glog/logging.h>

#include <string>
#include <vector>

#include "proto/raft.pb.h"
#include "server/storage/log_record.h"
#include "server/tree/state_machine.h"
#include "test/fuzz/fuzz_input.h"
#include "test/fuzz/tree_invariants.h"

namespace arbor::fuzz {
namespace {

// Sessions 1 and 2, /a (persistent), /a/e (ephemeral of 1), /c (container
// with a child), /t (TTL), so that entries naming them do something.
void Seed(tree::StateMachine* sm, int64_t* zxid) {
  auto apply = [&](proto::LogEntry e) {
    e.set_format_version(proto::LOG_FORMAT_V1);
    e.set_time_ms(1000);
    auto r = sm->Apply(e, ++*zxid);
    FUZZ_CHECK(r.ok() && r->response.error() == proto::OK, "seed entry failed");
  };
  for (int64_t id : {1, 2}) {
    proto::LogEntry e;
    e.mutable_create_session()->set_session_id(id);
    e.mutable_create_session()->set_timeout_ms(10000);
    apply(e);
  }
  auto create = [&](const char* path, proto::CreateMode mode, int64_t ttl) {
    proto::LogEntry e;
    e.set_session_id(1);
    proto::CreateRequest* c = e.mutable_request()->mutable_create();
    c->set_path(path);
    c->set_mode(mode);
    c->set_ttl_ms(ttl);
    proto::Acl* acl = c->add_acl();
    acl->set_perms(proto::PERM_ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    apply(e);
  };
  create("/a", proto::PERSISTENT, 0);
  create("/a/e", proto::EPHEMERAL, 0);
  create("/c", proto::CONTAINER, 0);
  create("/c/x", proto::PERSISTENT, 0);
  create("/t", proto::PERSISTENT_WITH_TTL, 5000);
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  tree::StateMachine sm;
  tree::WatchManager watches;
  int64_t zxid = 0;
  Seed(&sm, &zxid);
  for (int i = 0; i < 64 && !in.empty(); ++i) {
    const uint8_t how = in.Byte();
    std::string bytes = in.Take(static_cast<size_t>(in.Range(0, 2048)));
    raft::Entry entry;
    if (how & 1) {
      // A raw stored value: a damaged record must be refused, never applied.
      Status s = storage::DecodeLogValue(static_cast<uint64_t>(zxid + 1), bytes, &entry);
      if (!s.ok()) continue;
    } else if (how & 2) {
      // A well-framed raft::Entry of arbitrary content.
      Status s = storage::DecodeLogValue(static_cast<uint64_t>(zxid + 1), storage::EncodeRecord(bytes), &entry);
      if (!s.ok()) continue;
    } else {
      // The payload is the LogEntry itself (the usual case in the log).
      entry.set_index(static_cast<uint64_t>(zxid + 1));
      entry.set_data(bytes);
    }
    if (entry.data().empty()) continue;  // Raft's own empty entries apply nothing
    proto::LogEntry le;
    if (!le.ParseFromString(entry.data())) continue;  // the server refuses to go on (LOG(FATAL))
    const bool applicable = tree::StateMachine::CheckEntry(le).ok();
    auto r = sm.Apply(le, static_cast<int64_t>(entry.index()));
    FUZZ_CHECK(r.ok() == applicable, "CheckEntry and Apply disagree: %s", r.status().ToString().c_str());
    if (le.has_request()) {
      proto::Response read = sm.Read(le.request(), le.session_id(), le.auth(), &watches);
      FUZZ_CHECK(read.xid() == le.request().xid(), "read answered another xid");
      if (le.request().has_set_watches()) {
        std::vector<proto::WatchEvent> fired;
        sm.SetWatches(le.request().set_watches(), le.session_id(), &watches, &fired);
      }
    }
    if (!r.ok()) continue;
    std::vector<tree::SessionEvent> events;
    watches.Fire(r->triggers, &events);
    for (int64_t ended : r->ended_sessions) watches.RemoveSession(ended);
    zxid = static_cast<int64_t>(entry.index());
    FUZZ_CHECK(r->response.zxid() == zxid, "response zxid");
    CheckInvariants(sm, History::kAppliedFromEmpty);
  }
  CheckRoundTrip(sm, tree::TreeOptions());
  return 0;
}
