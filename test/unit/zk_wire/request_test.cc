// Request decoding (server side) and encoding (client side): kazoo's bytes,
// hand-built records, a round trip for every opcode, and the rejections.
#include "common/zk_wire/create_mode.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "test/unit/zk_wire/golden_vectors.inc"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Bytes;
using testing::Payload;

ZkRequest MustDecode(const std::string& frame) {
  auto r = DecodeRequest(Payload(frame));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return ZkRequest{};
  EXPECT_EQ(r->reject, proto::OK) << r->reject_reason;
  return std::move(r).value();
}

proto::Acl MakeAcl(int perms, const std::string& scheme, const std::string& id) {
  proto::Acl a;
  a.set_perms(perms);
  a.mutable_id()->set_scheme(scheme);
  a.mutable_id()->set_id(id);
  return a;
}

void AddDigestAcls(google::protobuf::RepeatedPtrField<proto::Acl>* acls) {
  *acls->Add() = MakeAcl(1, "digest", "bob:x/y+z=");
  *acls->Add() = MakeAcl(31, "auth", "");  // kazoo writes "" as a null string
}

TEST(ZkWireRequestGolden, KazooCreateIsEphemeralSequentialWithOpenAcl) {
  ZkRequest zk = MustDecode(golden::kKazooCreate);
  EXPECT_EQ(zk.context.opcode, op::kCreate);
  proto::Request want;
  want.set_xid(1);
  proto::CreateRequest* c = want.mutable_create();
  c->set_path("/app/node");
  c->set_data("hello");
  *c->add_acl() = MakeAcl(31, "world", "anyone");
  c->set_mode(proto::EPHEMERAL_SEQUENTIAL);
  EXPECT_PROTO_EQ(want, zk.request);
  // And our encoder writes exactly kazoo's bytes.
  std::string out;
  ASSERT_TRUE(EncodeRequest(want, op::kCreate, &out).ok());
  EXPECT_BYTES_EQ(golden::kKazooCreate, out);
}

TEST(ZkWireRequestGolden, KazooCreate2WithNullStringsInAcl) {
  ZkRequest zk = MustDecode(golden::kKazooCreate2);
  EXPECT_EQ(zk.context.opcode, op::kCreate2);
  proto::Request want;
  want.set_xid(2);
  want.mutable_create()->set_path("/a");
  AddDigestAcls(want.mutable_create()->mutable_acl());
  EXPECT_PROTO_EQ(want, zk.request);
}

TEST(ZkWireRequestGolden, KazooSimpleOps) {
  proto::Request want;
  want.set_xid(3);
  want.mutable_delete_()->set_path("/a/b");
  want.mutable_delete_()->set_version(7);
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooDelete).request);

  want.Clear();
  want.set_xid(4);
  want.mutable_exists()->set_path("/e");
  want.mutable_exists()->set_watch(true);
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooExists).request);

  want.Clear();
  want.set_xid(5);
  want.mutable_get_data()->set_path("/g");
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooGetData).request);

  want.Clear();
  want.set_xid(6);
  want.mutable_set_data()->set_path("/s");
  want.mutable_set_data()->set_data(std::string("\x00\xff", 2));
  want.mutable_set_data()->set_version(-1);
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooSetData).request);

  want.Clear();
  want.set_xid(7);
  want.mutable_get_acl()->set_path("/acl");
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooGetAcl).request);

  want.Clear();
  want.set_xid(8);
  want.mutable_set_acl()->set_path("/acl");
  AddDigestAcls(want.mutable_set_acl()->mutable_acl());
  want.mutable_set_acl()->set_version(2);
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooSetAcl).request);

  want.Clear();
  want.set_xid(9);
  want.mutable_get_children()->set_path("/c");
  want.mutable_get_children()->set_watch(true);
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooGetChildren).request);

  want.Clear();
  want.set_xid(10);
  want.mutable_sync()->set_path("/");
  EXPECT_PROTO_EQ(want, MustDecode(golden::kKazooSync).request);

  want.Clear();
  want.set_xid(11);
  want.mutable_get_children()->set_path("/c2");
  want.mutable_get_children()->set_with_stat(true);
  ZkRequest gc2 = MustDecode(golden::kKazooGetChildren2);
  EXPECT_EQ(gc2.context.opcode, op::kGetChildren2);
  EXPECT_PROTO_EQ(want, gc2.request);
}

