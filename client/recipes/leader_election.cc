#include "client/recipes/leader_election.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

namespace {
bool Attached(SessionState s) { return s == SessionState::kConnected || s == SessionState::kReconnected; }
bool Terminal(SessionState s) { return s == SessionState::kExpired || s == SessionState::kClosed; }
}  // namespace

// Shared with watchers and the session subscription, which may outlive us.
struct LeaderElection::Shared {
  std::shared_ptr<Signal> wake = std::make_shared<Signal>();
  std::atomic<bool> stop{false};
  // Cleared on the event thread the moment the session is suspended, before
  // the election thread runs the listener.
  std::atomic<bool> leader{false};
  // Bumped by the subscription on every session change (under leader_mu), so
  // a "we lead" conclusion drawn before a suspension is never published.
  std::mutex leader_mu;
  int64_t session_epoch = 0;
  std::atomic<bool> lost{false};
  std::mutex mu;
  std::string node;
};

LeaderElection::LeaderElection(Client* client, SessionEvents* events, std::string dir, std::string id,
                               Listener listener, int64_t poll_ms)
    : client_(client),
      events_(events),
      dir_(std::move(dir)),
      id_(std::move(id)),
      listener_(std::move(listener)),
      poll_ms_(poll_ms),
      shared_(std::make_shared<Shared>()) {}

LeaderElection::~LeaderElection() { Stop(); }

proto::ErrorCode LeaderElection::Start() {
  if (started_) return proto::APIERROR;
  started_ = true;
  if (events_ != nullptr) {
    std::shared_ptr<Shared> shared = shared_;
    subscription_ = events_->Subscribe([shared](SessionState, SessionState to) {
      {
        std::lock_guard<std::mutex> l(shared->leader_mu);
        ++shared->session_epoch;
        if (!Attached(to)) shared->leader = false;
      }
      shared->wake->Notify();
    });
  }
  thread_ = std::thread([this] { Run(); });
  return proto::OK;
}

void LeaderElection::Stop() {
  if (!started_ || shared_->stop.exchange(true)) return;
  shared_->wake->Notify();
  thread_.join();
  if (events_ != nullptr) events_->Unsubscribe(subscription_);
  SetLeader(false);
  std::string node;
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    node.swap(shared_->node);
  }
  if (!node.empty() && Attached(client_->state())) (void)client_->Delete(node);
}

bool LeaderElection::IsLeader() const { return shared_->leader; }
bool LeaderElection::lost() const { return shared_->lost; }

std::string LeaderElection::node_path() const {
  std::lock_guard<std::mutex> l(shared_->mu);
  return shared_->node;
}

void LeaderElection::SetLeader(bool leader, int64_t epoch) {
  // Only the session subscription may clear `leader` behind our back; a
  // true is only ever set here, after reading the election from the server,
  // and only if no session change happened since that read began.
  {
    std::lock_guard<std::mutex> l(shared_->leader_mu);
    if (leader && (epoch != shared_->session_epoch || !Attached(client_->state()))) leader = false;
    shared_->leader = leader;
  }
  if (leader == reported_leader_) return;
  reported_leader_ = leader;
  if (listener_) listener_(leader);
}

void LeaderElection::Run() {
  bool woken = true;
  SessionState last = client_->state();
  while (!shared_->stop) {
    // Re-read the election only when a watch or the session said something
    // changed (or, without SessionEvents, when the polled state changed).
    SessionState now = client_->state();
    if (woken || now != last) {
      if (!Evaluate()) {
        shared_->lost = true;
        SetLeader(false);
        std::lock_guard<std::mutex> l(shared_->mu);
        shared_->node.clear();  // gone with the session
        return;
      }
    }
    last = now;
    woken = shared_->wake->WaitUntil(Signal::NowMs() + poll_ms_);
  }
}

void LeaderElection::Watch(const std::string& path) {
  // One armed watch per target: re-arming on every pass would pile up
  // one-shot watchers on a node that does not change.
  if (path == watching_ && armed_ && *armed_) return;
  watching_ = path;
  armed_ = std::make_shared<std::atomic<bool>>(true);
  std::shared_ptr<std::atomic<bool>> armed = armed_;
  std::shared_ptr<Signal> wake = shared_->wake;
  auto e = client_->Exists(path, [armed, wake](const proto::WatchEvent&) {
    *armed = false;
    wake->Notify();
  });
  if (e.code() == proto::NONODE) {
    *armed_ = false;  // an exist watch now waits for creation; look again at once
    wake->Notify();
  } else if (!e.ok()) {
    *armed_ = false;
  }
}

bool LeaderElection::Evaluate() {
  int64_t epoch;
  {
    std::lock_guard<std::mutex> l(shared_->leader_mu);
    epoch = shared_->session_epoch;
  }
  SessionState s = client_->state();
  if (Terminal(s)) return false;
  if (!Attached(s)) {
    SetLeader(false);  // SUSPENDED/CONNECTING: not safe to act as leader
    return true;
  }
  std::string node = node_path();
  if (node.empty()) {
    auto created = CreateProtectedSequential(client_, dir_, "n-", id_, proto::EPHEMERAL_SEQUENTIAL, 1000);
    if (!created.ok()) return !Terminal(client_->state());
    std::lock_guard<std::mutex> l(shared_->mu);
    node = shared_->node = created.value();
  }
  auto kids = client_->GetChildren(dir_);
  if (!kids.ok()) {
    SetLeader(false);
    return !Terminal(client_->state());
  }
  std::vector<std::string> names(kids->children().begin(), kids->children().end());
  names.erase(std::remove_if(names.begin(), names.end(), [](const std::string& n) { return SequenceOf(n) < 0; }),
              names.end());
  SortBySequence(&names);
  const std::string own = node.substr(dir_.size() + 1);
  auto it = std::find(names.begin(), names.end(), own);
  if (it == names.end()) {
    // Our node vanished (deleted by someone): compete again with a new one.
    SetLeader(false);
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->node.clear();
    shared_->wake->Notify();
    return true;
  }
  if (it == names.begin()) {
    // A suspension between the read and now must win (see SetLeader).
    SetLeader(true, epoch);
    // Watch our own node so that its deletion re-runs the election.
    Watch(node);
    return true;
  }
  SetLeader(false);
  Watch(dir_ + "/" + *(it - 1));
  return true;
}

OpResult<std::string> LeaderElection::CurrentLeader(Client* client, const std::string& dir) {
  auto kids = client->GetChildren(dir);
  if (!kids.ok()) return kids.code();
  std::vector<std::string> names(kids->children().begin(), kids->children().end());
  SortBySequence(&names);
  for (const std::string& n : names) {
    if (SequenceOf(n) < 0) continue;
    auto d = client->GetData(dir + "/" + n);
    if (d.code() == proto::NONODE) continue;  // left meanwhile
    if (!d.ok()) return d.code();
    return d->data();
  }
  return proto::NONODE;
}

}  // namespace arbor::client::recipes
