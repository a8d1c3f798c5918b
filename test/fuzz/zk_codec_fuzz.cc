// Target zk_codec: the ZooKeeper server codec as a whole
// (server/zk/zk_codec.cc) through net::ClientCodec::Decode: four-letter
// words, the handshake, requests, codec-answered rejects queued behind
// pending replies, and the server's answers, in the order a connection sees
// them. Input bytes alternate between "the client sends N bytes" and "the
// server answers / sends an event", so replies and rejects interleave.
#include <glog/logging.h>

#include <deque>
#include <string>

#include "common/frame.h"
#include "server/zk/zk_codec.h"
#include "test/fuzz/fuzz_input.h"

namespace arbor::fuzz {
namespace {

zk::ServerFacts Facts() {
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
  std::deque<proto::Request> pending;
  bool closing = false;
  while (!in.empty() && !closing) {
    if (in.Range(0, 3) != 0) {
      input += in.Take(static_cast<size_t>(in.Range(0, 96)));
    } else if (!pending.empty() && in.Bool()) {
      // The session pipeline answers in request order.
      codec->EncodeResponse(Answer(pending.front(), &in), &output);
      pending.pop_front();
    } else if (in.Bool()) {
      proto::WatchEvent ev;
      ev.set_type(static_cast<proto::EventType>(in.Range(0, 7)));
      ev.set_state(proto::SYNC_CONNECTED);
      ev.set_path("/a");
      codec->EncodeEvent(ev, &output);
    } else {
      proto::Response r;  // an answer nobody asked for (e.g. a late error)
      r.set_xid(static_cast<int32_t>(in.U32()));
      r.set_error(proto::CONNECTIONLOSS);
      codec->EncodeResponse(r, &output);
    }
    for (int i = 0; i < 64 && !closing; ++i) {
      const size_t before = input.size();
      net::Decoded out;
      Status s = codec->Decode(&input, &out);
      if (!s.ok()) {
        closing = true;
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
          codec->EncodeConnect(r, &output);
          break;
        }
        case net::Decoded::Kind::kRequest:
          pending.push_back(out.request);
          break;
        case net::Decoded::Kind::kRaw:
          output += out.raw;
          closing = out.close_after;
          break;
      }
    }
    // Whatever was written is whole frames, unless a four-letter word's
    // plain text answer went out.
    FUZZ_CHECK(output.size() < (64u << 20), "output grows without bound");
  }
  // Drain: every pending request gets its answer after all.
  while (!pending.empty()) {
    codec->EncodeResponse(Answer(pending.front(), &in), &output);
    pending.pop_front();
  }
  return 0;
}
