#include "test/fault/checker/linearizability.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace arbor::fault {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable: return "linearizable";
    case Verdict::kViolation: return "VIOLATION";
    case Verdict::kUnknown: return "unknown";
  }
  return "?";
}

namespace {

struct State {
  int value = 0;  // interned value id
  int32_t version = 0;
  bool operator==(const State& o) const { return value == o.value && version == o.version; }
};

struct Op {
  const RegisterOp* src;
  int value = 0;  // interned
  // Unknown writes (and unknown CAS with the same expected version) whose
  // value no read returned are interchangeable: same effect, available from
  // their invoke forever. Only the earliest-invoked unlinearized member of
  // such a class is ever tried (any other choice can be swapped for it),
  // which keeps crashed clients from multiplying the search. -1: no class.
  int cls = -1;
};

// The register's sequential specification. False if `op` cannot happen in `s`.
bool Step(const State& s, const Op& op, State* out) {
  const RegisterOp& r = *op.src;
  *out = s;
  switch (r.type) {
    case OpType::kRead:
    case OpType::kSyncRead:
      return s.value == op.value && s.version == r.version;
    case OpType::kWrite:
      if (r.outcome == Outcome::kOk && r.new_version >= 0 && r.new_version != s.version + 1) return false;
      *out = State{op.value, s.version + 1};
      return true;
    case OpType::kCas:
      if (r.outcome == Outcome::kFail) return s.version != r.version;
      if (s.version != r.version) return r.outcome == Outcome::kUnknown;  // unknown: it failed, no effect
      if (r.outcome == Outcome::kOk && r.new_version >= 0 && r.new_version != r.version + 1) return false;
      *out = State{op.value, r.version + 1};
      return true;
  }
  return false;
}

struct Entry {
  int op = 0;
  bool call = true;
  int64_t time = 0;
  int match = -1;  // the call's return entry
  int prev = -1, next = -1;
};

using Bits = std::vector<uint64_t>;

struct CacheKey {
  Bits bits;
  State state;
  bool operator==(const CacheKey& o) const { return state == o.state && bits == o.bits; }
};

struct CacheHash {
  size_t operator()(const CacheKey& k) const {
    uint64_t h = 1469598103934665603ull ^ (static_cast<uint64_t>(k.state.value) << 32) ^
                 static_cast<uint32_t>(k.state.version);
    for (uint64_t w : k.bits) h = (h ^ w) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

std::string Describe(const RegisterOp& r) {
  std::ostringstream s;
  s << r.client << " " << OpTypeName(r.type) << "(" << r.value;
  if (r.type == OpType::kCas || r.type == OpType::kSyncRead || r.type == OpType::kRead) s << ", v" << r.version;
  s << ") " << OutcomeName(r.outcome);
  if (r.new_version >= 0) s << " ->v" << r.new_version;
  s << " [" << r.invoke_ns << ", " << (r.complete_ns == kNever ? std::string("never") : std::to_string(r.complete_ns))
    << "]";
  return s.str();
}

KeyResult CheckKey(const std::string& key, const std::vector<const RegisterOp*>& src,
                   const LinearizabilityOptions& o) {
  KeyResult result;
  result.key = key;
  std::unordered_map<std::string, int> intern;
  auto id_of = [&](const std::string& v) { return intern.emplace(v, static_cast<int>(intern.size())).first->second; };
  std::unordered_set<std::string> observed;
  for (const RegisterOp* r : src) {
    if (r->type == OpType::kSyncRead || r->type == OpType::kRead) observed.insert(r->value);
  }
  observed.insert(o.initial_value);
  const int unobserved = id_of("\x01unobserved");
  std::map<int32_t, int> class_of_expected;  // -1: blind writes
  std::vector<Op> ops;
  for (const RegisterOp* r : src) {
    Op op{r, id_of(r->value)};
    if (r->outcome == Outcome::kUnknown && r->type != OpType::kSyncRead && !observed.count(r->value)) {
      op.value = unobserved;
      const int32_t expected = r->type == OpType::kCas ? r->version : -1;
      op.cls = class_of_expected.emplace(expected, static_cast<int>(class_of_expected.size())).first->second;
    }
    ops.push_back(op);
  }
  result.ops = ops.size();
  const State initial{id_of(o.initial_value), o.initial_version};

  // Entries sorted by time; at equal times calls first, so ops that touch
  // at an instant count as concurrent (the permissive reading).
  std::vector<Entry> entries;
  for (size_t i = 0; i < ops.size(); ++i) {
    entries.push_back(Entry{static_cast<int>(i), true, ops[i].src->invoke_ns});
    entries.push_back(Entry{static_cast<int>(i), false, ops[i].src->complete_ns});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.call && !b.call;
  });
  std::vector<int> call_of(ops.size()), ret_of(ops.size());
  for (size_t i = 0; i < entries.size(); ++i) (entries[i].call ? call_of : ret_of)[entries[i].op] = static_cast<int>(i);
  // A doubly linked list with a head sentinel at index n.
  const int n = static_cast<int>(entries.size());
  entries.push_back(Entry{});
  const int head = n;
  for (int i = 0; i < n; ++i) {
    entries[i].match = entries[i].call ? ret_of[entries[i].op] : -1;
    entries[i].prev = i == 0 ? head : i - 1;
    entries[i].next = i + 1 < n ? i + 1 : -1;
  }
  entries[head].next = n > 0 ? 0 : -1;
  auto unlink = [&](int e) {
    entries[entries[e].prev].next = entries[e].next;
    if (entries[e].next >= 0) entries[entries[e].next].prev = entries[e].prev;
  };
  auto relink = [&](int e) {
    entries[entries[e].prev].next = e;
    if (entries[e].next >= 0) entries[entries[e].next].prev = e;
  };
  // Removing a call also removes its return; restoring is the reverse.
  auto lift = [&](int call) { unlink(call); unlink(entries[call].match); };
  auto unlift = [&](int call) { relink(entries[call].match); relink(call); };

  // Per class, its unlinearized members by call position.
  std::vector<std::set<int>> class_members(class_of_expected.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].cls >= 0) class_members[ops[i].cls].insert(call_of[i]);
  }
  auto first_of_class = [&](int op) {
    return ops[op].cls < 0 || *class_members[ops[op].cls].begin() == call_of[op];
  };

