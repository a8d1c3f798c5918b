// Writes the seed corpus (test/fuzz/corpus/<target>/seed-*): small, valid
// inputs in each target's input format, so the fuzzers start from real
// ZooKeeper frames (kazoo's bytes from test/unit/zk_wire), native frames,
// peer frames, log records and snapshots instead of from nothing; and the
// hand-built regression inputs (regress-*) whose defects need exact field
// values. Regression inputs the fuzzers found are copied in as they were.
//   build/bin/fuzz_seed_gen test/fuzz/corpus
// Not run by CI: its output is committed. Rerun after changing an input
// format (the FuzzOut calls mirror each target's FuzzInput reads).
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/byte_stream.h"
#include "common/frame.h"
#include "proto/peer.pb.h"
#include "server/storage/log_record.h"
#include "server/tree/snapshot_codec.h"
#include "server/tree/state_machine.h"
#include "test/unit/zk_wire/golden_vectors.inc"

namespace {

// The inverse of FuzzInput: writes values so that FuzzInput reads them back.
class FuzzOut {
 public:
  FuzzOut& Byte(uint8_t b) { s_.push_back(static_cast<char>(b)); return *this; }
  FuzzOut& Range(int64_t lo, int64_t hi, int64_t v) {
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t x = static_cast<uint64_t>(v) - static_cast<uint64_t>(lo);
    int n = 0;
    for (uint64_t s = span; s != 0; s >>= 8) ++n;
    for (int i = n - 1; i >= 0; --i) Byte(static_cast<uint8_t>(x >> (8 * i)));
    return *this;
  }
  FuzzOut& Raw(const std::string& b) { s_ += b; return *this; }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

std::string g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes,
           const char* kind = "seed-") {
  std::string dir = g_root + "/" + target;
  mkdir(dir.c_str(), 0755);
  std::string path = dir + "/" + kind + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) { std::perror(path.c_str()); std::exit(1); }
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// Feeds `stream` in chunks of at most `max_chunk` bytes, each chunk preceded
// by `prefix` (the harness's "client sends" choice) and its length.
void Chunks(FuzzOut* o, const std::string& stream, int64_t max_chunk, int prefix) {
  for (size_t at = 0; at < stream.size();) {
    size_t n = std::min<size_t>(static_cast<size_t>(max_chunk), stream.size() - at);
    if (prefix >= 0) o->Byte(static_cast<uint8_t>(prefix));
    o->Range(0, max_chunk, static_cast<int64_t>(n)).Raw(stream.substr(at, n));
    at += n;
  }
}

arbor::proto::Acl OpenAcl() {
  arbor::proto::Acl a;
  a.set_perms(arbor::proto::PERM_ALL);
  a.mutable_id()->set_scheme("world");
  a.mutable_id()->set_id("anyone");
  return a;
}

arbor::proto::LogEntry CreateEntry(const std::string& path, arbor::proto::CreateMode mode) {
  arbor::proto::LogEntry e;
  e.set_format_version(arbor::proto::LOG_FORMAT_V1);
  e.set_time_ms(2000);
  e.set_session_id(1);
  e.set_xid(7);
  auto* c = e.mutable_request()->mutable_create();
  c->set_path(path);
  c->set_data("v");
  c->set_mode(mode);
  *c->add_acl() = OpenAcl();
  return e;
}

std::string SmallSnapshot() {
  arbor::tree::StateMachine sm;
  int64_t zxid = 0;
  arbor::proto::LogEntry s;
  s.set_format_version(arbor::proto::LOG_FORMAT_V1);
  s.mutable_create_session()->set_session_id(1);
  s.mutable_create_session()->set_timeout_ms(5000);
  s.mutable_create_session()->set_password("pw");
  (void)sm.Apply(s, ++zxid);
  for (auto [p, m] : std::vector<std::pair<const char*, arbor::proto::CreateMode>>{
           {"/a", arbor::proto::PERSISTENT}, {"/a/e", arbor::proto::EPHEMERAL},
           {"/c", arbor::proto::CONTAINER}, {"/c/k", arbor::proto::PERSISTENT}}) {
    (void)sm.Apply(CreateEntry(p, m), ++zxid);
  }
  arbor::proto::LogEntry t = CreateEntry("/t", arbor::proto::PERSISTENT_WITH_TTL);
  t.mutable_request()->mutable_create()->set_ttl_ms(60000);
  (void)sm.Apply(t, ++zxid);
  std::string out;
  arbor::StringSink sink(&out);
  (void)sm.Save(&sink);
  return out;
}

void Jute() {
  using namespace golden;
  const std::vector<std::pair<const char*, const std::string*>> requests = {
      {"create", &kKazooCreate},   {"create2", &kKazooCreate2},   {"delete", &kKazooDelete},
      {"exists", &kKazooExists},   {"getdata", &kKazooGetData},   {"setdata", &kKazooSetData},
      {"getacl", &kKazooGetAcl},   {"setacl", &kKazooSetAcl},     {"children", &kKazooGetChildren},
      {"sync", &kKazooSync},       {"children2", &kKazooGetChildren2}, {"ping", &kKazooPing},
      {"close", &kKazooClose},     {"auth", &kKazooAuth},         {"multi", &kKazooTransaction},
      {"reconfig", &kKazooReconfig}, {"sasl", &kKazooSasl},       {"setwatches2", &kSetWatches2Request},
      {"addwatch", &kAddWatchRequest}, {"createttl", &kCreateTtlRequest}, {"whoami", &kWhoAmIRequest}};
  Write("jute", "connect-new", std::string(1, '\0') + kKazooConnectNew.substr(4));
  Write("jute", "connect-resume", std::string(1, '\0') + kKazooConnectResume.substr(4));
  std::string stream = kKazooConnectNew;
  for (const auto& [name, frame] : requests) {
    Write("jute", std::string("req-") + name, std::string(1, '\1') + frame->substr(4));
    stream += *frame;
  }
  FuzzOut s;
  s.Byte(2).Range(0, 300, 300);
  Chunks(&s, stream.substr(49), 64, -1);  // the request frames, cut in pieces
  Write("jute", "frames", s.str());
  const std::vector<std::tuple<const char*, int64_t, const std::string*>> replies = {
      {"create", 0, &kCreateReply}, {"create2", 13, &kCreate2Reply}, {"children2", 10, &kGetChildren2Reply},
      {"getdata", 3, &kGetDataReply}, {"multi", 12, &kMultiOkReply}, {"multifail", 12, &kMultiFailedReply},
      {"event", 0, &kWatchEventFrame}, {"connect", 0, &kConnectResponse41}};
  for (const auto& [name, pick, frame] : replies) {
    FuzzOut o;
    o.Byte(3).Range(0, 29, pick).Range(0, 4, 0).Raw(frame->substr(4));
    Write("jute", std::string("reply-") + name, o.str());
  }
}

void ZkCodec() {
  using namespace golden;
  std::string session = kKazooConnectNew + kKazooCreate + kKazooGetData + kKazooTransaction + kKazooSasl +
                        kKazooSetData + kKazooPing + kKazooClose;
  FuzzOut o;
  o.Range(0, 1024, 1024).Range(0, 8, 8);
  Chunks(&o, session, 96, 1);
  for (int i = 0; i < 8; ++i) o.Byte(0).Byte(1).Byte(0);  // the server answers
  Write("zk_codec", "session", o.str());
  for (const char* word : {"ruok", "srvr", "mntr", "cons", "wchs", "xxxx"}) {
    FuzzOut w;
    w.Range(0, 1024, 1024).Range(0, 8, 8).Byte(1).Range(0, 96, 4).Raw(word);
    Write("zk_codec", std::string("4lw-") + word, w.str());
  }
}

void Native() {
  using namespace arbor;
  std::string stream;
  proto::ClientFrame hello;
  hello.mutable_connect()->set_timeout_ms(10000);
  AppendFrame(hello.SerializeAsString(), &stream);
  proto::ClientFrame req;
  req.mutable_request()->set_xid(1);
  *req.mutable_request()->mutable_create() = CreateEntry("/a", proto::PERSISTENT).request().create();
  AppendFrame(req.SerializeAsString(), &stream);
  proto::ClientFrame get;
  get.mutable_request()->set_xid(2);
  get.mutable_request()->mutable_get_data()->set_path("/a");
  AppendFrame(get.SerializeAsString(), &stream);
  FuzzOut o;
  o.Range(0, 512, 512);
  Chunks(&o, stream, 128, -1);
  Write("native_codec", "session", o.str());
}

void Peer() {
  using namespace arbor;
  std::string stream;
  proto::PeerFrame hello;
  hello.mutable_hello()->set_server_id(2);
  hello.mutable_hello()->set_cluster_name("arbor");
  AppendFrame(hello.SerializeAsString(), &stream);
  proto::PeerFrame session;
  proto::LogEntry open;
  open.set_format_version(proto::LOG_FORMAT_V1);
  open.mutable_create_session()->set_session_id(1);
  open.mutable_create_session()->set_timeout_ms(5000);
  *session.mutable_forward()->mutable_entry() = open;
  AppendFrame(session.SerializeAsString(), &stream);
  proto::PeerFrame fwd;
  *fwd.mutable_forward()->mutable_entry() = CreateEntry("/a", proto::PERSISTENT);
  AppendFrame(fwd.SerializeAsString(), &stream);
  proto::PeerFrame raft;
  raft.mutable_raft()->set_type(raft::MSG_APP);
  raft.mutable_raft()->set_term(3);
  raft.mutable_raft()->add_entries()->set_data(CreateEntry("/b", proto::PERSISTENT).SerializeAsString());
  AppendFrame(raft.SerializeAsString(), &stream);
  proto::PeerFrame hb;
  hb.mutable_heartbeats()->add_session_ids(1);
  AppendFrame(hb.SerializeAsString(), &stream);
  proto::PeerFrame chunk;
  chunk.mutable_snapshot_chunk()->set_data("ARBORSNP");
  chunk.mutable_snapshot_chunk()->set_last(true);
  AppendFrame(chunk.SerializeAsString(), &stream);
  FuzzOut o;
  o.Range(0, 4096, 4096);
  Chunks(&o, stream, 256, -1);
  Write("peer_frame", "stream", o.str());
}

void LogEntries() {
  using namespace arbor;
  FuzzOut o;
  auto record = [&](uint8_t how, const std::string& bytes) { o.Byte(how).Range(0, 2048, bytes.size()).Raw(bytes); };
  record(0, CreateEntry("/a/b", proto::PERSISTENT).SerializeAsString());
  record(0, CreateEntry("/c/", proto::EPHEMERAL_SEQUENTIAL).SerializeAsString());
  proto::LogEntry multi = CreateEntry("/x", proto::PERSISTENT);
  proto::MultiRequest* m = multi.mutable_request()->mutable_multi();
  *m->add_ops()->mutable_create() = multi.request().create();
  m->add_ops()->mutable_delete_()->set_path("/c/x");
  m->mutable_ops(1)->mutable_delete_()->set_version(-1);
  m->add_ops()->mutable_set_data()->set_path("/a");
  m->mutable_ops(2)->mutable_set_data()->set_version(-1);
  raft::Entry framed;
  framed.set_term(1);
  framed.set_index(9);
  framed.set_data(multi.SerializeAsString());
  record(2, framed.SerializeAsString());
  proto::LogEntry reap;
  reap.set_format_version(proto::LOG_FORMAT_V1);
  reap.set_time_ms(100000);
  reap.mutable_reap();
  framed.set_index(10);
  framed.set_data(reap.SerializeAsString());
  record(1, storage::EncodeMessage(framed));
  proto::LogEntry close;
  close.set_format_version(proto::LOG_FORMAT_V1);
  close.mutable_close_session()->set_session_id(1);
  record(0, close.SerializeAsString());
  Write("log_entry", "records", o.str());
}

void Snapshots() {
  std::string snap = SmallSnapshot();
  Write("tree_snapshot", "small", std::string(1, '\0') + snap);
  Write("tree_snapshot", "small-fixcrc", std::string(1, '\1') + snap);
  arbor::tree::StateMachine empty;
  std::string e;
  arbor::StringSink sink(&e);
  (void)empty.Save(&sink);
  Write("tree_snapshot", "empty", std::string(1, '\0') + e);
  arbor::raft::SnapshotMetadata meta;
  meta.set_index(6);
  meta.set_term(1);
  std::string m = meta.SerializeAsString();
  FuzzOut o;
  o.Byte(1).Byte(static_cast<uint8_t>(m.size())).Raw(m).Raw(std::string(5, '\0')).Raw(snap);
  Write("snapshot_file", "small", o.str());
}

void StateMachineSeeds() {
  // The op stream is structure-aware: any bytes are a program. A fixed
  // pseudo-random start gives the fuzzer sessions, creates and multis.
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int n : {64, 256, 1024}) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      s.push_back(static_cast<char>(x));
    }
    Write("state_machine", "random-" + std::to_string(n), s);
  }
}

