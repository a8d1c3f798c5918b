// Target peer_frame: the peer port's decoding: common/frame's PeekFrame
// splitting a byte stream into frames and each frame parsed as a PeerFrame,
// the loop of DecodeFrames in server/net/peer_transport.cc (copied here: it
// is file-local there), including the hello check. A forwarded entry is
// what a leader proposes and every replica then applies, so it goes on to
// StateMachine::Apply exactly as ArborServer::ApplyEntry would: an entry
// the leader accepted must not be one that Apply refuses (the core CHECKs
// that and would crash every replica), so it is screened with
// StateMachine::CheckEntry first, the check a leader must make.
#include <glog/logging.h>

#include <functional>
#include <string>

#include "common/frame.h"
#include "proto/peer.pb.h"
#include "server/tree/state_machine.h"
#include "test/fuzz/fuzz_input.h"
#include "test/fuzz/tree_invariants.h"

namespace arbor::fuzz {
namespace {

// Same contract as peer_transport.cc's DecodeFrames.
Status DecodeFrames(std::string* input, size_t max_frame,
                    const std::function<Status(proto::PeerFrame&&)>& each) {
  size_t offset = 0;
  Status result;
  while (result.ok()) {
    std::string_view payload;
    size_t consumed = 0;
    result = PeekFrame(std::string_view(*input).substr(offset), max_frame, &payload, &consumed);
    if (!result.ok() || consumed == 0) break;
    FUZZ_CHECK(consumed == payload.size() + kFrameHeaderBytes && consumed <= input->size() - offset,
               "PeekFrame consumed %zu for a %zu-byte payload", consumed, payload.size());
    proto::PeerFrame f;
    if (!f.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      result = Status::InvalidArgument("malformed peer frame");
      break;
    }
    offset += consumed;
    result = each(std::move(f));
  }
  input->erase(0, offset);
  return result;
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  const size_t max_frame = static_cast<size_t>(in.Range(0, 4096));
  tree::StateMachine sm;
  int64_t zxid = 0;
  uint64_t from = 0;
  std::string input;
  Status s;
  while (s.ok() && !in.empty()) {
    input += in.Take(static_cast<size_t>(in.Range(0, 256)));
    s = DecodeFrames(&input, max_frame, [&](proto::PeerFrame&& f) -> Status {
      if (from == 0) {
        if (!f.has_hello() || f.hello().server_id() == 0) return Status::InvalidArgument("no hello");
        if (f.hello().cluster_name() != "arbor") return Status::InvalidArgument("other cluster");
        from = f.hello().server_id();
        return Status::Ok();
      }
      if (f.has_forward()) {
        proto::LogEntry entry = f.forward().entry();
        entry.set_time_ms(1000 + zxid);  // the leader stamps its time
        if (!tree::StateMachine::CheckEntry(entry).ok()) return Status::Ok();  // refused, not proposed
        auto r = sm.Apply(entry, ++zxid);
        FUZZ_CHECK(r.ok(), "an entry CheckEntry accepted was refused: %s", r.status().ToString().c_str());
        CheckInvariants(sm, History::kAppliedFromEmpty);
      }
      return Status::Ok();
    });
    FUZZ_CHECK(input.size() < 4 + max_frame || !s.ok(), "a whole frame left undecoded");
  }
  return 0;
}
