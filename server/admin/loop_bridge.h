// LoopBridge: how the admin port's threads ask the libuv loop for what only
// the loop may read (a znode, the sessions table, the watch table). A job is
// a function the admin thread builds from plain values; the loop runs it
// when it wakes (uv_async) and hands back a string (JSON). The admin thread
// never touches a loop-owned object itself, and the loop does one bounded
// read per job between its other callbacks, so client traffic is never
// blocked for longer than that read.
//
// Threading: Start/Stop on the loop thread; Run from any other thread.
#pragma once

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace arbor::admin {

class LoopBridge {
 public:
  using Job = std::function<std::string()>;

  explicit LoopBridge(uv_loop_t* loop) : loop_(loop) {}
  ~LoopBridge();
  void Start();
  // Fails every waiting job and closes the handle; Run() fails from now on.
  void Stop();

  // Runs `job` on the loop; nullopt if it did not finish within timeout_ms
  // (the loop is busy or stopping): the caller answers 503.
  std::optional<std::string> Run(Job job, int timeout_ms);
  // Runs `job` on the loop without waiting for it (an admin action).
  bool Post(Job job);

 private:
  struct Pending {
    Job job;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::optional<std::string> result;
  };
  static void OnAsync(uv_async_t* handle);
  void Drain();

  uv_loop_t* loop_;
  uv_async_t async_{};
  std::mutex mu_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool open_ = false;
};

}  // namespace arbor::admin
