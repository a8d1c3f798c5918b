// A change the state machine made that may fire watches. Apply returns these;
// the server hands them to its own WatchManager (watches are local state).
#pragma once

#include <cstdint>
#include <string>

#include "proto/client.pb.h"

namespace arbor::tree {

struct WatchTrigger {
  std::string path;
  proto::EventType type = proto::EVENT_NONE;
  int64_t zxid = 0;

  bool operator==(const WatchTrigger& o) const {
    return path == o.path && type == o.type && zxid == o.zxid;
  }
};

}  // namespace arbor::tree
