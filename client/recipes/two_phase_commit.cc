#include "client/recipes/two_phase_commit.h"

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

namespace {
constexpr const char* kCommit = "commit";
constexpr const char* kAbort = "abort";

TxnOutcome Parse(const std::string& data) {
  if (data == kCommit) return TxnOutcome::kCommit;
  if (data == kAbort) return TxnOutcome::kAbort;
  return TxnOutcome::kPending;
}
}  // namespace

const char* TxnOutcomeName(TxnOutcome o) {
  switch (o) {
    case TxnOutcome::kCommit: return "COMMIT";
    case TxnOutcome::kAbort: return "ABORT";
    case TxnOutcome::kPending: break;
  }
  return "PENDING";
}

proto::ErrorCode TwoPhaseCommit::Begin(const std::vector<std::string>& sites) {
  if (sites.empty()) return proto::BADARGUMENTS;
  size_t slash = txn_.rfind('/');
  if (slash > 0) {
    proto::ErrorCode c = EnsurePath(client_, txn_.substr(0, slash));
    if (c != proto::OK) return c;
  }
  Transaction t;
  t.Create(txn_, "");
  for (const std::string& s : sites) t.Create(txn_ + "/" + s, "");
  return client_->Multi(t).code();
}

proto::ErrorCode TwoPhaseCommit::Vote(const std::string& site, bool commit) {
  Transaction t;
  t.Check(txn_, 0).SetData(txn_ + "/" + site, commit ? kCommit : kAbort, 0);
  auto r = client_->Multi(t);
  if (r.ok()) return proto::OK;
  // Which op failed: the check (decided), or the vote node (unknown site / voted).
  if (r.code() == proto::NONODE) {
    return client_->Exists(txn_).ok() ? proto::BADARGUMENTS : proto::NONODE;
  }
  return r.code();
}

OpResult<TxnOutcome> TwoPhaseCommit::Outcome() {
  auto d = client_->GetData(txn_);
  if (!d.ok()) return d.code();
  return Parse(d->data());
}

OpResult<TxnOutcome> TwoPhaseCommit::Tally(Watcher watcher) {
  auto kids = client_->GetChildren(txn_, watcher);
  if (!kids.ok()) return kids.code();
  Transaction reads;
  for (const std::string& k : kids->children()) reads.GetData(txn_ + "/" + k);
  auto r = client_->MultiRead(reads);
  if (!r.ok()) return r.code();
  bool all_commit = true;
  for (const auto& one : r->results()) {
    if (!one.has_get_data()) return proto::SYSTEMERROR;
    TxnOutcome v = Parse(one.get_data().data());
    if (v == TxnOutcome::kAbort) return TxnOutcome::kAbort;
    all_commit = all_commit && v == TxnOutcome::kCommit;
  }
  return all_commit ? TxnOutcome::kCommit : TxnOutcome::kPending;
}

OpResult<TxnOutcome> TwoPhaseCommit::Write(TxnOutcome o) {
  auto w = client_->SetData(txn_, o == TxnOutcome::kCommit ? kCommit : kAbort, 0);
  if (w.ok()) return o;
  if (w.code() == proto::BADVERSION) return Outcome();  // decided already: that decision stands
  return w.code();
}

OpResult<TxnOutcome> TwoPhaseCommit::Decide(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? -1 : Signal::NowMs() + timeout_ms;
  auto signal = std::make_shared<Signal>();
  while (true) {
    auto decided = Outcome();
    if (!decided.ok() || decided.value() != TxnOutcome::kPending) return decided;
    // Votes change data, not children: watch each vote node's data.
    auto kids = client_->GetChildren(txn_);
    if (!kids.ok()) return kids.code();
    for (const std::string& k : kids->children()) (void)client_->GetData(txn_ + "/" + k, SignalWatcher(signal));
    auto tally = Tally(nullptr);
    if (!tally.ok()) return tally.code();
    if (tally.value() != TxnOutcome::kPending) return Write(tally.value());
    if (!signal->WaitUntil(deadline)) return Write(TxnOutcome::kAbort);
  }
}

OpResult<TxnOutcome> TwoPhaseCommit::AwaitOutcome(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? -1 : Signal::NowMs() + timeout_ms;
  auto signal = std::make_shared<Signal>();
  while (true) {
    auto d = client_->GetData(txn_, SignalWatcher(signal));
    if (!d.ok()) return d.code();
    TxnOutcome o = Parse(d->data());
    if (o != TxnOutcome::kPending) return o;
    if (!signal->WaitUntil(deadline)) return TxnOutcome::kPending;
  }
}

}  // namespace arbor::client::recipes
