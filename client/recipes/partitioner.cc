#include "client/recipes/partitioner.h"

namespace arbor::client::recipes {

WorkPartitioner::WorkPartitioner(Client* client, SessionEvents* events, std::string dir, std::string me,
                                 Listener listener, int vnodes)
    : me_(me),
      shared_(std::make_shared<Shared>(vnodes)),
      member_(client, dir, me),
      watcher_(client, events, dir,
               [shared = shared_, listener = std::move(listener)](const std::vector<std::string>& members) {
                 {
                   std::lock_guard<std::mutex> l(shared->mu);
                   shared->ring.Set(members);
                 }
                 if (listener) listener(members);
               }) {}

proto::ErrorCode WorkPartitioner::Start() {
  proto::ErrorCode c = member_.Join();
  if (c != proto::OK) return c;
  return watcher_.Start();
}

proto::ErrorCode WorkPartitioner::Stop() { return member_.Leave(); }

bool WorkPartitioner::Owns(const std::string& item) const { return OwnerOf(item) == me_; }

std::string WorkPartitioner::OwnerOf(const std::string& item) const {
  std::lock_guard<std::mutex> l(shared_->mu);
  return shared_->ring.Owner(item);
}

std::vector<std::string> WorkPartitioner::MyItems(const std::vector<std::string>& items) const {
  std::lock_guard<std::mutex> l(shared_->mu);
  std::vector<std::string> mine;
  for (const std::string& item : items) {
    if (shared_->ring.Owner(item) == me_) mine.push_back(item);
  }
  return mine;
}

std::vector<std::string> WorkPartitioner::Members() const {
  std::lock_guard<std::mutex> l(shared_->mu);
  return {shared_->ring.members().begin(), shared_->ring.members().end()};
}

}  // namespace arbor::client::recipes