TEST(ZkWireRequestGolden, KazooPingCloseAndAuth) {
  ZkRequest ping = MustDecode(golden::kKazooPing);
  EXPECT_EQ(ping.request.xid(), xid::kPing);
  EXPECT_TRUE(ping.request.has_ping());
  ZkRequest close = MustDecode(golden::kKazooClose);
  EXPECT_EQ(close.context.opcode, op::kCloseSession);
  EXPECT_TRUE(close.request.has_close_session());
  ZkRequest auth = MustDecode(golden::kKazooAuth);
  EXPECT_EQ(auth.request.xid(), xid::kAuth);
  EXPECT_EQ(auth.request.auth().scheme(), "digest");
  EXPECT_EQ(auth.request.auth().auth(), "bob:secret");
  std::string out;
  ASSERT_TRUE(EncodeRequest(auth.request, 0, &out).ok());
  EXPECT_BYTES_EQ(golden::kKazooAuth, out);
}

TEST(ZkWireRequestGolden, KazooTransaction) {
  ZkRequest zk = MustDecode(golden::kKazooTransaction);
  EXPECT_EQ(zk.context.opcode, op::kMulti);
  proto::Request want;
  want.set_xid(13);
  proto::MultiRequest* m = want.mutable_multi();
  proto::CreateRequest* c = m->add_ops()->mutable_create();
  c->set_path("/t/x");
  c->set_data("1");
  *c->add_acl() = MakeAcl(31, "world", "anyone");
  m->add_ops()->mutable_check()->set_path("/t");
  m->mutable_ops(1)->mutable_check()->set_version(4);
  proto::SetDataRequest* s = m->add_ops()->mutable_set_data();
  s->set_path("/t");
  s->set_data("2");
  s->set_version(4);
  m->add_ops()->mutable_delete_()->set_path("/t/y");
  m->mutable_ops(3)->mutable_delete_()->set_version(-1);
  EXPECT_PROTO_EQ(want, zk.request);
  EXPECT_EQ(zk.context.multi_result_types,
            (std::vector<int32_t>{op::kCreate, op::kCheck, op::kSetData, op::kDelete}));
  std::string out;
  auto ctx = EncodeRequest(want, 0, &out);
  ASSERT_TRUE(ctx.ok());
  EXPECT_BYTES_EQ(golden::kKazooTransaction, out);
  EXPECT_EQ(ctx->multi_result_types, zk.context.multi_result_types);
}

TEST(ZkWireRequestGolden, HandBuiltSetWatches2AddWatchCreateTtlWhoAmI) {
  ZkRequest sw = MustDecode(golden::kSetWatches2Request);
  EXPECT_EQ(sw.context.opcode, op::kSetWatches2);
  EXPECT_EQ(sw.request.xid(), xid::kSetWatches);
  proto::Request want;
  want.set_xid(xid::kSetWatches);
  proto::SetWatchesRequest* s = want.mutable_set_watches();
  s->set_relative_zxid(0x500);
  s->add_data_watches("/d");
  s->add_child_watches("/c1");
  s->add_child_watches("/c2");
  s->add_persistent_watches("/p");
  s->add_persistent_recursive_watches("/r");
  EXPECT_PROTO_EQ(want, sw.request);
  std::string out;
  ASSERT_TRUE(EncodeRequest(want, 0, &out).ok());
  EXPECT_BYTES_EQ(golden::kSetWatches2Request, out);

  ZkRequest aw = MustDecode(golden::kAddWatchRequest);
  EXPECT_EQ(aw.request.add_watch().path(), "/aw");
  EXPECT_EQ(aw.request.add_watch().mode(), proto::ADD_WATCH_PERSISTENT_RECURSIVE);

  ZkRequest ttl = MustDecode(golden::kCreateTtlRequest);
  EXPECT_EQ(ttl.context.opcode, op::kCreateTtl);
  EXPECT_EQ(ttl.request.create().mode(), proto::PERSISTENT_WITH_TTL);
  EXPECT_EQ(ttl.request.create().ttl_ms(), 60000);
  out.clear();
  ASSERT_TRUE(EncodeRequest(ttl.request, 0, &out).ok());
  EXPECT_BYTES_EQ(golden::kCreateTtlRequest, out);

  ZkRequest who = MustDecode(golden::kWhoAmIRequest);
  EXPECT_TRUE(who.request.has_who_am_i());
  EXPECT_EQ(who.request.xid(), 22);
}

