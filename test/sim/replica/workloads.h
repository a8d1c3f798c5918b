// What the simulated clients do: compare-and-set registers with plain,
// watched and synced reads, and the lock recipe (ephemeral sequential nodes,
// lowest holds, a client-unique prefix so a create whose answer was lost can
// be found again, as Curator's protected mode does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "test/sim/replica/client_checker.h"
#include "test/sim/replica/sim_client.h"
#include "test/sim/replica/world.h"

namespace arbor::sim {

class Workload {
 public:
  virtual ~Workload() = default;
  virtual void Start() = 0;
  // No new operations after this (the run is ending).
  void Stop() { stopped_ = true; }
  uint64_t completed() const { return completed_; }

 protected:
  uint64_t completed_ = 0;
  bool stopped_ = false;
};

class RegisterWorkload : public Workload {
 public:
  RegisterWorkload(World* world, SimClient* client, ClientChecker* checker, std::vector<std::string> keys)
      : world_(world), c_(client), checker_(checker), keys_(std::move(keys)) {}
  void Start() override { Next(); }

 private:
  void Next();
  void Later() { world_->At(world_->Between(5, 60), [this] { Next(); }); }
  void Read(const std::string& key, bool watch);
  void CasWrite(const std::string& key);
  void SyncRead(const std::string& key);

  World* world_;
  SimClient* c_;
  ClientChecker* checker_;
  std::vector<std::string> keys_;
  uint64_t writes_ = 0;
  uint64_t next_token_ = 1;
};

class LockWorkload : public Workload {
 public:
  LockWorkload(World* world, SimClient* client, ClientChecker* checker)
      : world_(world), c_(client), checker_(checker) {}
  void Start() override { Next(); }

 private:
  enum class Phase { kIdle, kCreating, kWaiting, kHolding, kReleasing };
  void Next();
  void Later(int64_t lo, int64_t hi) { world_->At(world_->Between(lo, hi), [this] { Next(); }); }
  void Create();
  void Check();
  void Release();
  std::string prefix() const;

  World* world_;
  SimClient* c_;
  ClientChecker* checker_;
  Phase phase_ = Phase::kIdle;
  int64_t session_ = 0;  // the session our node belongs to
  std::string node_;     // our node's name under /lock, once known
  int64_t hold_until_ = 0;
  uint64_t round_ = 0;
  bool holding_ = false;
};

}  // namespace arbor::sim
