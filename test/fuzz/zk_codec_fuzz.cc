// Target zk_codec: the ZooKeeper server codec as a whole
// (server/zk/zk_codec.cc) through net::ClientCodec::Decode: four-letter
// words, the handshake, requests, codec-answered rejects (which take their
// place in the session's pipeline), and the server's answers, in the order a connection sees
// them. Input bytes alternate between "the client sends N bytes" and "the
// server answers / sends an event", so replies and rejects interleave.
// Checked: the replies written carry the xids of the request frames
// consumed, in request order (the C client checks the order), whatever was
// answered by the server and whatever by the codec itself.
#include <glog/logging.h>

#include <algorithm>
#include <string_view>
#include <deque>
#include <optional>
#include <vector>
#include <string>

#include "common/frame.h"
#include "server/zk/four_letter_words.h"
#include "server/zk/zk_codec.h"
#include "test/fuzz/fuzz_input.h"

namespace arbor::fuzz {
namespace {

zk::ServerFacts Facts(std::string_view) {
  zk::ServerFacts f;
  f.server_id = 1;
  f.mode = "leader";
  f.serving = true;
  f.zxid = 42;
  f.node_count = 7;
  f.session_count = 1;
  f.zk_port = 2181;
  f.data_dir = "/var/lib/arbor";
  f.connections.push_back({"127.0.0.1:5555", "zookeeper", 0x1234, 2});
  return f;
}

// A plausible server response to `req`: the result the op expects (or an
// error), the way ArborServer would answer.
proto::Response Answer(const proto::Request& req, FuzzInput* in) {
  proto::Response r;
  r.set_xid(req.xid());
  r.set_zxid(in->Range(0, 100));
  if (in->Range(0, 3) == 0) {
    r.set_error(static_cast<proto::ErrorCode>(-static_cast<int>(in->Range(0, 125))));
    return r;
  }
  switch (req.op_case()) {
    case proto::Request::kCreate: r.mutable_create()->set_path(req.create().path()); break;
    case proto::Request::kExists: r.mutable_exists()->mutable_stat(); break;
    case proto::Request::kGetData: r.mutable_get_data()->set_data("d"); break;
    case proto::Request::kSetData: r.mutable_set_data(); break;
    case proto::Request::kGetAcl: r.mutable_get_acl(); break;
    case proto::Request::kSetAcl: r.mutable_set_acl(); break;
    case proto::Request::kGetChildren: r.mutable_get_children()->add_children("c"); break;
    case proto::Request::kSync: r.mutable_sync()->set_path(req.sync().path()); break;
    case proto::Request::kGetEphemerals: r.mutable_get_ephemerals(); break;
    case proto::Request::kGetAllChildrenNumber: r.mutable_get_all_children_number(); break;
    case proto::Request::kWhoAmI: r.mutable_who_am_i(); break;
    case proto::Request::kMulti: {
      proto::MultiResponse* m = r.mutable_multi();
      for (const proto::MultiOp& op : req.multi().ops()) {
        proto::MultiOpResult* res = m->add_results();
        if (in->Bool()) {
          res->set_error(proto::NONODE);
        } else if (op.has_create()) {
          res->mutable_create()->set_path(op.create().path());
        } else if (op.has_get_data()) {
          res->mutable_get_data();
        } else if (op.has_get_children()) {
          res->mutable_get_children();
        } else if (op.has_set_data()) {
          res->mutable_set_data();
        }
      }
      break;
    }
    default:
      break;  // header-only replies
  }
  return r;
}

constexpr int32_t kUnsolicitedXid = INT32_MIN + 7;  // marks replies nobody asked for

// The xids of the frames after the handshake in `consumed`, as the replies
// must carry them (ping replies always say -2), stopping at a frame the
// codec cannot read. Sets *connect when the handshake frame was whole.
std::vector<int32_t> ExpectedXids(std::string_view consumed, bool* connect) {
  std::vector<int32_t> xids;
  *connect = false;
  bool first = true;
  while (true) {
    std::string_view payload;
    size_t used = 0;
    if (!PeekFrame(consumed, 1 << 20, &payload, &used).ok() || used == 0) break;
    consumed.remove_prefix(used);
    if (first) {
      first = false;
      *connect = true;
      continue;
    }
    if (payload.size() < 8) break;
    int32_t xid = static_cast<int32_t>(ReadBigEndian32(payload.data()));
    int32_t type = static_cast<int32_t>(ReadBigEndian32(payload.data() + 4));
    xids.push_back(type == 11 ? -2 : xid);
  }
  return xids;
}

// The xids of the replies in `output` (after the handshake answer), leaving
// out notifications (-1) and the unsolicited replies the harness made.
std::vector<int32_t> ReplyXids(std::string_view output) {
  std::vector<int32_t> xids;
  bool first = true;
  while (true) {
    std::string_view payload;
    size_t used = 0;
    FUZZ_CHECK(PeekFrame(output, 1 << 20, &payload, &used).ok(), "the codec wrote a bad frame");
    if (used == 0) break;
    output.remove_prefix(used);
    if (first) {
      first = false;
      continue;
    }
    FUZZ_CHECK(payload.size() >= 16, "reply of %zu bytes", payload.size());
    int32_t xid = static_cast<int32_t>(ReadBigEndian32(payload.data()));
    if (xid != -1 && xid != kUnsolicitedXid) xids.push_back(xid);
  }
  FUZZ_CHECK(output.empty(), "a partial frame was written");
  return xids;
}

std::string Str(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t x : v) s += std::to_string(x) + " ";
  return s;
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  zk::ZkCounters counters;
  zk::ZkCodecOptions options;
  options.max_frame_bytes = static_cast<size_t>(in.Range(0, 1024));
  options.four_letter_words = {"ruok", "srvr", "stat", "mntr", "conf", "cons", "envi"};
  options.facts = Facts;
  options.counters = &counters;
  auto codec = zk::NewZkCodec(options);
  std::string input;
  std::string output;  // everything the server wrote
  // The session's pipeline: requests handed on, and the codec's own
  // answers to requests it refused, in request order.
  struct Slot {
    proto::Request request;
    std::optional<proto::Response> answer;
  };
  std::deque<Slot> pending;
  auto answer_front = [&] {
    const Slot& s = pending.front();
    codec->EncodeResponse(s.answer ? *s.answer : Answer(s.request, &in), &output);
    pending.pop_front();
  };
  std::string fed;           // every byte the client sent
  bool closing = false;
  bool broken = false;       // Decode failed
  bool closed_by_codec = false;
  bool refused = false;      // the handshake was answered with a refusal
  bool connected = false;
  while (!in.empty() && !closing) {
    if (in.Range(0, 3) != 0) {
      std::string chunk = in.Take(static_cast<size_t>(in.Range(0, 96)));
      fed += chunk;
      input += chunk;
    } else if (!pending.empty() && in.Bool()) {
      answer_front();  // the session pipeline answers in request order
    } else if (in.Bool()) {
      if (!connected) continue;  // watches exist only in an established session
      proto::WatchEvent ev;
      ev.set_type(static_cast<proto::EventType>(in.Range(0, 7)));
      ev.set_state(proto::SYNC_CONNECTED);
      ev.set_path("/a");
      codec->EncodeEvent(ev, &output);
    } else {
      proto::Response r;  // an answer nobody asked for (e.g. a late error)
      r.set_xid(kUnsolicitedXid);
      r.set_error(proto::CONNECTIONLOSS);
      codec->EncodeResponse(r, &output);
    }
    for (int i = 0; i < 64 && !closing; ++i) {
      const size_t before = input.size();
      net::Decoded out;
      Status s = codec->Decode(&input, &out);
      if (!s.ok()) {
        closing = broken = true;
        break;
      }
      FUZZ_CHECK(input.size() <= before, "Decode grew the input");
      switch (out.kind) {
        case net::Decoded::Kind::kNeedMore:
          i = 64;
          break;
        case net::Decoded::Kind::kConnect: {
          proto::ConnectResponse r;
          r.set_timeout_ms(in.Bool() ? out.connect.timeout_ms() : 0);
          r.set_session_id(0x1234);
          r.set_password(std::string(16, 'p'));
          if (in.Range(0, 7) == 0) r.set_error(proto::SESSIONEXPIRED);
          refused = r.timeout_ms() <= 0 || r.error() != proto::OK;
          connected = !refused;
          codec->EncodeConnect(r, &output);
          break;
        }
        case net::Decoded::Kind::kRequest:
          pending.push_back({out.request, std::nullopt});
          break;
        case net::Decoded::Kind::kAnswered:
          FUZZ_CHECK(connected, "a refused request answered without a session");
          pending.push_back({proto::Request(), out.answer});
          break;
        case net::Decoded::Kind::kRaw:
          output += out.raw;
          closing = closed_by_codec = out.close_after;
          break;
      }
    }
    // Whatever was written is whole frames, unless a four-letter word's
    // plain text answer went out.
    FUZZ_CHECK(output.size() < (64u << 20), "output grows without bound");
  }
  if (fed.size() >= 4 && zk::IsFourLetterWord(std::string_view(fed).substr(0, 4))) return 0;
  if (closed_by_codec) return 0;  // replies still pending are lost with the connection
  // Drain: every pending request gets its answer after all.
  while (!pending.empty()) answer_front();
  bool connect = false;
  std::vector<int32_t> expected = ExpectedXids(std::string_view(fed).substr(0, fed.size() - input.size()), &connect);
  std::vector<int32_t> got = ReplyXids(output);
  expected.erase(std::remove_if(expected.begin(), expected.end(),
                                [](int32_t x) { return x == -1 || x == kUnsolicitedXid; }),
                 expected.end());
  if (!connect || refused || broken) {
    // Nothing is answered before a handshake, after a refusal or after a
    // stream error; before the error, replies keep their order.
    FUZZ_CHECK(got.size() <= expected.size() && std::equal(got.begin(), got.end(), expected.begin()),
               "replies out of order before a stream error: got [%s] expected [%s]", Str(got).c_str(),
               Str(expected).c_str());
    if (!connect || refused) FUZZ_CHECK(got.empty(), "a reply without a session");
    return 0;
  }
  FUZZ_CHECK(got == expected, "replies [%s] for requests [%s]", Str(got).c_str(), Str(expected).c_str());
  return 0;
}
