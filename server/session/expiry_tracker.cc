#include "server/session/expiry_tracker.h"

#include <algorithm>
#include <cassert>

namespace arbor::session {

ExpiryTracker::ExpiryTracker(int64_t bucket_ms) : bucket_ms_(bucket_ms > 0 ? bucket_ms : 1) {}

int64_t ExpiryTracker::BucketFor(int64_t deadline_ms) const {
  // Round up, so a session never expires before its full timeout.
  int64_t b = (deadline_ms + bucket_ms_ - 1) / bucket_ms_;
  return b * bucket_ms_;
}

void ExpiryTracker::Place(int64_t session_id, Entry* e, int64_t now_ms) {
  int64_t bucket = BucketFor(now_ms + e->timeout_ms);
  if (bucket == e->bucket && !e->expiring) return;
  auto old = buckets_.find(e->bucket);
  if (old != buckets_.end()) {
    old->second.erase(session_id);
    if (old->second.empty()) buckets_.erase(old);
  }
  e->bucket = bucket;
  e->expiring = false;
  buckets_[bucket].insert(session_id);
}

void ExpiryTracker::Add(int64_t session_id, int32_t timeout_ms, int64_t now_ms) {
  auto [it, inserted] = sessions_.try_emplace(session_id, Entry{timeout_ms, -1});
  it->second.timeout_ms = timeout_ms;
  if (inserted) it->second.bucket = -1;
  Place(session_id, &it->second, now_ms);
}

bool ExpiryTracker::Touch(int64_t session_id, int64_t now_ms) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.expiring) return false;
  Place(session_id, &it->second, now_ms);
  return true;
}

void ExpiryTracker::Reinstate(int64_t session_id, int64_t now_ms) {
  auto it = sessions_.find(session_id);
  if (it != sessions_.end()) Place(session_id, &it->second, now_ms);
}

void ExpiryTracker::MarkExpiring(int64_t session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.expiring) return;
  auto b = buckets_.find(it->second.bucket);
  if (b != buckets_.end()) {
    b->second.erase(session_id);
    if (b->second.empty()) buckets_.erase(b);
  }
  it->second.expiring = true;
  it->second.bucket = -1;
}

void ExpiryTracker::Remove(int64_t session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  auto b = buckets_.find(it->second.bucket);
  if (b != buckets_.end()) {
    b->second.erase(session_id);
    if (b->second.empty()) buckets_.erase(b);
  }
  sessions_.erase(it);
}

std::vector<int64_t> ExpiryTracker::TakeExpired(int64_t now_ms) {
  std::vector<int64_t> out;
  while (!buckets_.empty() && buckets_.begin()->first <= now_ms) {
    for (int64_t id : buckets_.begin()->second) {
      Entry& e = sessions_.at(id);
      e.expiring = true;
      e.bucket = -1;  // in no bucket until touched again
      out.push_back(id);
    }
    buckets_.erase(buckets_.begin());
  }
  std::sort(out.begin(), out.end());  // deterministic proposal order
  return out;
}

void ExpiryTracker::RenewAll(int64_t now_ms) {
  buckets_.clear();
  for (auto& [id, e] : sessions_) {
    e.bucket = -1;
    e.expiring = false;
    Place(id, &e, now_ms);
  }
}

int64_t ExpiryTracker::DeadlineOf(int64_t session_id) const {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.expiring) return -1;
  return it->second.bucket;
}

}  // namespace arbor::session
