// Reply encoding (server side) and decoding (client side): golden bytes
// that kazoo parses, a round trip for every opcode, and the special xids.
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/response.h"
#include "test/unit/zk_wire/golden_vectors.inc"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Payload;

// The Stat gen_golden.py uses.
proto::Stat GoldenStat() {
  proto::Stat s;
  s.set_czxid(0x100000001);
  s.set_mzxid(0x100000002);
  s.set_ctime(1700000000000);
  s.set_mtime(1700000000500);
  s.set_version(3);
  s.set_cversion(4);
  s.set_aversion(1);
  s.set_ephemeral_owner(0x55);
  s.set_data_length(5);
  s.set_num_children(2);
  s.set_pzxid(0x100000003);
  return s;
}

ZkOpContext Ctx(int32_t opcode, std::vector<int32_t> multi = {}) {
  return ZkOpContext{opcode, std::move(multi)};
}

std::string MustEncode(const ZkOpContext& ctx, const proto::Response& r) {
  std::string out;
  Status s = EncodeResponse(ctx, r, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(ZkWireResponseGolden, Create2CarriesPathAndStatCreateOnlyThePath) {
  proto::Response r;
  r.set_xid(2);
  r.set_zxid(0x100000001);
  r.mutable_create()->set_path("/app/node0000000007");
  *r.mutable_create()->mutable_stat() = GoldenStat();
  EXPECT_BYTES_EQ(golden::kCreate2Reply, MustEncode(Ctx(op::kCreate2), r));
  r.set_xid(1);
  EXPECT_BYTES_EQ(golden::kCreateReply, MustEncode(Ctx(op::kCreate), r));
  // createContainer and createTTL answer like create2.
  r.set_xid(2);
  EXPECT_BYTES_EQ(golden::kCreate2Reply, MustEncode(Ctx(op::kCreateContainer), r));
  EXPECT_BYTES_EQ(golden::kCreate2Reply, MustEncode(Ctx(op::kCreateTtl), r));
}

TEST(ZkWireResponseGolden, GetChildren2) {
  proto::Response r;
  r.set_xid(11);
  r.set_zxid(0x200000000);
  r.mutable_get_children()->add_children("a");
  r.mutable_get_children()->add_children("b");
  *r.mutable_get_children()->mutable_stat() = GoldenStat();
  EXPECT_BYTES_EQ(golden::kGetChildren2Reply, MustEncode(Ctx(op::kGetChildren2), r));
}

TEST(ZkWireResponseGolden, ReadRepliesKazooParses) {
  const proto::Stat stat = GoldenStat();
  proto::Response r;
  r.set_zxid(0x10);
  r.set_xid(5);
  r.mutable_get_data()->set_data("abc");
  *r.mutable_get_data()->mutable_stat() = stat;
  EXPECT_BYTES_EQ(golden::kGetDataReply, MustEncode(Ctx(op::kGetData), r));
  r.set_xid(4);
  *r.mutable_exists()->mutable_stat() = stat;
  EXPECT_BYTES_EQ(golden::kExistsReply, MustEncode(Ctx(op::kExists), r));
  r.set_xid(6);
  *r.mutable_set_data()->mutable_stat() = stat;
  EXPECT_BYTES_EQ(golden::kSetDataReply, MustEncode(Ctx(op::kSetData), r));
  r.set_xid(7);
  proto::GetAclResponse* acl = r.mutable_get_acl();
  acl->add_acl()->set_perms(31);
  acl->mutable_acl(0)->mutable_id()->set_scheme("world");
  acl->mutable_acl(0)->mutable_id()->set_id("anyone");
  acl->add_acl()->set_perms(1);
  acl->mutable_acl(1)->mutable_id()->set_scheme("digest");
  acl->mutable_acl(1)->mutable_id()->set_id("bob:x");
  *acl->mutable_stat() = stat;
  EXPECT_BYTES_EQ(golden::kGetAclReply, MustEncode(Ctx(op::kGetAcl), r));
  r.set_xid(9);
  for (const char* child : {"a", "bb", "ccc"}) r.mutable_get_children()->add_children(child);
  EXPECT_BYTES_EQ(golden::kGetChildrenReply, MustEncode(Ctx(op::kGetChildren), r));
  r.set_xid(10);
  r.mutable_sync()->set_path("/");
  EXPECT_BYTES_EQ(golden::kSyncReply, MustEncode(Ctx(op::kSync), r));
}

TEST(ZkWireResponseGolden, MultiWithAFailingOp) {
  proto::Response r;
  r.set_xid(13);
  r.set_zxid(0x300000000);
  proto::MultiResponse* m = r.mutable_multi();
  m->add_results();  // rolled back: error OK, no result
  m->add_results()->set_error(proto::BADVERSION);
  m->add_results()->set_error(proto::RUNTIMEINCONSISTENCY);
  const ZkOpContext ctx = Ctx(op::kMulti, {op::kCreate, op::kSetData, op::kDelete});
  // The state machine reports a failed multi with the failing code as the
  // response error and all results; on the wire the header says 0.
  r.set_error(proto::BADVERSION);
  EXPECT_BYTES_EQ(golden::kMultiFailedReply, MustEncode(ctx, r));
  auto back = DecodeResponse(ctx, Payload(golden::kMultiFailedReply));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_PROTO_EQ(r, *back);
  // A Response that leaves error OK encodes the same bytes.
  r.set_error(proto::OK);
  EXPECT_BYTES_EQ(golden::kMultiFailedReply, MustEncode(ctx, r));
}

TEST(ZkWireResponseGolden, MultiThatNeverRanIsAHeaderOnlyError) {
  proto::Response r;
  r.set_xid(13);
  r.set_zxid(0x300000000);
  r.set_error(proto::SESSIONEXPIRED);  // no results: refused before it ran
  const std::string frame = MustEncode(Ctx(op::kMulti, {op::kCreate}), r);
  EXPECT_EQ(frame.size(), 4u + 16u);
  auto back = DecodeResponse(Ctx(op::kMulti, {op::kCreate}), Payload(frame));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error(), proto::SESSIONEXPIRED);
  EXPECT_FALSE(back->has_multi());
  // Same when the multi result is present but empty (refused: too many ops).
  r.mutable_multi();
  EXPECT_BYTES_EQ(frame, MustEncode(Ctx(op::kMulti, {op::kCreate}), r));
}

TEST(ZkWireResponseGolden, MultiAllSucceeded) {
  proto::Response r;
  r.set_xid(13);
  r.set_zxid(0x300000001);
  proto::MultiResponse* m = r.mutable_multi();
  m->add_results()->mutable_create()->set_path("/t/x");
  m->add_results()->mutable_check();
  *m->add_results()->mutable_set_data()->mutable_stat() = GoldenStat();
  m->add_results()->mutable_delete_();
  const ZkOpContext ctx = Ctx(op::kMulti, {op::kCreate, op::kCheck, op::kSetData, op::kDelete});
  EXPECT_BYTES_EQ(golden::kMultiOkReply, MustEncode(ctx, r));
  auto back = DecodeResponse(ctx, Payload(golden::kMultiOkReply));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_PROTO_EQ(r, *back);
}

TEST(ZkWireResponseGolden, WatchEvents) {
  proto::WatchEvent e;
  e.set_type(proto::NODE_DATA_CHANGED);
  e.set_state(proto::SYNC_CONNECTED);
  e.set_path("/w");
  e.set_zxid(0x77);  // not on the wire: ZooKeeper 3.8 writes -1
  std::string out;
  EncodeWatchEvent(e, &out);
  EXPECT_BYTES_EQ(golden::kWatchEventFrame, out);
  auto back = DecodeWatchEvent(Payload(out));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->zxid(), -1);
  EXPECT_EQ(back->type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(back->path(), "/w");

  proto::WatchEvent expired;
  expired.set_type(proto::EVENT_NONE);  // ZooKeeper's None, -1 on the wire
  expired.set_state(proto::EXPIRED);
  out.clear();
  EncodeWatchEvent(expired, &out);
  EXPECT_BYTES_EQ(golden::kSessionExpiredEvent, out);
  back = DecodeWatchEvent(Payload(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type(), proto::EVENT_NONE);
  EXPECT_EQ(back->state(), proto::EXPIRED);
}

TEST(ZkWireResponseGolden, ErrorRepliesCarryOnlyTheHeader) {
  proto::Response r;
  r.set_xid(4);
  r.set_zxid(0x42);
  r.set_error(proto::NONODE);
  *r.mutable_exists()->mutable_stat() = GoldenStat();  // ignored on error
  EXPECT_BYTES_EQ(golden::kNoNodeReply, MustEncode(Ctx(op::kExists), r));
  // Rejected requests (unknown opcode) are answered the same way.
  r.set_error(proto::UNIMPLEMENTED);
  EXPECT_EQ(MustEncode(Ctx(12345), r).size(), 4u + 16u);
  auto back = DecodeResponse(Ctx(op::kExists), Payload(golden::kNoNodeReply));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error(), proto::NONODE);
  EXPECT_EQ(back->result_case(), proto::Response::RESULT_NOT_SET);
}

TEST(ZkWireResponseGolden, PingRepliesUseXidMinusTwoAndAuthRepliesZxidZero) {
  proto::Response ping;
  ping.set_xid(99);  // whatever the server copied: ZooKeeper always writes -2
  ping.set_zxid(0x42);
  EXPECT_BYTES_EQ(golden::kPingReply, MustEncode(Ctx(op::kPing), ping));
  proto::Response auth;
  auth.set_xid(xid::kAuth);
  auth.set_zxid(0x999);
  auth.set_error(proto::AUTHFAILED);
  EXPECT_BYTES_EQ(golden::kAuthFailedReply, MustEncode(Ctx(op::kAuth), auth));
}

TEST(ZkWireResponseGolden, WhoAmIAndAddWatchBodies) {
  proto::Response r;
  r.set_xid(22);
  proto::Id* id = r.mutable_who_am_i()->add_client_info();
  id->set_scheme("digest");
  id->set_id("bob");
  const std::string frame = MustEncode(Ctx(op::kWhoAmI), r);
  EXPECT_BYTES_EQ(golden::kWhoAmIReplyBody, Payload(frame).substr(16));
  proto::Response added;
  added.set_xid(20);
  const std::string aw = MustEncode(Ctx(op::kAddWatch), added);
  EXPECT_BYTES_EQ(std::string(4, '\0'), Payload(aw).substr(16)) << "ErrorResponse(0)";
}

TEST(ZkWireResponseEncode, MismatchedOrMissingResultsAreInternalErrors) {
  proto::Response r;
  r.set_xid(1);
  r.mutable_create()->set_path("/x");
  std::string out = "keep";
  Status s = EncodeResponse(Ctx(op::kGetData), r, &out);
  EXPECT_EQ(s.code(), Status::Code::kInternal) << s.ToString();
  r.clear_result();
  EXPECT_FALSE(EncodeResponse(Ctx(op::kGetData), r, &out).ok()) << "getData needs a result";
  EXPECT_TRUE(EncodeResponse(Ctx(op::kDelete), r, &out).ok()) << "delete has no body";
  EXPECT_FALSE(EncodeResponse(Ctx(12345), r, &out).ok()) << "no success for unknown ops";
  // A multi whose result count disagrees with its ops.
  r.mutable_multi()->add_results()->mutable_delete_();
  EXPECT_FALSE(EncodeResponse(Ctx(op::kMulti, {op::kDelete, op::kDelete}), r, &out).ok());
  // A multi result whose kind disagrees with its op.
  EXPECT_FALSE(EncodeResponse(Ctx(op::kMulti, {op::kSetData}), r, &out).ok());
  EXPECT_EQ(out.substr(0, 4), "keep");
  EXPECT_EQ(out.size(), 4u + 4u + 16u) << "only the delete reply was appended";
}

// ---- one round trip per opcode ---------------------------------------------

std::vector<std::pair<ZkOpContext, proto::Response>> EveryReply() {
  std::vector<std::pair<ZkOpContext, proto::Response>> cases;
  auto add = [&](ZkOpContext ctx, auto fill) {
    proto::Response r;
    r.set_xid(static_cast<int32_t>(cases.size()) + 1);
    r.set_zxid(0x1000 + static_cast<int64_t>(cases.size()));
    fill(&r);
    cases.emplace_back(std::move(ctx), std::move(r));
  };
  auto stat = GoldenStat();
  add(Ctx(op::kCreate), [](proto::Response* r) { r->mutable_create()->set_path("/a0000000001"); });
  for (int32_t opc : {op::kCreate2, op::kCreateContainer, op::kCreateTtl}) {
    add(Ctx(opc), [&](proto::Response* r) {
      r->mutable_create()->set_path("/b");
      *r->mutable_create()->mutable_stat() = stat;
    });
  }
  for (int32_t opc : {op::kDelete, op::kDeleteContainer}) {
    add(Ctx(opc), [](proto::Response* r) { r->mutable_delete_(); });
  }
  add(Ctx(op::kExists), [&](proto::Response* r) { *r->mutable_exists()->mutable_stat() = stat; });
  add(Ctx(op::kGetData), [&](proto::Response* r) {
    r->mutable_get_data()->set_data(std::string("\0x\xff", 3));
    *r->mutable_get_data()->mutable_stat() = stat;
  });
  add(Ctx(op::kSetData), [&](proto::Response* r) { *r->mutable_set_data()->mutable_stat() = stat; });
  add(Ctx(op::kGetAcl), [&](proto::Response* r) {
    proto::Acl* a = r->mutable_get_acl()->add_acl();
    a->set_perms(31);
    a->mutable_id()->set_scheme("digest");
    a->mutable_id()->set_id("bob:x");
    *r->mutable_get_acl()->mutable_stat() = stat;
  });
  add(Ctx(op::kSetAcl), [&](proto::Response* r) { *r->mutable_set_acl()->mutable_stat() = stat; });
  add(Ctx(op::kGetChildren), [](proto::Response* r) {
    r->mutable_get_children()->add_children("x");
    r->mutable_get_children()->add_children("y");
  });
  add(Ctx(op::kGetChildren2), [&](proto::Response* r) {
    r->mutable_get_children()->add_children("z");
    *r->mutable_get_children()->mutable_stat() = stat;
  });
  add(Ctx(op::kSync), [](proto::Response* r) { r->mutable_sync()->set_path("/s"); });
  add(Ctx(op::kPing), [](proto::Response* r) { r->set_xid(xid::kPing); r->mutable_ping(); });
  add(Ctx(op::kCheck), [](proto::Response* r) { r->mutable_check(); });
  add(Ctx(op::kMulti, {op::kCreate2, op::kSetData, op::kCheck}), [&](proto::Response* r) {
    proto::MultiResponse* m = r->mutable_multi();
    m->add_results()->mutable_create()->set_path("/c");
    *m->mutable_results(0)->mutable_create()->mutable_stat() = stat;
    *m->add_results()->mutable_set_data()->mutable_stat() = stat;
    m->add_results()->mutable_check();
  });
  add(Ctx(op::kMultiRead, {op::kGetData, op::kGetChildren, op::kGetData}), [&](proto::Response* r) {
    proto::MultiResponse* m = r->mutable_multi();
    m->add_results()->mutable_get_data()->set_data("v");
    *m->mutable_results(0)->mutable_get_data()->mutable_stat() = stat;
    m->add_results()->mutable_get_children()->add_children("k");
    m->add_results()->set_error(proto::NONODE);  // multiRead: per-op errors
  });
  add(Ctx(op::kCheckWatches), [](proto::Response* r) { r->mutable_check_watches(); });
  add(Ctx(op::kRemoveWatches), [](proto::Response* r) { r->mutable_remove_watches(); });
  add(Ctx(op::kAuth), [](proto::Response* r) { r->set_xid(xid::kAuth); r->set_zxid(0); r->mutable_auth(); });
  for (int32_t opc : {op::kSetWatches, op::kSetWatches2}) {
    add(Ctx(opc), [](proto::Response* r) { r->set_xid(xid::kSetWatches); r->mutable_set_watches(); });
  }
  add(Ctx(op::kGetEphemerals), [](proto::Response* r) { r->mutable_get_ephemerals()->add_paths("/e1"); });
  add(Ctx(op::kGetAllChildrenNumber), [](proto::Response* r) { r->mutable_get_all_children_number()->set_total_number(12); });
  add(Ctx(op::kAddWatch), [](proto::Response* r) { r->mutable_add_watch(); });
  add(Ctx(op::kWhoAmI), [](proto::Response* r) {
    proto::Id* id = r->mutable_who_am_i()->add_client_info();
    id->set_scheme("ip");
    id->set_id("127.0.0.1");
  });
  add(Ctx(op::kCloseSession), [](proto::Response* r) { r->mutable_close_session(); });
  return cases;
}

TEST(ZkWireResponseRoundTrip, EveryOpcode) {
  const auto cases = EveryReply();
  EXPECT_EQ(cases.size(), 28u);
  for (const auto& [ctx, response] : cases) {
    SCOPED_TRACE(OpName(ctx.opcode));
    const std::string frame = MustEncode(ctx, response);
    auto back = DecodeResponse(ctx, Payload(frame));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_PROTO_EQ(response, *back);
    auto header = PeekReplyHeader(Payload(frame));
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->xid, response.xid());
  }
}

