#include "client/recipes/counter.h"

#include <cerrno>
#include <cstdlib>

#include "client/recipes/recipe_util.h"

namespace arbor::client::recipes {

namespace {
bool ParseInt64(const std::string& s, int64_t* out) {
  if (s.empty()) {
    *out = 0;
    return true;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}
}  // namespace

OpResult<DistributedCounter::Versioned> DistributedCounter::Read() {
  auto d = client_->GetData(path_);
  if (d.code() == proto::NONODE) return Versioned{};
  if (!d.ok()) return d.code();
  Versioned v;
  v.version = d->stat().version();
  if (!ParseInt64(d->data(), &v.value)) return proto::DATAINCONSISTENCY;
  return v;
}

proto::ErrorCode DistributedCounter::Write(const Versioned& seen, int64_t value) {
  const std::string data = std::to_string(value);
  if (seen.version < 0) {
    size_t slash = path_.rfind('/');
    if (slash > 0) {
      proto::ErrorCode c = EnsurePath(client_, path_.substr(0, slash));
      if (c != proto::OK) return c;
    }
    return client_->Create(path_, data).code();
  }
  return client_->SetData(path_, data, seen.version).code();
}

OpResult<int64_t> DistributedCounter::Get() {
  auto r = Read();
  if (!r.ok()) return r.code();
  return r->value;
}

OpResult<int64_t> DistributedCounter::Add(int64_t delta) {
  for (int attempt = 0; attempt < max_retries_; ++attempt) {
    auto seen = Read();
    if (!seen.ok()) {
      if (IsTransient(seen.code()) && client_->WaitConnected(1000)) continue;
      return seen.code();
    }
    proto::ErrorCode c = Write(seen.value(), seen->value + delta);
    if (c == proto::OK) return seen->value + delta;
    if (c != proto::BADVERSION && c != proto::NODEEXISTS) return c;
    ++conflicts_;
  }
  return proto::OPERATIONTIMEOUT;
}

OpResult<bool> DistributedCounter::CompareAndSet(int64_t expected, int64_t desired) {
  for (int attempt = 0; attempt < max_retries_; ++attempt) {
    auto seen = Read();
    if (!seen.ok()) return seen.code();
    if (seen->value != expected) return false;
    proto::ErrorCode c = Write(seen.value(), desired);
    if (c == proto::OK) return true;
    if (c != proto::BADVERSION && c != proto::NODEEXISTS) return c;
    ++conflicts_;  // changed under us: re-read; it may still equal `expected`
  }
  return proto::OPERATIONTIMEOUT;
}

}  // namespace arbor::client::recipes
