#include "server/admin/loop_bridge.h"

#include <glog/logging.h>

#include <chrono>

namespace arbor::admin {

LoopBridge::~LoopBridge() { CHECK(!open_) << "LoopBridge destroyed without Stop()"; }

void LoopBridge::Start() {
  uv_async_init(loop_, &async_, &LoopBridge::OnAsync);
  async_.data = this;
  std::lock_guard<std::mutex> l(mu_);
  open_ = true;
}

void LoopBridge::Stop() {
  std::deque<std::shared_ptr<Pending>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!open_) return;
    open_ = false;
    dropped.swap(queue_);
  }
  for (auto& p : dropped) {
    std::lock_guard<std::mutex> l(p->mu);
    p->done = true;
    p->cv.notify_all();
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

std::optional<std::string> LoopBridge::Run(Job job, int timeout_ms) {
  auto p = std::make_shared<Pending>();
  p->job = std::move(job);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!open_) return std::nullopt;
    queue_.push_back(p);
    uv_async_send(&async_);  // thread-safe; the handle lives while open_
  }
  std::unique_lock<std::mutex> l(p->mu);
  if (!p->cv.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] { return p->done; })) return std::nullopt;
  return std::move(p->result);
}

bool LoopBridge::Post(Job job) {
  auto p = std::make_shared<Pending>();
  p->job = std::move(job);
  std::lock_guard<std::mutex> l(mu_);
  if (!open_) return false;
  queue_.push_back(std::move(p));
  uv_async_send(&async_);
  return true;
}

void LoopBridge::OnAsync(uv_async_t* handle) { static_cast<LoopBridge*>(handle->data)->Drain(); }

void LoopBridge::Drain() {
  std::deque<std::shared_ptr<Pending>> jobs;
  {
    std::lock_guard<std::mutex> l(mu_);
    jobs.swap(queue_);
  }
  for (auto& p : jobs) {
    std::string out = p->job();
    std::lock_guard<std::mutex> l(p->mu);
    p->result = std::move(out);
    p->done = true;
    p->cv.notify_all();
  }
}

}  // namespace arbor::admin
