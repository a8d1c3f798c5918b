// Hand-made histories for the fault suite's register checkers: each known
// anomaly must be rejected, and legal concurrent histories accepted.
#include "test/fault/checker/linearizability.h"

#include <gtest/gtest.h>

#include "test/fault/checker/sequential_reads.h"

namespace arbor::fault {
namespace {

RegisterOp Op(const std::string& client, OpType type, int64_t invoke, int64_t complete, Outcome outcome,
              const std::string& value, int32_t version = -1, int32_t new_version = -1) {
  RegisterOp r;
  r.client = client;
  r.key = "k";
  r.type = type;
  r.invoke_ns = invoke;
  r.complete_ns = outcome == Outcome::kUnknown ? kNever : complete;
  r.outcome = outcome;
  r.value = value;
  r.version = version;
  r.new_version = new_version;
  return r;
}
RegisterOp Write(const std::string& c, int64_t i, int64_t d, Outcome o, const std::string& v, int32_t nv = -1) {
  return Op(c, OpType::kWrite, i, d, o, v, -1, nv);
}
RegisterOp Cas(const std::string& c, int64_t i, int64_t d, Outcome o, int32_t expect, const std::string& v,
               int32_t nv = -1) {
  return Op(c, OpType::kCas, i, d, o, v, expect, nv);
}
RegisterOp SRead(const std::string& c, int64_t i, int64_t d, const std::string& v, int32_t version) {
  return Op(c, OpType::kSyncRead, i, d, Outcome::kOk, v, version);
}
RegisterOp Read(const std::string& c, int64_t i, int64_t d, const std::string& v, int32_t version) {
  return Op(c, OpType::kRead, i, d, Outcome::kOk, v, version);
}
Verdict Check(const std::vector<RegisterOp>& h) { return CheckLinearizable(h).verdict; }

TEST(Linearizability, EmptyAndSequentialHistoriesAreLinearizable) {
  EXPECT_EQ(Check({}), Verdict::kLinearizable);
  EXPECT_EQ(Check({Write("a", 0, 10, Outcome::kOk, "x", 1), SRead("b", 20, 30, "x", 1),
                   Cas("a", 40, 50, Outcome::kOk, 1, "y", 2), SRead("b", 60, 70, "y", 2)}),
            Verdict::kLinearizable);
}

TEST(Linearizability, StaleSyncReadIsRejected) {
  auto r = CheckLinearizable({Write("a", 0, 10, Outcome::kOk, "x", 1), SRead("b", 20, 30, "init", 0)});
  EXPECT_EQ(r.verdict, Verdict::kViolation);
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_NE(r.keys[0].explanation.find("sread(init"), std::string::npos) << r.keys[0].explanation;
}

TEST(Linearizability, LostAcknowledgedWriteIsRejected) {
  // y was acknowledged, then a read after it still sees x.
  EXPECT_EQ(Check({Write("a", 0, 10, Outcome::kOk, "x", 1), Write("b", 20, 30, Outcome::kOk, "y", 2),
                   SRead("c", 40, 50, "x", 1)}),
            Verdict::kViolation);
}

TEST(Linearizability, ReorderedCasIsRejected) {
  // The CAS from v1 completed before the CAS that produced v1 was invoked.
  EXPECT_EQ(Check({Cas("a", 0, 10, Outcome::kOk, 1, "b", 2), Cas("b", 20, 30, Outcome::kOk, 0, "a", 1)}),
            Verdict::kViolation);
}

TEST(Linearizability, TwoConcurrentCasFromTheSameVersionCannotBothSucceed) {
  EXPECT_EQ(Check({Cas("a", 0, 100, Outcome::kOk, 0, "a"), Cas("b", 0, 100, Outcome::kOk, 0, "b")}),
            Verdict::kViolation);
  // One of them failing with BADVERSION is fine, whichever wins.
  EXPECT_EQ(Check({Cas("a", 0, 100, Outcome::kOk, 0, "a", 1), Cas("b", 0, 100, Outcome::kFail, 0, "b"),
                   SRead("c", 150, 160, "a", 1)}),
            Verdict::kLinearizable);
}

TEST(Linearizability, FailedCasWhileTheVersionMatchedIsRejected) {
  EXPECT_EQ(Check({Cas("a", 0, 10, Outcome::kFail, 0, "a"), SRead("b", 20, 30, "init", 0)}), Verdict::kViolation);
}

TEST(Linearizability, ConcurrentWritesAndReadsMaySeeEitherOrder) {
  // b's write overlaps a's; readers overlapping both may see either; the
  // final read pins the order a, b.
  EXPECT_EQ(Check({Write("a", 0, 100, Outcome::kOk, "x"), Write("b", 10, 110, Outcome::kOk, "y"),
                   SRead("c", 20, 120, "x", 1), SRead("d", 30, 130, "y", 2), SRead("e", 200, 210, "y", 2)}),
            Verdict::kLinearizable);
  EXPECT_EQ(Check({Write("a", 0, 100, Outcome::kOk, "x"), Write("b", 10, 110, Outcome::kOk, "y"),
                   SRead("c", 20, 120, "y", 1), SRead("e", 200, 210, "x", 2)}),
            Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteMayTakeEffectLateOrNever) {
  // Seen long after its client gave up on it.
  EXPECT_EQ(Check({Write("a", 0, 0, Outcome::kUnknown, "x"), SRead("b", 500, 510, "init", 0),
                   SRead("b", 1000, 1010, "x", 1)}),
            Verdict::kLinearizable);
  // Never seen at all.
  EXPECT_EQ(Check({Write("a", 0, 0, Outcome::kUnknown, "x"), SRead("b", 500, 510, "init", 0)}),
            Verdict::kLinearizable);
  // But not before it was invoked.
  EXPECT_EQ(Check({SRead("b", 0, 10, "x", 1), Write("a", 20, 0, Outcome::kUnknown, "x")}), Verdict::kViolation);
}

TEST(Linearizability, UnknownWriteCannotTakeEffectTwice) {
  EXPECT_EQ(Check({Write("a", 0, 0, Outcome::kUnknown, "x"), SRead("b", 10, 20, "x", 1),
                   Write("c", 30, 40, Outcome::kOk, "y", 2), SRead("b", 50, 60, "x", 3)}),
            Verdict::kViolation);
}

TEST(Linearizability, ManyUnknownWritesOfCrashedClientsStayCheap) {
  // 40 writes whose outcome nobody learned and whose values nobody read;
  // exactly 20 took effect before z. Without the symmetry reduction this is
  // C(40, 20) states.
  std::vector<RegisterOp> h;
  for (int i = 0; i < 40; ++i) h.push_back(Write("w" + std::to_string(i), i, 0, Outcome::kUnknown, "u" + std::to_string(i)));
  h.push_back(Write("z", 100, 110, Outcome::kOk, "z", 21));
  h.push_back(SRead("r", 120, 130, "z", 21));
  LinearizabilityOptions o;
  o.max_states_per_key = 100000;
  EXPECT_EQ(CheckLinearizable(h, o).verdict, Verdict::kLinearizable);
  // And it still counts: 41 unknown writes cannot have made v21 when only 10 existed.
  h.resize(10);
  h.push_back(Write("z", 100, 110, Outcome::kOk, "z", 21));
  EXPECT_EQ(CheckLinearizable(h, o).verdict, Verdict::kViolation);
}

TEST(Linearizability, KeysAreIndependent) {
  auto other = Write("a", 0, 10, Outcome::kOk, "x", 1);
  other.key = "other";
  auto r = CheckLinearizable({other, SRead("b", 20, 30, "init", 0)});
  EXPECT_EQ(r.verdict, Verdict::kLinearizable);
  EXPECT_EQ(r.keys.size(), 2u);
}

TEST(Linearizability, ExhaustedBudgetIsUnknownNotLinearizable) {
  std::vector<RegisterOp> h;
  // 12 concurrent acknowledged writes, v3 last: 2^11 subsets to walk through.
  for (int i = 0; i < 12; ++i) h.push_back(Write("w" + std::to_string(i), 0, 100, Outcome::kOk, "v" + std::to_string(i)));
  h.push_back(SRead("r", 110, 120, "v3", 12));
  LinearizabilityOptions o;
  o.max_states_per_key = 50;
  EXPECT_EQ(CheckLinearizable(h, o).verdict, Verdict::kUnknown);
}

TEST(PlainReads, StaleButMonotonicReadsAreAllowed) {
  auto r = CheckPlainReads({Write("a", 0, 10, Outcome::kOk, "x", 1), Read("b", 20, 30, "init", 0),
                            Read("b", 40, 50, "x", 1), Read("b", 60, 70, "x", 1)});
  EXPECT_EQ(r.violation_count, 0u);
  EXPECT_EQ(r.reads, 3u);
}

TEST(PlainReads, GoingBackInTimeIsRejected) {
  auto r = CheckPlainReads({Write("a", 0, 10, Outcome::kOk, "x", 1), Read("b", 20, 30, "x", 1),
                            Read("b", 40, 50, "init", 0)});
  EXPECT_EQ(r.violation_count, 1u);
  // Its own acknowledged write counts as seen.
  r = CheckPlainReads({Write("a", 0, 10, Outcome::kOk, "x", 1), Read("a", 20, 30, "init", 0)});
  EXPECT_EQ(r.violation_count, 1u);
}

TEST(PlainReads, ValuesNobodyWroteOrFromTheFutureAreRejected) {
  EXPECT_EQ(CheckPlainReads({Read("b", 0, 10, "ghost", 1)}).violation_count, 1u);
  EXPECT_EQ(CheckPlainReads({Read("b", 0, 10, "x", 1), Write("a", 20, 30, Outcome::kOk, "x", 1)}).violation_count, 1u);
  EXPECT_EQ(CheckPlainReads({Write("a", 0, 10, Outcome::kOk, "x", 1), Write("a", 20, 30, Outcome::kOk, "y", 2),
                             Read("b", 40, 50, "x", 2)})
                .violation_count,
            1u);
}

TEST(History, LinesRoundTrip) {
  RegisterOp op = Cas("c1", 5, 9, Outcome::kOk, 3, "c1-7", 4);
  auto parsed = ParseRegisterOp(FormatRegisterOp(op));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(FormatRegisterOp(*parsed), FormatRegisterOp(op));
  auto unknown = ParseRegisterOp("c1\tk\twrite\t5\t-1\tunknown\tv\t-1\t-1");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->complete_ns, kNever);
  EXPECT_FALSE(ParseRegisterOp("c1\tk\tfrob\t5\t6\tok\tv\t-1\t-1").ok());
  EXPECT_FALSE(ParseRegisterOp("c1\tk\tread\t9\t6\tok\tv\t-1\t-1").ok());
}

}  // namespace
}  // namespace arbor::fault
