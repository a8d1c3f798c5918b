// Pending ReadIndex requests at the leader (Raft thesis 6.4).
//
// A request records the commit index when it arrived; it becomes safe to
// answer once a majority of voters acknowledged a heartbeat that carried the
// request's context (proving the leader still led after the request arrived).
// Requests are answered in arrival order: an ack for a later request also
// confirms every earlier one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/raft.pb.h"

namespace arbor::raft {

struct ReadRequest {
  Message req;       // the request (req.from is the asker, req.context the ctx)
  uint64_t index;    // commit index when the request arrived
  std::set<uint64_t> acks;
};

class ReadOnly {
 public:
  // Returns false if ctx is already pending (duplicate contexts are ignored).
  bool Add(uint64_t index, const Message& req, uint64_t self);
  // Records a heartbeat ack carrying ctx; returns the acks for ctx (empty if unknown).
  const std::set<uint64_t>* RecvAck(uint64_t from, const std::string& ctx);
  // Removes and returns every request up to and including ctx.
  std::vector<ReadRequest> Advance(const std::string& ctx);
  // Context of the newest pending request ("" if none).
  std::string LastPendingContext() const;
  size_t size() const { return queue_.size(); }
  void Reset() { pending_.clear(); queue_.clear(); }

 private:
  std::map<std::string, ReadRequest> pending_;
  std::deque<std::string> queue_;
};

}  // namespace arbor::raft
