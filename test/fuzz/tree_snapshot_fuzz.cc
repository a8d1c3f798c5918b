// Target tree_snapshot: StateMachine::Load from arbitrary bytes (the tree's
// snapshot stream, docs/TREE.md). When the first input byte is odd the
// harness rewrites the trailing CRC-32C to match, so the fuzzer explores the
// structure rather than stopping at the checksum. A snapshot Load accepts
// must be a state the server can live with: structural invariants hold, it
// saves and reloads to the same bytes, and the server's own entries
// (reaping at any time, ending every session, creating under every node)
// keep the invariants and never abort.
#include <glog/logging.h>

#include <string>
#include <vector>

#include "common/byte_stream.h"
#include "common/crc32c.h"
#include "server/tree/state_machine.h"
#include "test/fuzz/fuzz_input.h"
#include "test/fuzz/tree_invariants.h"

namespace arbor::fuzz {
namespace {

void FixCrc(std::string* bytes) {
  if (bytes->size() < 4) return;
  uint32_t crc = Crc32c(bytes->data(), bytes->size() - 4);
  for (int i = 0; i < 4; ++i) (*bytes)[bytes->size() - 4 + i] = static_cast<char>(crc >> (8 * i));
}

proto::LogEntry Entry() {
  proto::LogEntry e;
  e.set_format_version(proto::LOG_FORMAT_V1);
  e.set_time_ms(1000);
  return e;
}

// Drives the server-side entries over every node of a loaded tree.
void Exercise(tree::StateMachine* sm) {
  int64_t zxid = sm->last_applied_zxid();
  auto apply = [&](const proto::LogEntry& e) {
    if (zxid == INT64_MAX) return;
    auto r = sm->Apply(e, ++zxid);
    FUZZ_CHECK(r.ok(), "Apply on a loaded tree: %s", r.status().ToString().c_str());
    CheckInvariants(*sm, History::kUnknown);
  };
  // A client session writing under every node (sequential creates read the
  // parent's cversion, setData bumps version, delete bumps cversion).
  proto::LogEntry open = Entry();
  open.mutable_create_session()->set_session_id(0x7ffffffffffffff0);
  open.mutable_create_session()->set_timeout_ms(1000);
  apply(open);
  std::vector<std::string> paths{"/"};
  for (size_t i = 0; i < paths.size() && i < 64; ++i) {
    proto::GetChildrenResponse kids;
    sm->tree().GetChildren(paths[i], false, &kids);
    for (const std::string& k : kids.children()) paths.push_back((paths[i] == "/" ? "/" : paths[i] + "/") + k);
  }
  for (size_t i = 0; i < paths.size() && i < 64; ++i) {
    proto::LogEntry w = Entry();
    w.set_session_id(0x7ffffffffffffff0);
    proto::MultiRequest* m = w.mutable_request()->mutable_multi();
    proto::CreateRequest* c = m->add_ops()->mutable_create();
    c->set_path(paths[i] == "/" ? "/" : paths[i] + "/");
    c->set_mode(proto::EPHEMERAL_SEQUENTIAL);
    proto::Acl* acl = c->add_acl();
    acl->set_perms(proto::PERM_ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    m->add_ops()->mutable_set_data()->set_path(paths[i]);
    m->mutable_ops(1)->mutable_set_data()->set_version(-1);
    apply(w);
    proto::LogEntry d = Entry();
    d.set_session_id(0x7ffffffffffffff0);
    d.mutable_request()->mutable_delete_()->set_path(paths[i]);
    d.mutable_request()->mutable_delete_()->set_version(-1);
    apply(d);
  }
  for (int64_t t : {int64_t{0}, int64_t{1} << 41, INT64_MAX}) {
    proto::LogEntry reap = Entry();
    reap.set_time_ms(t);
    reap.mutable_reap();
    apply(reap);
  }
  proto::LogEntry expire = Entry();
  for (const auto& [id, info] : sm->sessions().all()) expire.mutable_expire_sessions()->add_session_ids(id);
  apply(expire);
  proto::LogEntry reap = Entry();
  reap.set_time_ms(INT64_MAX);
  reap.mutable_reap();
  apply(reap);
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  const bool fix_crc = in.Byte() & 1;
  std::string bytes = in.Rest();
  if (fix_crc) FixCrc(&bytes);
  StringSource source(bytes);
  tree::TreeOptions options;
  auto loaded = tree::StateMachine::Load(&source, options);
  if (!loaded.ok()) return 0;
  CheckInvariants(**loaded, History::kUnknown);
  CheckRoundTrip(**loaded, options);
  Exercise(loaded->get());
  CheckRoundTrip(**loaded, options);
  return 0;
}
