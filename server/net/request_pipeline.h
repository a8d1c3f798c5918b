// Per-session ordering of pipelined requests (ZooKeeper's FIFO client order).
//
// A client may send many requests without waiting. Responses must leave in
// the order the requests arrived, and a read that follows the session's own
// pending write must observe it. So:
//   - an async request (a write, or sync) starts at once and completes later;
//   - a local request (a read) runs only when every request ahead of it has
//     completed, then is answered at once;
//   - responses are emitted strictly in arrival order.
// The pipeline is bounded: Add() refuses past max_outstanding, and the
// connection stops reading before that (back-pressure, nothing dropped).
//
// Pure logic (no sockets): the server supplies the three callbacks.
// Threading: loop thread only. Callbacks may call back into Complete().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "proto/client.pb.h"

namespace arbor::net {

class RequestPipeline {
 public:
  enum class Kind { kLocal, kAsync };

  struct Callbacks {
    // Starts an async request; the server later calls Complete(seq, ...).
    std::function<void(uint64_t seq, const proto::Request& request)> start_async;
    // Answers a local request now, against the current local state.
    std::function<proto::Response(const proto::Request& request)> run_local;
    // Sends one response to the client (called in arrival order).
    std::function<void(proto::Response&& response)> emit;
  };

  RequestPipeline(size_t max_outstanding, Callbacks callbacks);

  // False (request not taken) when max_outstanding requests are pending.
  bool Add(proto::Request request, Kind kind);
  // A request answered already (refused by the codec): its response leaves
  // in its turn. False when full, as Add.
  bool AddAnswered(proto::Response response);
  // An async request finished. Unknown seqs (e.g. after Abort) are ignored.
  void Complete(uint64_t seq, proto::Response response);
  // Fails every pending request with `error` (e.g. the session expired),
  // emitting their responses in order.
  void FailAll(proto::ErrorCode error);

  size_t outstanding() const { return slots_.size(); }
  bool full() const { return slots_.size() >= max_outstanding_; }
  bool has_pending_async() const { return async_pending_ > 0; }

 private:
  struct Slot {
    uint64_t seq;
    Kind kind;
    proto::Request request;  // kept for local requests until they run
    std::optional<proto::Response> response;
  };
  void Drain();

  size_t max_outstanding_;
  Callbacks cb_;
  std::deque<Slot> slots_;
  uint64_t next_seq_ = 1;
  size_t async_pending_ = 0;
  bool draining_ = false;
};

}  // namespace arbor::net
