// Something arbord's host runs beside the Replica on the same loop, such as
// the admin HTTP port (server/admin): started after the Replica, ticked on
// the loop, stopped before the loop ends. The host knows only this
// interface, so core does not depend on the extension's module.
//
// Threading: every call on the loop thread.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace arbor::core {

class ArborServer;

class HostExtension {
 public:
  virtual ~HostExtension() = default;
  // After the replica and the client listeners started.
  virtual Status Start(ArborServer* server) = 0;
  // Every tick (tick_ms).
  virtual void Tick(int64_t now_ms) = 0;
  // The host stops: release every loop handle (and join threads).
  virtual void Stop() = 0;
};

}  // namespace arbor::core
