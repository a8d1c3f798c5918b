// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests: every line must be a HELP or TYPE comment, a sample, or blank;
// names, labels, escapes and values must be well formed; a family's TYPE
// comes before its samples; histogram series must be _bucket (with le),
// _sum or _count, buckets cumulative, and the +Inf bucket equal _count.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace arbor::testing {

struct PromSample {
  std::string name;                           // as written (with _bucket, ...)
  std::map<std::string, std::string> labels;  // unescaped
  double value = 0;
};

struct PromParse {
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;  // family -> counter, gauge, ...
  std::vector<std::string> errors;           // "line N: why"

  // The value of the sample with this name whose labels include `labels`;
  // NaN when there is none.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
};

PromParse ParsePromText(const std::string& text);

}  // namespace arbor::testing