TEST(ZkWireRequestGolden, DeleteContainerIsRefusedAsZooKeeperDoes) {
  // The body is the raw path (no length prefix), as ZooKeeper's own
  // ContainerManager writes it; from a client ZooKeeper 3.8 answers
  // BADARGUMENTS (it reads the whole packet as the path), and so does Arbor.
  const std::string frame_payload = Bytes().Int(30).Int(op::kDeleteContainer).Raw("/box").data;
  auto r = DecodeRequest(frame_payload);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reject, proto::BADARGUMENTS) << r->reject_reason;
  EXPECT_EQ(r->request.op_case(), proto::Request::OP_NOT_SET);
}

// ---- one round trip per opcode ---------------------------------------------

struct Case {
  int32_t opcode;
  proto::Request request;
};

std::vector<Case> EveryOpcode() {
  std::vector<Case> cases;
  auto add = [&](int32_t opcode, auto fill) {
    Case c{opcode, {}};
    c.request.set_xid(static_cast<int32_t>(cases.size()) + 100);
    fill(&c.request);
    cases.push_back(std::move(c));
  };
  auto create = [](proto::CreateMode mode, int64_t ttl) {
    return [=](proto::Request* r) {
      proto::CreateRequest* c = r->mutable_create();
      c->set_path("/n");
      c->set_data(std::string("d\0ta", 4));
      *c->add_acl() = MakeAcl(31, "world", "anyone");
      *c->add_acl() = MakeAcl(1, "digest", "u:hash");
      c->set_mode(mode);
      c->set_ttl_ms(ttl);
    };
  };
  add(op::kCreate, create(proto::PERSISTENT_SEQUENTIAL, 0));
  add(op::kCreate2, create(proto::EPHEMERAL, 0));
  add(op::kCreateContainer, create(proto::CONTAINER, 0));
  add(op::kCreateTtl, create(proto::PERSISTENT_SEQUENTIAL_WITH_TTL, 1234));
  add(op::kDelete, [](proto::Request* r) { r->mutable_delete_()->set_path("/d"); r->mutable_delete_()->set_version(3); });
  add(op::kDeleteContainer, [](proto::Request* r) {
    r->mutable_delete_()->set_path("/box");
    r->mutable_delete_()->set_version(-1);
    r->mutable_delete_()->set_container_only(true);
  });
  add(op::kExists, [](proto::Request* r) { r->mutable_exists()->set_path("/e"); r->mutable_exists()->set_watch(true); });
  add(op::kGetData, [](proto::Request* r) { r->mutable_get_data()->set_path("/g"); });
  add(op::kSetData, [](proto::Request* r) { r->mutable_set_data()->set_path("/s"); r->mutable_set_data()->set_data("v"); r->mutable_set_data()->set_version(9); });
  add(op::kGetAcl, [](proto::Request* r) { r->mutable_get_acl()->set_path("/a"); });
  add(op::kSetAcl, [](proto::Request* r) {
    r->mutable_set_acl()->set_path("/a");
    *r->mutable_set_acl()->add_acl() = MakeAcl(17, "ip", "10.0.0.1");
    r->mutable_set_acl()->set_version(4);
  });
  add(op::kGetChildren, [](proto::Request* r) { r->mutable_get_children()->set_path("/c"); r->mutable_get_children()->set_watch(true); });
  add(op::kGetChildren2, [](proto::Request* r) { r->mutable_get_children()->set_path("/c"); r->mutable_get_children()->set_with_stat(true); });
  add(op::kSync, [](proto::Request* r) { r->mutable_sync()->set_path("/"); });
  add(op::kPing, [](proto::Request* r) { r->set_xid(xid::kPing); r->mutable_ping(); });
  add(op::kCheck, [](proto::Request* r) { r->mutable_check()->set_path("/k"); r->mutable_check()->set_version(2); });
  add(op::kMulti, [create](proto::Request* r) {
    proto::Request tmp;
    create(proto::PERSISTENT, 0)(&tmp);
    proto::MultiRequest* m = r->mutable_multi();
    *m->add_ops()->mutable_create() = tmp.create();
    create(proto::CONTAINER, 0)(&tmp);
    *m->add_ops()->mutable_create() = tmp.create();
    m->add_ops()->mutable_delete_()->set_path("/d");
    m->add_ops()->mutable_set_data()->set_path("/s");
    m->add_ops()->mutable_check()->set_path("/c");
  });
  add(op::kMultiRead, [](proto::Request* r) {
    proto::MultiRequest* m = r->mutable_multi();
    m->set_read_only(true);
    m->add_ops()->mutable_get_data()->set_path("/x");
    m->add_ops()->mutable_get_children()->set_path("/y");
  });
  add(op::kCheckWatches, [](proto::Request* r) { r->mutable_check_watches()->set_path("/w"); r->mutable_check_watches()->set_type(proto::WATCHER_DATA); });
  add(op::kRemoveWatches, [](proto::Request* r) { r->mutable_remove_watches()->set_path("/w"); r->mutable_remove_watches()->set_type(proto::WATCHER_ANY); });
  add(op::kAuth, [](proto::Request* r) { r->set_xid(xid::kAuth); r->mutable_auth()->set_scheme("digest"); r->mutable_auth()->set_auth("u:p"); });
  add(op::kSetWatches, [](proto::Request* r) {
    r->set_xid(xid::kSetWatches);
    r->mutable_set_watches()->set_relative_zxid(99);
    r->mutable_set_watches()->add_exist_watches("/x");
  });
  add(op::kSetWatches2, [](proto::Request* r) {
    r->set_xid(xid::kSetWatches);
    r->mutable_set_watches()->add_persistent_recursive_watches("/r");
  });
  add(op::kGetEphemerals, [](proto::Request* r) { r->mutable_get_ephemerals()->set_prefix_path("/e"); });
  add(op::kGetAllChildrenNumber, [](proto::Request* r) { r->mutable_get_all_children_number()->set_path("/n"); });
  add(op::kAddWatch, [](proto::Request* r) { r->mutable_add_watch()->set_path("/p"); r->mutable_add_watch()->set_mode(proto::ADD_WATCH_PERSISTENT); });
  add(op::kWhoAmI, [](proto::Request* r) { r->mutable_who_am_i(); });
  add(op::kCloseSession, [](proto::Request* r) { r->mutable_close_session(); });
  return cases;
}

