// The watch workload's checker. Each watcher holds a persistent watch on
// one key that a writer keeps changing, and reads the key now and then; it
// records, in the order its client delivered them (the event thread runs
// watchers and read callbacks in one sequence), every NODE_DATA_CHANGED
// event (with its zxid), every read (the node's mzxid and version) and every
// session state change. ZooKeeper promises, while a connection lasts:
//  - events arrive in zxid order;
//  - a client sees the event for a change before it can read data at or
//    after that change, and never reads data older than an event it saw;
//  - every change fires the persistent watch once: between two reads
//    (m0, v0) and (m, v) exactly v - v0 events with zxid in (m0, m] arrive.
// A state change (suspended, reconnected, expired) starts a new epoch: the
// first read after it is the new baseline (ZooKeeper does not replay
// changes missed while disconnected, it fires once).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace arbor::fault {

struct WatchRecord {
  enum class Kind { kEpoch, kEvent, kRead };
  std::string watcher;
  Kind kind = Kind::kRead;
  int64_t mono_ns = 0;
  int64_t zxid = 0;      // event zxid, or the mzxid read
  int32_t version = -1;  // version read
};

// Line: watcher kind mono_ns zxid version (tab-separated; kind epoch|event|read).
std::string FormatWatchRecord(const WatchRecord& r);
Result<std::vector<WatchRecord>> ReadWatchHistory(const std::vector<std::string>& paths);

struct WatchCheckResult {
  size_t events = 0, reads = 0, epochs = 0;
  size_t violation_count = 0;
  std::vector<std::string> violations;  // the first few
};

// Records of each watcher must be in delivery order (files are appended in that order).
WatchCheckResult CheckWatches(const std::vector<WatchRecord>& records, size_t max_reported = 20);

}  // namespace arbor::fault