TEST(ZkWireResponseDecode, RejectsBodiesOnErrorsAndNotificationsAsReplies) {
  // An error header followed by a body is malformed.
  const std::string bad = Payload(golden::kNoNodeReply) + std::string(4, '\0');
  EXPECT_FALSE(DecodeResponse(Ctx(op::kExists), bad).ok());
  EXPECT_FALSE(DecodeResponse(Ctx(op::kGetData), Payload(golden::kWatchEventFrame)).ok());
  EXPECT_FALSE(DecodeWatchEvent(Payload(golden::kPingReply)).ok());
}

TEST(ZkWireResponseDecode, UnknownEventTypesAndStatesFail) {
  std::string frame;
  FrameWriter f(&frame);
  WriteReplyHeader(f.writer(), ReplyHeader{-1, -1, 0});
  f.writer().WriteInt(0);  // 0 is not a ZooKeeper event type (None is -1)
  f.writer().WriteInt(3);
  f.writer().WriteString("/x");
  f.Finish();
  EXPECT_FALSE(DecodeWatchEvent(Payload(frame)).ok());
  frame.clear();
  FrameWriter g(&frame);
  WriteReplyHeader(g.writer(), ReplyHeader{-1, -1, 0});
  g.writer().WriteInt(1);
  g.writer().WriteInt(42);  // no such KeeperState
  g.writer().WriteString("/x");
  g.Finish();
  EXPECT_FALSE(DecodeWatchEvent(Payload(frame)).ok());
}

}  // namespace
}  // namespace arbor::zk_wire
