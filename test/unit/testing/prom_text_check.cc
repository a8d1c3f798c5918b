#include "test/unit/testing/prom_text_check.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace arbor::testing {
namespace {

bool IsMetricName(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(const std::string& s) {
  return IsMetricName(s) && s.find(':') == std::string::npos;
}

bool ParseValue(const std::string& s, double* v) {
  if (s == "+Inf" || s == "Inf") return *v = HUGE_VAL, true;
  if (s == "-Inf") return *v = -HUGE_VAL, true;
  if (s == "NaN") return *v = NAN, true;
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Parses `name{a="b",...} value [timestamp]`.
bool ParseSample(const std::string& line, PromSample* out, std::string* why) {
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  out->name = line.substr(0, i);
  if (!IsMetricName(out->name)) return *why = "bad metric name '" + out->name + "'", false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string::npos) return *why = "label without '='", false;
      std::string name = line.substr(i, eq - i);
      if (!IsLabelName(name)) return *why = "bad label name '" + name + "'", false;
      if (eq + 1 >= line.size() || line[eq + 1] != '"') return *why = "label value not quoted", false;
      std::string value;
      size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\') {
          if (++j >= line.size()) return *why = "dangling escape", false;
          if (line[j] == 'n') value += '\n';
          else if (line[j] == '\\' || line[j] == '"') value += line[j];
          else return *why = "bad escape", false;
        } else if (line[j] == '\n') {
          return *why = "raw newline in label value", false;
        } else {
          value += line[j];
        }
      }
      if (j >= line.size()) return *why = "unterminated label value", false;
      if (out->labels.count(name)) return *why = "repeated label " + name, false;
      out->labels[name] = value;
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
      else if (i < line.size() && line[i] != '}') return *why = "expected ',' or '}'", false;
    }
    if (i >= line.size()) return *why = "unterminated label set", false;
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return *why = "no space before the value", false;
  std::istringstream rest(line.substr(i + 1));
  std::string value, timestamp, extra;
  rest >> value >> timestamp >> extra;
  if (!ParseValue(value, &out->value)) return *why = "bad value '" + value + "'", false;
  if (!timestamp.empty()) {
    char* end = nullptr;
    std::strtoll(timestamp.c_str(), &end, 10);
    if (end != timestamp.c_str() + timestamp.size()) return *why = "bad timestamp", false;
  }
  if (!extra.empty()) return *why = "trailing text", false;
  return true;
}

std::string FamilyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
      std::string base = sample.substr(0, sample.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return sample;
}

}  // namespace

double PromParse::Value(const std::string& name, const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) return s.value;
  }
  return NAN;
}

PromParse ParsePromText(const std::string& text) {
  PromParse p;
  if (!text.empty() && text.back() != '\n') p.errors.push_back("the text does not end with a newline");
  std::istringstream in(text);
  std::string line;
  int n = 0;
  // Per histogram series (family + labels without le): last bucket count.
  std::map<std::string, std::pair<double, double>> buckets;  // key -> (last cumulative, +Inf)
  std::map<std::string, double> counts;
  auto error = [&](const std::string& why) { p.errors.push_back("line " + std::to_string(n) + ": " + why + ": " + line); };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream c(line);
      std::string hash, kind, name, type;
      c >> hash >> kind >> name;
      if (kind == "TYPE") {
        c >> type;
        if (!IsMetricName(name)) error("bad name in TYPE");
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped") {
          error("bad type");
        }
        if (p.types.count(name)) error("second TYPE for " + name);
        for (const auto& s : p.samples) {
          if (FamilyOf(s.name, {{name, type}}) == name) error("TYPE after samples of " + name);
        }
        p.types[name] = type;
      } else if (kind == "HELP") {
        if (!IsMetricName(name)) error("bad name in HELP");
      }
      continue;
    }
    PromSample s;
    std::string why;
    if (!ParseSample(line, &s, &why)) {
      error(why);
      continue;
    }
    std::string family = FamilyOf(s.name, p.types);
    auto type = p.types.find(family);
    if (type == p.types.end()) {
      error("sample before its TYPE");
    } else if (type->second == "histogram") {
      std::map<std::string, std::string> series = s.labels;
      series.erase("le");
      std::string key = family;
      for (const auto& [k, v] : series) key += "," + k + "=" + v;
      if (s.name == family + "_bucket") {
        if (!s.labels.count("le")) error("bucket without le");
        double le = 0;
        if (!ParseValue(s.labels["le"], &le)) error("bad le");
        auto& b = buckets[key];
        if (s.value < b.first) error("buckets not cumulative");
        b.first = s.value;
        if (std::isinf(le)) b.second = s.value;
      } else if (s.name == family + "_count") {
        counts[key] = s.value;
      } else if (s.name != family + "_sum") {
        error("histogram sample " + s.name);
      }
    } else if (type->second == "counter" && s.value < 0) {
      error("negative counter");
    }
    p.samples.push_back(std::move(s));
  }
  for (const auto& [key, count] : counts) {
    auto it = buckets.find(key);
    if (it == buckets.end() || it->second.second != count) {
      p.errors.push_back("histogram " + key + ": +Inf bucket differs from _count");
    }
  }
  return p;
}

}  // namespace arbor::testing