TEST(ZkWireRequestRoundTrip, EveryOpcode) {
  const std::vector<Case> cases = EveryOpcode();
  EXPECT_EQ(cases.size(), 28u);
  for (const Case& c : cases) {
    SCOPED_TRACE(OpName(c.opcode));
    std::string out;
    auto sent = EncodeRequest(c.request, c.opcode, &out);
    ASSERT_TRUE(sent.ok()) << sent.status().ToString();
    auto got = DecodeRequest(Payload(out));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (c.opcode == op::kDeleteContainer) {  // encodes, but a server refuses it (as ZooKeeper)
      EXPECT_EQ(got->reject, proto::BADARGUMENTS);
      continue;
    }
    ASSERT_EQ(got->reject, proto::OK) << got->reject_reason;
    EXPECT_EQ(got->context.opcode, c.opcode);
    EXPECT_EQ(got->context.multi_result_types, sent->multi_result_types);
    EXPECT_PROTO_EQ(c.request, got->request);
  }
}

TEST(ZkWireRequestEncode, DefaultOpcodesFollowTheOp) {
  const std::vector<Case> cases = EveryOpcode();
  for (const Case& c : cases) {
    std::string out;
    auto sent = EncodeRequest(c.request, 0, &out);
    ASSERT_TRUE(sent.ok());
    const int32_t natural = c.opcode == op::kCreate ? op::kCreate2
                            : c.opcode == op::kSetWatches ? op::kSetWatches2
                                                          : c.opcode;
    EXPECT_EQ(sent->opcode, natural) << OpName(c.opcode);
  }
}

TEST(ZkWireRequestEncode, RefusesAnOpcodeThatCannotCarryTheOp) {
  proto::Request r;
  r.mutable_get_data()->set_path("/x");
  std::string out;
  EXPECT_FALSE(EncodeRequest(r, op::kCreate, &out).ok());
  r.Clear();
  r.mutable_set_watches()->add_persistent_watches("/p");
  EXPECT_FALSE(EncodeRequest(r, op::kSetWatches, &out).ok()) << "setWatches has no persistent lists";
  r.Clear();
  r.mutable_multi()->add_ops()->mutable_get_data()->set_path("/x");  // read op, write multi
  EXPECT_FALSE(EncodeRequest(r, op::kMulti, &out).ok());
  EXPECT_TRUE(out.empty());
}

// ---- rejections ------------------------------------------------------------

ZkRequest MustDecodePayload(const std::string& payload) {
  auto r = DecodeRequest(payload);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : ZkRequest{};
}

