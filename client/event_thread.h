// The client's event thread: runs watch callbacks, async completions and
// session-state notifications one at a time, in the order the loop thread
// posted them, so a slow callback never stalls the network loop (ZooKeeper's
// EventThread plays the same role).
//
// Threading: Post is thread-safe. Stop() runs what is already queued, then
// joins; it must not be called from the event thread itself (a callback that
// wants to close the client uses Client::Close, which does not join here).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace arbor::client {

class EventThread {
 public:
  EventThread();
  ~EventThread();  // Stop()
  EventThread(const EventThread&) = delete;
  EventThread& operator=(const EventThread&) = delete;

  // Queues `fn`. Returns false (and does not take it) once Stop() began;
  // the caller then decides where to run it.
  bool Post(std::function<void()> fn);
  void Stop();
  bool OnThisThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  // Callbacks queued and not yet started (for tests and metrics).
  size_t queued() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arbor::client
