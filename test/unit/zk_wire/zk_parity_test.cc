// What Apache ZooKeeper 3.8.0 does with create flags, null buffers,
// deleteContainer and the ephemeralOwner of containers and TTL nodes, as
// recorded against a live server (extendedTypesEnabled=true) and checked again
// by test/compat/extended_ops_compare.py:
//
//   single ops: create/create2 with CONTAINER flags make a plain persistent
//   node; createContainer makes a container whatever its (non-TTL) flags, with
//   the sequence suffix when they say sequential; TTL flags need createTTL
//   (BADARGUMENTS otherwise) and createTTL needs TTL flags.
//
//   inside a multi ZooKeeper rebuilds each create from its flags alone
//   (Op.create -> getOpcode(mode)): the record type only decides whether a ttl
//   was read. TTL flags in a record without a ttl make the whole multi a
//   MARSHALLINGERROR; flags that name no mode fail that op (BADARGUMENTS).
//
//   a client's deleteContainer always answers BADARGUMENTS: ZooKeeper reads
//   the path from the whole packet, request header included.
#include "common/zk_wire/create_mode.h"
#include "common/zk_wire/opcodes.h"
#include "common/zk_wire/request.h"
#include "common/zk_wire/response.h"
#include "test/unit/zk_wire/test_util.h"

namespace arbor::zk_wire {
namespace {

using testing::Bytes;

ZkRequest Decode(const std::string& payload) {
  auto r = DecodeRequest(payload);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ZkRequest();
}

// A create record: path, data (nullptr = null buffer), open ACL, flags[, ttl].
Bytes& CreateRecord(Bytes& b, const char* path, const char* data, int32_t flags, int64_t ttl = -1) {
  b.Str(path);
  if (data == nullptr) {
    b.Int(-1);
  } else {
    b.Str(data);
  }
  b.Int(1).Int(31).Str("world").Str("anyone").Int(flags);
  if (ttl >= 0) b.Long(ttl);
  return b;
}

std::string Single(int32_t opcode, int32_t flags, const char* data = "", int64_t ttl = -1) {
  Bytes b;
  b.Int(7).Int(opcode);
  if (opcode == op::kCreateTtl && ttl < 0) ttl = 1000;
  return CreateRecord(b, "/n", data, flags, ttl).data;
}

std::string MultiOf(int32_t record_type, int32_t flags, int64_t ttl = -1) {
  Bytes b;
  b.Int(8).Int(op::kMulti).Int(record_type).Bool(false).Int(-1);
  if (record_type == op::kCreateTtl && ttl < 0) ttl = 1000;
  CreateRecord(b, "/m", "", flags, ttl);
  b.Int(-1).Bool(true).Int(-1);
  return b.data;
}

TEST(ZkWireParity, NullBuffersAreNullData) {
  ZkRequest create = Decode(Single(op::kCreate, 0, nullptr));
  ASSERT_EQ(create.reject, proto::OK) << create.reject_reason;
  EXPECT_TRUE(create.request.create().null_data());
  EXPECT_FALSE(Decode(Single(op::kCreate, 0, "")).request.create().null_data());

  ZkRequest set = Decode(Bytes().Int(3).Int(op::kSetData).Str("/n").Int(-1).Int(-1).data);
  ASSERT_EQ(set.reject, proto::OK);
  EXPECT_TRUE(set.request.set_data().null_data());

  Bytes multi;
  multi.Int(4).Int(op::kMulti).Int(op::kCreate).Bool(false).Int(-1);
  CreateRecord(multi, "/a", nullptr, 0);
  multi.Int(op::kSetData).Bool(false).Int(-1).Str("/a").Int(-1).Int(-1);
  multi.Int(-1).Bool(true).Int(-1);
  ZkRequest m = Decode(multi.data);
  ASSERT_EQ(m.reject, proto::OK) << m.reject_reason;
  EXPECT_TRUE(m.request.multi().ops(0).create().null_data());
  EXPECT_TRUE(m.request.multi().ops(1).set_data().null_data());

  // The client side writes them back as null.
  std::string out;
  ASSERT_TRUE(EncodeRequest(create.request, op::kCreate, &out).ok());
  EXPECT_BYTES_EQ(Single(op::kCreate, 0, nullptr), testing::Payload(out));
}

TEST(ZkWireParity, NullDataIsWrittenAsLengthMinusOne) {
  proto::Response r;
  r.set_xid(5);
  r.set_zxid(9);
  r.mutable_get_data()->set_null_data(true);
  r.mutable_get_data()->mutable_stat()->set_version(1);
  std::string out;
  ASSERT_TRUE(EncodeResponse(ZkOpContext{op::kGetData, {}}, r, &out).ok());
  // ReplyHeader (16 bytes), then the data length.
  EXPECT_EQ(testing::Hex(out.substr(4 + 16, 4)), "ffffffff");
  auto back = DecodeResponse(ZkOpContext{op::kGetData, {}}, testing::Payload(out));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->get_data().null_data());
  EXPECT_EQ(back->get_data().stat().version(), 1);