std::string CreatePayload(int32_t opcode, int32_t flags, int64_t ttl = 0) {
  Bytes b;
  b.Int(5).Int(opcode).Str("/n").Int(0).Int(0).Int(flags);
  if (opcode == op::kCreateTtl) b.Long(ttl);
  return b.data;
}

TEST(ZkWireRequestReject, SaslAndReconfigAnswerAClearError) {
  ZkRequest sasl = MustDecodePayload(Payload(golden::kKazooSasl));
  EXPECT_EQ(sasl.reject, proto::UNIMPLEMENTED);
  EXPECT_FALSE(sasl.close_after_reply);
  EXPECT_EQ(sasl.request.xid(), 15);
  EXPECT_EQ(sasl.request.op_case(), proto::Request::OP_NOT_SET);
  ZkRequest reconfig = MustDecodePayload(Payload(golden::kKazooReconfig));
  EXPECT_EQ(reconfig.reject, proto::RECONFIGDISABLED);
  EXPECT_NE(reconfig.reject_reason.find("reconfig"), std::string::npos);
}

TEST(ZkWireRequestReject, UnknownOpcodeIsUnimplementedAndClosesTheConnection) {
  for (int32_t opcode : {10, 23, 99, 108, -10, 0, -1, INT32_MIN}) {
    ZkRequest zk = MustDecodePayload(Bytes().Int(42).Int(opcode).Raw("whatever").data);
    EXPECT_EQ(zk.reject, proto::UNIMPLEMENTED) << opcode;
    EXPECT_TRUE(zk.close_after_reply) << opcode;
    EXPECT_EQ(zk.request.xid(), 42);
  }
}

TEST(ZkWireRequestReject, HeaderTooShortIsAnError) {
  EXPECT_FALSE(DecodeRequest(std::string("\x00\x00\x00\x01\x00", 5)).ok());
  EXPECT_FALSE(DecodeRequest("").ok());
}

TEST(ZkWireRequestReject, CreateModeMustMatchTheOpcode) {
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreate, 0)).reject, proto::OK);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreate, 7)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreate, -1)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreate2, 5)).reject, proto::BADARGUMENTS);
  // createContainer makes a container whatever its non-TTL flags say.
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateContainer, 0)).reject, proto::OK);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateContainer, 4)).reject, proto::OK);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateContainer, 6)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateTtl, 5, 0)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateTtl, 5, -3)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateTtl, 0, 100)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateTtl, 6, 100)).reject, proto::OK);
  EXPECT_EQ(MustDecodePayload(CreatePayload(op::kCreateTtl, 5, kMaxTtlMs + 1)).reject,
            proto::BADARGUMENTS);
}