  Bits linearized((ops.size() + 63) / 64, 0);
  std::unordered_set<CacheKey, CacheHash> cache;
  std::vector<std::pair<int, State>> calls;  // stack: (call entry, state before it)
  State state = initial;
  size_t best_depth = 0;
  std::string best_explanation;
  int entry = entries[head].next;
  while (entries[head].next >= 0) {
    if (cache.size() > o.max_states_per_key) {
      result.verdict = Verdict::kUnknown;
      result.states = cache.size();
      result.explanation = "search budget of " + std::to_string(o.max_states_per_key) + " states exceeded";
      return result;
    }
    const Entry& e = entries[entry];
    if (e.call) {
      State next;
      if (first_of_class(e.op) && Step(state, ops[e.op], &next)) {
        Bits bits = linearized;
        bits[e.op / 64] |= 1ull << (e.op % 64);
        if (cache.insert(CacheKey{bits, next}).second) {
          calls.emplace_back(entry, state);
          state = next;
          linearized.swap(bits);
          if (ops[e.op].cls >= 0) class_members[ops[e.op].cls].erase(entry);
          lift(entry);
          entry = entries[head].next;
          continue;
        }
      }
      entry = e.next;
    } else {
      // A return reached: its op has not been linearized in this branch.
      if (calls.size() > best_depth || best_explanation.empty()) {
        best_depth = calls.size();
        const auto& v = *std::find_if(intern.begin(), intern.end(),
                                      [&](const auto& kv) { return kv.second == state.value; });
        best_explanation = "after " + std::to_string(calls.size()) + " ops linearized the register held (" + v.first +
                           ", v" + std::to_string(state.version) + "); no pending op fits before " +
                           Describe(*ops[e.op].src) + " completes";
      }
      if (calls.empty()) break;
      auto [call, before] = calls.back();
      calls.pop_back();
      state = before;
      linearized[entries[call].op / 64] &= ~(1ull << (entries[call].op % 64));
      if (ops[entries[call].op].cls >= 0) class_members[ops[entries[call].op].cls].insert(call);
      unlift(call);
      entry = entries[call].next;
    }
  }
  result.states = cache.size();
  if (entries[head].next >= 0) {
    result.verdict = Verdict::kViolation;
    result.explanation = best_explanation;
  }
  return result;
}

}  // namespace

LinearizabilityResult CheckLinearizable(const std::vector<RegisterOp>& history, const LinearizabilityOptions& o) {
  std::map<std::string, std::vector<const RegisterOp*>> by_key;
  for (const RegisterOp& r : history) {
    // Plain reads are judged elsewhere; a read that did not return tells nothing.
    if (r.type == OpType::kRead) continue;
    if (r.type == OpType::kSyncRead && r.outcome != Outcome::kOk) continue;
    by_key[r.key].push_back(&r);
  }
  LinearizabilityResult out;
  for (const auto& [key, ops] : by_key) {
    out.keys.push_back(CheckKey(key, ops, o));
    Verdict v = out.keys.back().verdict;
    if (v == Verdict::kViolation) out.verdict = Verdict::kViolation;
    else if (v == Verdict::kUnknown && out.verdict == Verdict::kLinearizable) out.verdict = Verdict::kUnknown;
  }
  return out;
}

}  // namespace arbor::fault
