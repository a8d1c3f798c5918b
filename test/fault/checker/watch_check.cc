#include "test/fault/checker/watch_check.h"

#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace arbor::fault {

std::string FormatWatchRecord(const WatchRecord& r) {
  const char* kind = r.kind == WatchRecord::Kind::kEpoch ? "epoch" : r.kind == WatchRecord::Kind::kEvent ? "event" : "read";
  std::ostringstream s;
  s << r.watcher << '\t' << kind << '\t' << r.mono_ns << '\t' << r.zxid << '\t' << r.version;
  return s.str();
}

Result<std::vector<WatchRecord>> ReadWatchHistory(const std::vector<std::string>& paths) {
  std::vector<WatchRecord> out;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) return Status::NotFound("cannot read watch history " + path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream f(line);
      WatchRecord r;
      std::string kind;
      if (!std::getline(f, r.watcher, '\t') || !std::getline(f, kind, '\t') || !(f >> r.mono_ns >> r.zxid >> r.version)) {
        return Status::InvalidArgument(path + ": bad line: " + line);
      }
      if (kind == "epoch") r.kind = WatchRecord::Kind::kEpoch;
      else if (kind == "event") r.kind = WatchRecord::Kind::kEvent;
      else if (kind == "read") r.kind = WatchRecord::Kind::kRead;
      else return Status::InvalidArgument(path + ": bad kind: " + line);
      out.push_back(r);
    }
  }
  return out;
}

WatchCheckResult CheckWatches(const std::vector<WatchRecord>& records, size_t max_reported) {
  WatchCheckResult out;
  auto report = [&](const WatchRecord& r, const std::string& what) {
    ++out.violation_count;
    if (out.violations.size() < max_reported) {
      out.violations.push_back(r.watcher + " at " + std::to_string(r.mono_ns) + ": " + what);
    }
  };
  struct Watcher {
    std::optional<WatchRecord> baseline;  // first read of the epoch
    std::vector<int64_t> events;          // zxids since the baseline
    int64_t last_event = 0;               // in this epoch
  };
  std::map<std::string, Watcher> watchers;
  for (const WatchRecord& r : records) {
    Watcher& w = watchers[r.watcher];
    switch (r.kind) {
      case WatchRecord::Kind::kEpoch:
        ++out.epochs;
        w = Watcher{};
        break;
      case WatchRecord::Kind::kEvent:
        ++out.events;
        if (w.last_event != 0 && r.zxid <= w.last_event) {
          report(r, "event zxid " + std::to_string(r.zxid) + " after event zxid " + std::to_string(w.last_event));
        }
        w.last_event = std::max(w.last_event, r.zxid);
        if (w.baseline) w.events.push_back(r.zxid);
        break;
      case WatchRecord::Kind::kRead: {
        ++out.reads;
        if (!w.baseline) {
          w.baseline = r;
          w.events.clear();
          break;
        }
        const WatchRecord& b = *w.baseline;
        int64_t newest_event = 0, seen = 0;
        for (int64_t z : w.events) {
          newest_event = std::max(newest_event, z);
          if (z > b.zxid && z <= r.zxid) ++seen;
        }
        if (r.zxid < b.zxid || r.version < b.version) {
          report(r, "read (mzxid " + std::to_string(r.zxid) + ", v" + std::to_string(r.version) +
                        ") older than an earlier read (mzxid " + std::to_string(b.zxid) + ")");
        } else if (newest_event > r.zxid) {
          report(r, "read mzxid " + std::to_string(r.zxid) + " after the event for zxid " +
                        std::to_string(newest_event) + " was delivered");
        } else if (seen != r.version - b.version) {
          report(r, "read v" + std::to_string(r.version) + " (mzxid " + std::to_string(r.zxid) + ") after " +
                        std::to_string(seen) + " events since v" + std::to_string(b.version) + " (mzxid " +
                        std::to_string(b.zxid) + "): expected " + std::to_string(r.version - b.version));
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace arbor::fault