TEST(ZkWireCreateMode, ApplyCreateFlagsTable) {
  std::string why;
  proto::CreateRequest c;
  EXPECT_EQ(ApplyCreateFlags(op::kCreate, proto::CONTAINER, 0, &c, &why), proto::OK);
  EXPECT_EQ(c.mode(), proto::PERSISTENT);
  EXPECT_EQ(ApplyCreateFlags(op::kCreate2, proto::EPHEMERAL_SEQUENTIAL, 0, &c, &why), proto::OK);
  EXPECT_EQ(c.mode(), proto::EPHEMERAL_SEQUENTIAL);
  EXPECT_EQ(ApplyCreateFlags(op::kCreateTtl, proto::PERSISTENT_WITH_TTL, kMaxTtlMs, &c, &why), proto::OK);
  EXPECT_EQ(c.ttl_ms(), kMaxTtlMs);
  EXPECT_EQ(ApplyCreateFlags(op::kCreateTtl, proto::EPHEMERAL, 10, &c, &why), proto::BADARGUMENTS);
  EXPECT_NE(why.find("createTTL"), std::string::npos);
  EXPECT_EQ(ApplyCreateFlags(op::kCreateContainer, proto::EPHEMERAL_SEQUENTIAL, 0, &c, &why), proto::OK);
  EXPECT_EQ(c.mode(), proto::CONTAINER);
  EXPECT_TRUE(c.sequential());
  EXPECT_EQ(CreateFlagsOf(c), proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(ApplyCreateFlags(op::kSetData, proto::PERSISTENT, 0, &c, &why), proto::BADARGUMENTS);
  proto::CreateMode mode;
  EXPECT_TRUE(CreateModeFromFlags(6, &mode));
  EXPECT_EQ(mode, proto::PERSISTENT_SEQUENTIAL_WITH_TTL);
  EXPECT_FALSE(CreateModeFromFlags(7, &mode));
}

TEST(ZkWireRequestReject, MalformedBodiesAreMarshallingErrors) {
  // Trailing byte after a valid getData.
  ZkRequest zk = MustDecodePayload(Bytes().Int(1).Int(op::kGetData).Str("/x").Bool(false).Raw("!").data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  EXPECT_NE(zk.reject_reason.find("trailing"), std::string::npos) << zk.reject_reason;
  EXPECT_FALSE(zk.close_after_reply);
  // Unknown watcher type and addWatch mode.
  zk = MustDecodePayload(Bytes().Int(1).Int(op::kRemoveWatches).Str("/x").Int(9).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  zk = MustDecodePayload(Bytes().Int(1).Int(op::kAddWatch).Str("/x").Int(2).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  // A path that is not UTF-8.
  zk = MustDecodePayload(Bytes().Int(1).Int(op::kSync).Str("\xff\xfe").data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  EXPECT_EQ(zk.request.op_case(), proto::Request::OP_NOT_SET);
}

TEST(ZkWireRequestMulti, ReadOpsInAMultiAndWriteOpsInAMultiReadAreRefused) {
  ZkRequest zk = MustDecodePayload(
      Bytes().Int(1).Int(op::kMulti).Int(op::kGetData).Bool(false).Int(-1).Str("/x").Bool(false)
          .Int(-1).Bool(true).Int(-1).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  zk = MustDecodePayload(
      Bytes().Int(1).Int(op::kMultiRead).Int(op::kDelete).Bool(false).Int(-1).Str("/x").Int(-1)
          .Int(-1).Bool(true).Int(-1).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
  zk = MustDecodePayload(Bytes().Int(1).Int(op::kMulti).Int(op::kPing).Bool(false).Int(-1)
                             .Int(-1).Bool(true).Int(-1).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR);
}

TEST(ZkWireRequestMulti, EmptyMultiAndMissingTerminator) {
  ZkRequest zk = MustDecodePayload(Bytes().Int(1).Int(op::kMulti).Int(-1).Bool(true).Int(-1).data);
  EXPECT_EQ(zk.reject, proto::OK);
  EXPECT_EQ(zk.request.multi().ops_size(), 0);
  zk = MustDecodePayload(Bytes().Int(1).Int(op::kMulti).Int(op::kDelete).Bool(false).Int(-1)
                             .Str("/x").Int(-1).data);
  EXPECT_EQ(zk.reject, proto::MARSHALLINGERROR) << "no done header";
}

TEST(ZkWireRequestMulti, ResultTypesFollowZooKeepersCreateRule) {
  proto::Request r;
  proto::MultiRequest* m = r.mutable_multi();
  for (proto::CreateMode mode : {proto::PERSISTENT, proto::EPHEMERAL_SEQUENTIAL, proto::CONTAINER,
                                 proto::PERSISTENT_WITH_TTL}) {
    proto::CreateRequest* c = m->add_ops()->mutable_create();
    c->set_path("/x");
    c->set_mode(mode);
    c->set_ttl_ms(IsTtlMode(mode) ? 10 : 0);
  }
  std::string out;
  ASSERT_TRUE(EncodeRequest(r, 0, &out).ok());
  ZkRequest zk = MustDecode(out);
  EXPECT_EQ(zk.context.multi_result_types,
            (std::vector<int32_t>{op::kCreate, op::kCreate, op::kCreate2, op::kCreate2}));
  EXPECT_PROTO_EQ(r, zk.request);
}

TEST(ZkWireRequestMulti, AnInvalidCreateInsideAMultiFailsThatOpOnly) {
  ZkRequest zk = MustDecodePayload(
      Bytes().Int(1).Int(op::kMulti).Int(op::kCreate).Bool(false).Int(-1)
          .Str("/x").Int(0).Int(0).Int(9)  // flags 9: no such mode
          .Int(-1).Bool(true).Int(-1).data);
  EXPECT_EQ(zk.reject, proto::OK);
  ASSERT_EQ(zk.request.multi().ops_size(), 1);
  EXPECT_EQ(zk.request.multi().ops(0).fail_with(), proto::BADARGUMENTS);
  EXPECT_EQ(zk.context.multi_result_types, std::vector<int32_t>{op::kCreate});
}

}  // namespace
}  // namespace arbor::zk_wire
