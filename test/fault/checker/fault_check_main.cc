// arbor-fault-check: judges the register workload's history of a fault run.
//
//   arbor-fault-check --history=a.tsv,b.tsv --watch_history=w.tsv --summary=verdict.json
//
// Prints one line per verdict and a line per offending key; exit 0 when the
// history is linearizable (and plain reads sequentially consistent), 1 on a
// violation, 2 when the search ran out of budget or the input is bad.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "test/fault/checker/history.h"
#include "test/fault/checker/linearizability.h"
#include "test/fault/checker/sequential_reads.h"
#include "test/fault/checker/watch_check.h"

DEFINE_string(history, "", "comma-separated register history files (TSV, see history.h)");
DEFINE_string(watch_history, "", "comma-separated watch workload histories (TSV, see watch_check.h)");
DEFINE_string(summary, "", "write a JSON summary here");
DEFINE_uint64(max_states_per_key, 4'000'000, "linearizability search budget per key");

namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> SplitList(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream list(csv);
  for (std::string p; std::getline(list, p, ',');) {
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("judge a fault run's register history: linearizability + plain-read consistency");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  std::vector<std::string> paths = SplitList(FLAGS_history);
  for (int i = 1; i < argc; ++i) paths.push_back(argv[i]);
  auto watch_history = arbor::fault::ReadWatchHistory(SplitList(FLAGS_watch_history));
  if (!watch_history.ok()) {
    LOG(ERROR) << watch_history.status().ToString();
    return 2;
  }
  auto watches = arbor::fault::CheckWatches(*watch_history);
  auto history = arbor::fault::ReadRegisterHistory(paths);
  if (!history.ok()) {
    LOG(ERROR) << history.status().ToString();
    return 2;
  }
  arbor::fault::LinearizabilityOptions options;
  options.max_states_per_key = FLAGS_max_states_per_key;
  auto lin = arbor::fault::CheckLinearizable(*history, options);
  auto plain = arbor::fault::CheckPlainReads(*history);
  size_t ops = 0, bad_keys = 0;
  uint64_t states = 0;
  for (const auto& k : lin.keys) {
    ops += k.ops;
    states += k.states;
    if (k.verdict != arbor::fault::Verdict::kLinearizable) {
      ++bad_keys;
      std::cout << "key " << k.key << ": " << VerdictName(k.verdict) << ": " << k.explanation << "\n";
    }
  }
  std::cout << "linearizability: " << VerdictName(lin.verdict) << " keys=" << lin.keys.size() << " ops=" << ops
            << " states=" << states << "\n";
  std::cout << "plain reads: " << (plain.violation_count == 0 ? "ok" : "VIOLATION") << " reads=" << plain.reads
            << " violations=" << plain.violation_count << "\n";
  for (const auto& v : plain.violations) std::cout << "  " << v << "\n";
  std::cout << "watches: " << (watches.violation_count == 0 ? "ok" : "VIOLATION") << " events=" << watches.events
            << " reads=" << watches.reads << " epochs=" << watches.epochs
            << " violations=" << watches.violation_count << "\n";
  for (const auto& v : watches.violations) std::cout << "  " << v << "\n";
  if (!FLAGS_summary.empty()) {
    std::ofstream out(FLAGS_summary);
    out << "{\"linearizability\": " << JsonString(VerdictName(lin.verdict)) << ", \"keys\": " << lin.keys.size()
        << ", \"ops_searched\": " << ops << ", \"states\": " << states << ", \"bad_keys\": [";
    bool first = true;
    for (const auto& k : lin.keys) {
      if (k.verdict == arbor::fault::Verdict::kLinearizable) continue;
      out << (first ? "" : ", ") << "{\"key\": " << JsonString(k.key)
          << ", \"verdict\": " << JsonString(VerdictName(k.verdict))
          << ", \"explanation\": " << JsonString(k.explanation) << "}";
      first = false;
    }
    out << "], \"plain_reads\": " << plain.reads << ", \"plain_read_violations\": " << plain.violation_count
        << ", \"plain_read_examples\": [";
    for (size_t i = 0; i < plain.violations.size(); ++i) out << (i ? ", " : "") << JsonString(plain.violations[i]);
    out << "], \"watch_events\": " << watches.events << ", \"watch_reads\": " << watches.reads
        << ", \"watch_epochs\": " << watches.epochs << ", \"watch_violations\": " << watches.violation_count
        << ", \"watch_examples\": [";
    for (size_t i = 0; i < watches.violations.size(); ++i) out << (i ? ", " : "") << JsonString(watches.violations[i]);
    out << "]}\n";
  }
  if (lin.verdict == arbor::fault::Verdict::kViolation || plain.violation_count > 0 || watches.violation_count > 0) {
    return 1;
  }
  return lin.verdict == arbor::fault::Verdict::kUnknown ? 2 : 0;
}
