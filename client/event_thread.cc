#include "client/event_thread.h"

#include <cassert>

namespace arbor::client {

EventThread::EventThread() : thread_([this] { Run(); }) {}

EventThread::~EventThread() { Stop(); }

bool EventThread::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
  return true;
}

size_t EventThread::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void EventThread::Stop() {
  assert(!OnThisThread() && "EventThread::Stop from its own thread would deadlock");
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EventThread::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    std::function<void()> fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace arbor::client
