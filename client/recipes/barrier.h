// Barriers (ZooKeeper's recipes).
//
// Barrier: a node that holds processes back while it exists.
//   Barrier b(client, "/jobs/start-gate");
//   b.Set();                 // coordinator: close the gate
//   b.Wait(10000);           // workers: block until the gate node is deleted
//   b.Remove();              // coordinator: open it
//
// DoubleBarrier: `count` processes enter together and leave together.
//   DoubleBarrier d(client, "/jobs/round-7", "worker-3", 5);
//   d.Enter(10000);  ... compute ...  d.Leave(10000);
// Enter returns once `count` participants have entered (the one completing
// the group creates `<dir>/ready`); Leave returns once every participant has
// left (each waits on one node only, as the recipe prescribes: the lowest
// waits for the highest, the others for the lowest). A barrier directory is
// for one round; the last process to leave removes the ready node.
#pragma once

#include <cstdint>
#include <string>

#include "client/client.h"

namespace arbor::client::recipes {

class Barrier {
 public:
  Barrier(Client* client, std::string path) : client_(client), path_(std::move(path)) {}
  proto::ErrorCode Set();     // creates the node (parents too); NODEEXISTS is OK
  proto::ErrorCode Remove();  // deletes it; NONODE is OK
  // OK+true once the node does not exist; OK+false after timeout_ms (<0: forever).
  OpResult<bool> Wait(int64_t timeout_ms);

 private:
  Client* const client_;
  const std::string path_;
};

class DoubleBarrier {
 public:
  static constexpr const char* kReadyNode = "ready";

  // `id` names this participant's node (unique within the barrier).
  DoubleBarrier(Client* client, std::string dir, std::string id, int count)
      : client_(client), dir_(std::move(dir)), id_(std::move(id)), count_(count) {}

  // OK+true: all `count` have entered. OK+false: timed out (our node is
  // removed again, so the others do not count us).
  OpResult<bool> Enter(int64_t timeout_ms);
  // OK+true: everyone has left. OK+false: timed out (our node may be gone).
  OpResult<bool> Leave(int64_t timeout_ms);

 private:
  Client* const client_;
  const std::string dir_;
  const std::string id_;
  const int count_;
};

}  // namespace arbor::client::recipes
