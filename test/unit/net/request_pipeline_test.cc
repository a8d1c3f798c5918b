#include "server/net/request_pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace arbor::net {
namespace {

using Kind = RequestPipeline::Kind;

proto::Request Req(int xid) {
  proto::Request r;
  r.set_xid(xid);
  return r;
}

// Records what the pipeline does; "state" is a counter writes bump when they
// complete, so reads show which writes they observed.
struct Harness {
  std::vector<uint64_t> started;
  std::vector<std::pair<int, int64_t>> emitted;  // (xid, state seen or -1)
  int64_t state = 0;
  std::unique_ptr<RequestPipeline> p;

  explicit Harness(size_t max = 100) {
    RequestPipeline::Callbacks cb;
    cb.start_async = [this](uint64_t seq, const proto::Request&) { started.push_back(seq); };
    cb.run_local = [this](const proto::Request& r) {
      proto::Response resp;
      resp.set_xid(r.xid());
      resp.set_zxid(state);
      return resp;
    };
    cb.emit = [this](proto::Response&& r) { emitted.emplace_back(r.xid(), r.zxid()); };
    p = std::make_unique<RequestPipeline>(max, std::move(cb));
  }
  void FinishWrite(uint64_t seq, int xid) {
    ++state;
    proto::Response r;
    r.set_xid(xid);
    r.set_zxid(-1);
    p->Complete(seq, std::move(r));
  }
};

TEST(RequestPipelineTest, ReadsWithNothingPendingAnswerAtOnce) {
  Harness h;
  h.p->Add(Req(1), Kind::kLocal);
  h.p->Add(Req(2), Kind::kLocal);
  ASSERT_EQ(h.emitted.size(), 2u);
  EXPECT_EQ(h.emitted[0].first, 1);
  EXPECT_EQ(h.emitted[1].first, 2);
  EXPECT_EQ(h.p->outstanding(), 0u);
}

TEST(RequestPipelineTest, ReadAfterOwnWriteWaitsAndSeesIt) {
  Harness h;
  h.p->Add(Req(1), Kind::kAsync);
  h.p->Add(Req(2), Kind::kLocal);
  EXPECT_TRUE(h.emitted.empty());  // the read must not overtake the write
  h.FinishWrite(h.started[0], 1);
  ASSERT_EQ(h.emitted.size(), 2u);
  EXPECT_EQ(h.emitted[0], std::make_pair(1, int64_t{-1}));
  EXPECT_EQ(h.emitted[1], std::make_pair(2, int64_t{1}));  // observed the write
}

TEST(RequestPipelineTest, WritesArePipelinedAndAnsweredInArrivalOrder) {
  Harness h;
  h.p->Add(Req(1), Kind::kAsync);
  h.p->Add(Req(2), Kind::kAsync);
  h.p->Add(Req(3), Kind::kAsync);
  EXPECT_EQ(h.started.size(), 3u);  // all in flight together
  h.FinishWrite(h.started[2], 3);   // completes out of order
  h.FinishWrite(h.started[1], 2);
  EXPECT_TRUE(h.emitted.empty());
  h.FinishWrite(h.started[0], 1);
  ASSERT_EQ(h.emitted.size(), 3u);
  EXPECT_EQ(h.emitted[0].first, 1);
  EXPECT_EQ(h.emitted[1].first, 2);
  EXPECT_EQ(h.emitted[2].first, 3);
}

TEST(RequestPipelineTest, BoundRefusesAndFreesUp) {
  Harness h(2);
  EXPECT_TRUE(h.p->Add(Req(1), Kind::kAsync));
  EXPECT_TRUE(h.p->Add(Req(2), Kind::kLocal));
  EXPECT_TRUE(h.p->full());
  EXPECT_FALSE(h.p->Add(Req(3), Kind::kLocal));
  h.FinishWrite(h.started[0], 1);
  EXPECT_FALSE(h.p->full());
  EXPECT_TRUE(h.p->Add(Req(3), Kind::kLocal));
}

TEST(RequestPipelineTest, SynchronousCompletionInsideStartIsSafe) {
  std::vector<int> emitted;
  RequestPipeline* self = nullptr;
  RequestPipeline::Callbacks cb;
  cb.start_async = [&](uint64_t seq, const proto::Request& r) {
    proto::Response resp;
    resp.set_xid(r.xid());
    resp.set_error(proto::NOTREADONLY);
    self->Complete(seq, std::move(resp));
    EXPECT_EQ(r.xid(), 5);  // the request is still alive after Complete
  };
  cb.run_local = [](const proto::Request& r) { proto::Response x; x.set_xid(r.xid()); return x; };
  cb.emit = [&](proto::Response&& r) { emitted.push_back(r.xid()); };
  RequestPipeline p(10, std::move(cb));
  self = &p;
  p.Add(Req(5), Kind::kAsync);
  p.Add(Req(6), Kind::kLocal);
  EXPECT_EQ(emitted, (std::vector<int>{5, 6}));
}

TEST(RequestPipelineTest, FailAllAnswersEverythingInOrder) {
  Harness h;
  h.p->Add(Req(1), Kind::kAsync);
  h.p->Add(Req(2), Kind::kLocal);
  h.p->Add(Req(3), Kind::kAsync);
  h.p->FailAll(proto::SESSIONEXPIRED);
  ASSERT_EQ(h.emitted.size(), 3u);
  EXPECT_EQ(h.emitted[0].first, 1);
  EXPECT_EQ(h.emitted[2].first, 3);
  EXPECT_FALSE(h.p->has_pending_async());
  h.FinishWrite(h.started[0], 1);  // a late completion is ignored
  EXPECT_EQ(h.emitted.size(), 3u);
}

// A request the codec refused is answered already, yet its reply waits its
// turn behind a pending write (ZooKeeper clients check the order), and it
// counts toward the bound: a client cannot pile up refusals behind one slow
// request (found by the zk_codec fuzz target when they queued in the codec).
TEST(RequestPipelineTest, AnsweredSlotsLeaveInOrderAndCountTowardTheBound) {
  Harness h(3);
  ASSERT_TRUE(h.p->Add(Req(1), Kind::kAsync));
  proto::Response refused;
  refused.set_xid(2);
  refused.set_error(proto::UNIMPLEMENTED);
  ASSERT_TRUE(h.p->AddAnswered(refused));
  ASSERT_TRUE(h.p->Add(Req(3), Kind::kLocal));
  EXPECT_TRUE(h.emitted.empty()) << "nothing overtakes the pending write";
  EXPECT_FALSE(h.p->AddAnswered(refused)) << "the bound counts answered slots";
  h.FinishWrite(h.started[0], 1);
  ASSERT_EQ(h.emitted.size(), 3u);
  EXPECT_EQ(h.emitted[0].first, 1);
  EXPECT_EQ(h.emitted[1].first, 2);
  EXPECT_EQ(h.emitted[2].first, 3);
}

}  // namespace
}  // namespace arbor::net