  // multiRead's getData results too.
  proto::Response mr;
  mr.mutable_multi()->add_results()->mutable_get_data()->set_null_data(true);
  out.clear();
  ASSERT_TRUE(EncodeResponse(ZkOpContext{op::kMultiRead, {op::kGetData}}, mr, &out).ok());
  EXPECT_EQ(testing::Hex(out.substr(4 + 16 + 9, 4)), "ffffffff");
  back = DecodeResponse(ZkOpContext{op::kMultiRead, {op::kGetData}}, testing::Payload(out));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->multi().results(0).get_data().null_data());
}

TEST(ZkWireParity, SingleCreateFlagsPerOpcode) {
  ZkRequest c = Decode(Single(op::kCreate, proto::CONTAINER));
  ASSERT_EQ(c.reject, proto::OK);
  EXPECT_EQ(c.request.create().mode(), proto::PERSISTENT) << "create + CONTAINER flags: a plain node";
  EXPECT_EQ(Decode(Single(op::kCreate2, proto::CONTAINER)).request.create().mode(), proto::PERSISTENT);

  for (int32_t flags : {0, 1, 4}) {
    ZkRequest cc = Decode(Single(op::kCreateContainer, flags));
    ASSERT_EQ(cc.reject, proto::OK) << flags;
    EXPECT_EQ(cc.request.create().mode(), proto::CONTAINER) << flags;
    EXPECT_FALSE(cc.request.create().sequential()) << flags;
  }
  for (int32_t flags : {2, 3}) {
    ZkRequest cc = Decode(Single(op::kCreateContainer, flags));
    ASSERT_EQ(cc.reject, proto::OK) << flags;
    EXPECT_EQ(cc.request.create().mode(), proto::CONTAINER) << flags;
    EXPECT_TRUE(cc.request.create().sequential()) << flags;
    std::string out;  // and back: createContainer with a sequential flag
    ASSERT_TRUE(EncodeRequest(cc.request, op::kCreateContainer, &out).ok());
    ZkRequest again = Decode(testing::Payload(out));
    EXPECT_PROTO_EQ(cc.request, again.request);
  }
  for (int32_t opcode : {op::kCreate, op::kCreate2, op::kCreateContainer}) {
    EXPECT_EQ(Decode(Single(opcode, 5)).reject, proto::BADARGUMENTS) << opcode;
    EXPECT_EQ(Decode(Single(opcode, 9)).reject, proto::BADARGUMENTS) << opcode;
  }
  for (int32_t flags : {0, 2, 4}) EXPECT_EQ(Decode(Single(op::kCreateTtl, flags)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(Decode(Single(op::kCreateTtl, 5, "", 0)).reject, proto::BADARGUMENTS);
  EXPECT_EQ(Decode(Single(op::kCreateTtl, 6, "", kMaxTtlMs)).reject, proto::OK);
}

TEST(ZkWireParity, MultiCreatesFollowTheirFlagsOnly) {
  struct Want {
    int32_t record, flags;
    proto::CreateMode mode;
    int32_t result_type;
  };
  for (const Want& w : std::vector<Want>{
           {op::kCreate, 4, proto::CONTAINER, op::kCreate2},
           {op::kCreate2, 0, proto::PERSISTENT, op::kCreate},
           {op::kCreateContainer, 1, proto::EPHEMERAL, op::kCreate},
           {op::kCreateContainer, 2, proto::PERSISTENT_SEQUENTIAL, op::kCreate},
           {op::kCreateContainer, 4, proto::CONTAINER, op::kCreate2},
           {op::kCreateTtl, 0, proto::PERSISTENT, op::kCreate},
           {op::kCreateTtl, 4, proto::CONTAINER, op::kCreate2},
           {op::kCreateTtl, 5, proto::PERSISTENT_WITH_TTL, op::kCreate2},
       }) {
    SCOPED_TRACE(std::string(OpName(w.record)) + " flags " + std::to_string(w.flags));
    ZkRequest zk = Decode(MultiOf(w.record, w.flags));
    ASSERT_EQ(zk.reject, proto::OK) << zk.reject_reason;
    const proto::MultiOp& op = zk.request.multi().ops(0);
    EXPECT_EQ(op.fail_with(), proto::OK);
    EXPECT_EQ(op.create().mode(), w.mode);
    EXPECT_FALSE(op.create().sequential());
    EXPECT_EQ(op.create().ttl_ms(), w.mode == proto::PERSISTENT_WITH_TTL ? 1000 : 0)
        << "a ttl only counts for TTL flags";
    EXPECT_EQ(zk.context.multi_result_types, std::vector<int32_t>{w.result_type});
  }
  // A TTL mode out of range fails in the tree, as that op only.
  ZkRequest bad_ttl = Decode(MultiOf(op::kCreateTtl, 5, 0));
  ASSERT_EQ(bad_ttl.reject, proto::OK);
  EXPECT_EQ(bad_ttl.request.multi().ops(0).create().ttl_ms(), 0);
}

TEST(ZkWireParity, MultiWithTtlFlagsButNoTtlIsAMarshallingError) {
  for (int32_t record : {op::kCreate, op::kCreate2, op::kCreateContainer}) {
    EXPECT_EQ(Decode(MultiOf(record, 5)).reject, proto::MARSHALLINGERROR) << record;
    EXPECT_EQ(Decode(MultiOf(record, 6)).reject, proto::MARSHALLINGERROR) << record;
  }
}

TEST(ZkWireParity, MultiCreateWithUnknownFlagsFailsOnlyThatOp) {
  Bytes b;
  b.Int(9).Int(op::kMulti).Int(op::kCreate).Bool(false).Int(-1);
  CreateRecord(b, "/ok", "", 0);
  b.Int(op::kCreate).Bool(false).Int(-1);
  CreateRecord(b, "/bad", "x", 9);
  b.Int(op::kCreateTtl).Bool(false).Int(-1);
  CreateRecord(b, "/bad2", "", -3, 50);
  b.Int(-1).Bool(true).Int(-1);
  ZkRequest zk = Decode(b.data);
  ASSERT_EQ(zk.reject, proto::OK) << zk.reject_reason;
  ASSERT_EQ(zk.request.multi().ops_size(), 3);
  EXPECT_EQ(zk.request.multi().ops(0).fail_with(), proto::OK);
  EXPECT_EQ(zk.request.multi().ops(1).fail_with(), proto::BADARGUMENTS);
  EXPECT_EQ(zk.request.multi().ops(1).create().path(), "/bad");
  EXPECT_EQ(zk.request.multi().ops(2).fail_with(), proto::BADARGUMENTS);
  EXPECT_EQ(zk.context.multi_result_types.size(), 3u);
  // It encodes again (with flags no mode has) and decodes to the same.
  std::string out;
  ASSERT_TRUE(EncodeRequest(zk.request, op::kMulti, &out).ok());
  ZkRequest again = Decode(testing::Payload(out));
  EXPECT_PROTO_EQ(zk.request, again.request);
}

TEST(ZkWireParity, DeleteContainerFromAClientIsBadArguments) {
  ZkRequest zk = Decode(Bytes().Int(30).Int(op::kDeleteContainer).Raw("/box").data);
  EXPECT_EQ(zk.reject, proto::BADARGUMENTS);
  EXPECT_FALSE(zk.close_after_reply);
}

// DataNode.copyStat: clients see ephemeralOwner 0 for containers and TTL
// nodes (EphemeralType other than NORMAL), a session id for ephemerals.
TEST(ZkWireParity, ContainerAndTtlOwnersAreWrittenAsZero) {
  for (int64_t owner : {int64_t{INT64_MIN}, static_cast<int64_t>(0xFF00000000000000ull | 1234)}) {
    proto::Response r;
    r.mutable_exists()->mutable_stat()->set_ephemeral_owner(owner);
    std::string out;
    ASSERT_TRUE(EncodeResponse(ZkOpContext{op::kExists, {}}, r, &out).ok());
    auto back = DecodeResponse(ZkOpContext{op::kExists, {}}, testing::Payload(out));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->exists().stat().ephemeral_owner(), 0);
  }
  proto::Response r;
  r.mutable_create()->set_path("/c");
  r.mutable_create()->mutable_stat()->set_ephemeral_owner(0x1234);
  std::string out;
  ASSERT_TRUE(EncodeResponse(ZkOpContext{op::kCreate2, {}}, r, &out).ok());
  auto back = DecodeResponse(ZkOpContext{op::kCreate2, {}}, testing::Payload(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->create().stat().ephemeral_owner(), 0x1234);
}

}  // namespace
}  // namespace arbor::zk_wire