// Hand-built tree snapshots (docs/TREE.md layout) for the regression inputs
// whose defects need exact field values a mutator rarely finds.
class SnapBuilder {
 public:
  SnapBuilder(int64_t zxid, const std::vector<int64_t>& sessions) : w_(&sink_) {
    w_.Raw("ARBORSNP");
    w_.U32(1);
    w_.I64(zxid);
    w_.U64(sessions.size());
    for (int64_t id : sessions) {
      w_.I64(id);
      w_.I32(5000);
      w_.Bytes("pw");
    }
    w_.U32(1);  // one ACL list: world:anyone ALL
    w_.U32(1);
    w_.I32(31);
    w_.Bytes("world");
    w_.Bytes("anyone");
  }
  SnapBuilder& Count(uint64_t nodes) { w_.U64(nodes); return *this; }
  SnapBuilder& Node(const std::string& name, int64_t owner, int64_t mtime, int32_t cversion, uint32_t kids) {
    w_.Bytes(name);
    for (int64_t v : {int64_t{1}, int64_t{1}, int64_t{1}, int64_t{0}, mtime, owner}) w_.I64(v);
    w_.I32(0);
    w_.I32(cversion);
    w_.I32(0);
    w_.U32(0);
    w_.Bytes("");
    w_.U32(kids);
    return *this;
  }
  std::string Finish() {
    (void)w_.Finish();
    return out_;
  }

