// A distributed counter: a decimal int64 in one znode, updated by
// compare-and-set on the node's version (as Curator's DistributedAtomicLong
// in optimistic mode).
//
//   DistributedCounter hits(client, "/stats/hits");
//   OpResult<int64_t> now = hits.Add(1);   // the value after this add
//
// A missing node counts as 0 and is created by the first Add. Under
// contention Add retries (bounded by max_retries, then OPERATIONTIMEOUT).
// CONNECTIONLOSS from the final SetData means the outcome is unknown (the
// add may have been applied); the counter does not retry that blindly.
#pragma once

#include <cstdint>
#include <string>

#include "client/client.h"

namespace arbor::client::recipes {

class DistributedCounter {
 public:
  DistributedCounter(Client* client, std::string path, int max_retries = 10000)
      : client_(client), path_(std::move(path)), max_retries_(max_retries) {}

  // The current value (0 when the node does not exist). DATAINCONSISTENCY
  // when the node holds something that is not a decimal int64.
  OpResult<int64_t> Get();
  OpResult<int64_t> Add(int64_t delta);
  // Sets `desired` only if the value is `expected`: OK+true when set,
  // OK+false when the value differed.
  OpResult<bool> CompareAndSet(int64_t expected, int64_t desired);
  // How many CAS attempts lost a race so far (for tests and metrics).
  int64_t conflicts() const { return conflicts_; }

 private:
  struct Versioned {
    int64_t value = 0;
    int32_t version = -1;  // -1: the node does not exist
  };
  OpResult<Versioned> Read();
  // Writes `value` if the node is still at `seen`; BADVERSION/NODEEXISTS on a lost race.
  proto::ErrorCode Write(const Versioned& seen, int64_t value);

  Client* const client_;
  const std::string path_;
  const int max_retries_;
  int64_t conflicts_ = 0;
};

}  // namespace arbor::client::recipes
