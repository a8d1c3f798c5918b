#include "test/fault/checker/sequential_reads.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace arbor::fault {

PlainReadResult CheckPlainReads(const std::vector<RegisterOp>& history, const std::string& initial_value,
                                int32_t initial_version, size_t max_reported) {
  PlainReadResult out;
  auto report = [&](const std::string& line) {
    ++out.violation_count;
    if (out.violations.size() < max_reported) out.violations.push_back(line);
  };
  // key -> value -> the write that wrote it; key -> version -> value known for sure.
  std::map<std::string, std::unordered_map<std::string, const RegisterOp*>> writer_of;
  std::map<std::string, std::map<int32_t, std::string>> value_at;
  for (const RegisterOp& r : history) {
    const bool write = r.type == OpType::kWrite || r.type == OpType::kCas;
    if (write && r.outcome != Outcome::kFail) writer_of[r.key][r.value] = &r;
    if (write && r.outcome == Outcome::kOk && r.new_version >= 0) value_at[r.key][r.new_version] = r.value;
    if (r.type == OpType::kSyncRead && r.outcome == Outcome::kOk) value_at[r.key][r.version] = r.value;
  }
  // Per (client, key): what the client had observed, by completion time.
  std::vector<const RegisterOp*> ordered;
  for (const RegisterOp& r : history) {
    if (r.outcome == Outcome::kOk) ordered.push_back(&r);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const RegisterOp* a, const RegisterOp* b) { return a->invoke_ns < b->invoke_ns; });
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<int64_t, int32_t>>> seen;  // (complete, version)
  for (const RegisterOp* r : ordered) {
    const bool read = r->type == OpType::kRead || r->type == OpType::kSyncRead;
    const int32_t observed = read ? r->version : r->new_version;
    auto& mine = seen[{r->client, r->key}];
    if (r->type == OpType::kRead) {
      ++out.reads;
      // Monotonic: versions this client saw in ops completed before this read began.
      for (const auto& [done, version] : mine) {
        if (done < r->invoke_ns && version > r->version) {
          report(r->client + " read " + r->key + " at v" + std::to_string(r->version) + " invoked at " +
                 std::to_string(r->invoke_ns) + " after it had seen v" + std::to_string(version));
          break;
        }
      }
      const bool initial = r->version == initial_version && r->value == initial_value;
      auto known = value_at[r->key].find(r->version);
      if (known != value_at[r->key].end() && known->second != r->value) {
        report(r->client + " read " + r->key + " = (" + r->value + ", v" + std::to_string(r->version) +
               ") but v" + std::to_string(r->version) + " holds " + known->second);
      } else if (!initial) {
        auto w = writer_of[r->key].find(r->value);
        if (w == writer_of[r->key].end()) {
          report(r->client + " read " + r->key + " = " + r->value + ", a value nobody wrote");
        } else if (w->second->invoke_ns > r->complete_ns) {
          report(r->client + " read " + r->key + " = " + r->value + " before its write was invoked");
        }
      }
    }
    if (observed >= 0) mine.emplace_back(r->complete_ns, observed);
  }
  return out;
}

}  // namespace arbor::fault