 private:
  std::string out_;
  arbor::StringSink sink_{&out_};
  arbor::tree::SnapshotWriter w_;
};

constexpr int64_t kTtl5 = static_cast<int64_t>(0xFF00000000000005ull);

void Regressions() {
  using namespace arbor;
  // 1. A TTL node whose mtime + ttl overflows int64 (UBSan: signed overflow
  //    in DataTree::ReapIndex while loading).
  Write("tree_snapshot", "ttl-mtime-overflow",
        std::string(1, '\0') + SnapBuilder(3, {}).Count(3).Node("", 0, 0, 1, 2)
                                   .Node("t", kTtl5, INT64_MAX, 0, 0).Node("zookeeper", 0, 0, 0, 0).Finish(),
        "regress-");
  // 2. The root a TTL node and /zookeeper an ephemeral: ending the session
  //    deletes /zookeeper, reaping then deletes the root (crash).
  Write("tree_snapshot", "builtin-not-persistent",
        std::string(1, '\0') + SnapBuilder(3, {1}).Count(2).Node("", kTtl5, 0, 1, 1)
                                   .Node("zookeeper", 1, 0, 0, 0).Finish(),
        "regress-");
  // 3. An applied create of a TTL node at time INT64_MAX (the same overflow
  //    reached through Apply).
  {
    proto::LogEntry e = CreateEntry("/ttl", proto::PERSISTENT_WITH_TTL);
    e.set_time_ms(INT64_MAX);
    e.mutable_request()->mutable_create()->set_ttl_ms(5);
    std::string bytes = e.SerializeAsString();
    FuzzOut o;
    o.Byte(0).Range(0, 2048, static_cast<int64_t>(bytes.size())).Raw(bytes);
    Write("log_entry", "ttl-time-overflow", o.str(), "regress-");
  }
  // 4. A peer forwards an entry of format 0 (or with an op this version does
  //    not know): proposed as is, Apply refuses it on every replica and
  //    ArborServer::ApplyEntry CHECK-fails everywhere (a core defect,
  //    docs/SECURITY.md); the harness screens with StateMachine::CheckEntry.
  {
    std::string stream;
    proto::PeerFrame hello;
    hello.mutable_hello()->set_server_id(2);
    hello.mutable_hello()->set_cluster_name("arbor");
    AppendFrame(hello.SerializeAsString(), &stream);
    proto::PeerFrame fwd;
    fwd.mutable_forward()->mutable_entry()->mutable_noop();
    AppendFrame(fwd.SerializeAsString(), &stream);
    FuzzOut o;
    o.Range(0, 4096, 4096);
    Chunks(&o, stream, 256, -1);
    Write("peer_frame", "forward-format-0", o.str(), "regress-");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  mkdir(g_root.c_str(), 0755);
  Jute();
  ZkCodec();
  Native();
  Peer();
  LogEntries();
  Snapshots();
  StateMachineSeeds();
  Regressions();
  return 0;
}
