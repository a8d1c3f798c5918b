// Target state_machine: random sequences of log entries (and local reads)
// applied to three replicas of the znode state machine.
//   - A and B apply the same entries: every result, trigger, watch event and
//     read answer must be identical, and so must their snapshot bytes.
//   - C is loaded from A's snapshot at a point the input chooses and applies
//     the rest: it must end byte-identical too (a snapshot loses nothing).
//   - After every entry A satisfies CheckInvariants(kAppliedFromEmpty), and
//     an entry Apply refuses changes nothing.
#include <glog/logging.h>

#include <memory>
#include <string>
#include <vector>

#include "common/byte_stream.h"
#include "server/tree/state_machine.h"
#include "test/fuzz/fuzz_input.h"
#include "test/fuzz/op_gen.h"
#include "test/fuzz/tree_invariants.h"

namespace arbor::fuzz {
namespace {

// Small limits so that the boundaries are reachable with short inputs (the
// path limit is chosen by the input: a tight one is hit by a short
// sequential create, a loose one lets trees grow deep).
tree::TreeOptions Options(FuzzInput* in) {
  tree::TreeOptions o;
  o.max_path_bytes = in->Bool() ? 16 : 40;
  o.max_multi_ops = 8;
  return o;
}

struct Replica {
  std::unique_ptr<tree::StateMachine> sm;
  tree::WatchManager watches;
};

// Everything an Apply produced that a client or the server may observe.
// What an Apply produced that clients or the server may observe.
std::string Describe(const Result<tree::ApplyResult>& r) {
  if (!r.ok()) return "error: " + r.status().ToString();
  std::string out = r->response.SerializeAsString();
  for (const tree::WatchTrigger& t : r->triggers) {
    out += "|T" + t.path + "," + std::to_string(t.type) + "," + std::to_string(t.zxid);
  }
  for (int64_t s : r->ended_sessions) out += "|X" + std::to_string(s);
  return out;
}

// Feeds the result to the replica's watches; returns the events sent.
std::string Fire(const Result<tree::ApplyResult>& r, Replica* rep) {
  if (!r.ok()) return "";
  std::vector<tree::SessionEvent> events;
  rep->watches.Fire(r->triggers, &events);
  std::string out;
  for (const tree::SessionEvent& e : events) {
    out += "|E" + std::to_string(e.session_id) + ":" + e.event.SerializeAsString();
  }
  for (int64_t s : r->ended_sessions) rep->watches.RemoveSession(s);
  return out;
}

std::string Read(const proto::Request& req, int64_t session,
                 const google::protobuf::RepeatedPtrField<proto::Id>& ids, Replica* rep) {
  return rep->sm->Read(req, session, ids, &rep->watches).SerializeAsString();
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  OpGenerator gen(&in);
  const tree::TreeOptions options = Options(&in);
  Replica a{std::make_unique<tree::StateMachine>(options), {}};
  Replica b{std::make_unique<tree::StateMachine>(options), {}};
  Replica c;  // loaded from A's snapshot at step `snapshot_at`
  const int snapshot_at = static_cast<int>(in.Range(0, 63));
  int64_t zxid = 0;
  for (int step = 0; step < 256 && !in.empty(); ++step) {
    if (step == snapshot_at) {
      std::string bytes = SaveToString(*a.sm);
      StringSource source(bytes);
      auto loaded = tree::StateMachine::Load(&source, options);
      FUZZ_CHECK(loaded.ok(), "Load of A's snapshot: %s", loaded.status().ToString().c_str());
      c.sm = std::move(*loaded);
      CheckInvariants(*c.sm, History::kAppliedFromEmpty);
    }
    if (in.Range(0, 3) == 0) {  // a local read on every replica
      proto::Request req = gen.ReadRequest();
      int64_t session = gen.Session();
      google::protobuf::RepeatedPtrField<proto::Id> ids;
      if (in.Bool()) {
        ids.Add()->set_scheme("digest");
        ids.Mutable(0)->set_id("u:x");
      }
      std::string ra = Read(req, session, ids, &a);
      FUZZ_CHECK(ra == Read(req, session, ids, &b), "replicas answer a read differently");
      bool watch_op = req.has_remove_watches() || req.has_check_watches();
      if (c.sm && !watch_op) {
        FUZZ_CHECK(ra == Read(req, session, ids, &c), "snapshot copy answers a read differently");
      }
      continue;
    }
    proto::LogEntry entry = gen.Entry();
    // Rarely a zxid that is not above the last one: Apply must refuse it.
    int64_t at = in.Range(0, 63) == 0 ? zxid : zxid + 1;
    std::string before = entry.format_version() != proto::LOG_FORMAT_V1 || at == zxid ? SaveToString(*a.sm) : "";
    auto ra = a.sm->Apply(entry, at);
    auto rb = b.sm->Apply(entry, at);
    std::string oa = Describe(ra);
    FUZZ_CHECK(oa == Describe(rb), "replicas diverge at zxid %lld", static_cast<long long>(at));
    FUZZ_CHECK(Fire(ra, &a) == Fire(rb, &b), "replicas send different events at zxid %lld",
               static_cast<long long>(at));
    if (c.sm) {
      auto rc = c.sm->Apply(entry, at);
      // C's watches are only those set after its load (watches are local).
      FUZZ_CHECK(oa == Describe(rc), "snapshot copy diverges at zxid %lld", static_cast<long long>(at));
      Fire(rc, &c);
    }
    if (!before.empty()) {
      FUZZ_CHECK(!ra.ok(), "an entry with a bad version or zxid was applied");
      FUZZ_CHECK(SaveToString(*a.sm) == before, "a refused entry changed the state");
    } else {
      FUZZ_CHECK(ra.ok(), "Apply refused a valid entry: %s", ra.status().ToString().c_str());
      zxid = at;
    }
    CheckInvariants(*a.sm, History::kAppliedFromEmpty);
  }
  std::string final_a = CheckRoundTrip(*a.sm, options);
  FUZZ_CHECK(final_a == SaveToString(*b.sm), "replicas end with different snapshots");
  if (c.sm) FUZZ_CHECK(final_a == SaveToString(*c.sm), "snapshot copy ends different");
  return 0;
}
