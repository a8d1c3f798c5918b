// One batch of work the core hands to the application. See docs/RAFT.md for
// the full contract; in short, for each Ready, in this order:
//
//   1. Start persisting `hard_state`, `entries` (append, truncating any
//      stored suffix from entries[0].index) and `snapshot` — one atomic
//      write, or entries before hard state. Writes complete in Ready order.
//   2. Send `messages` now (they do not depend on the write).
//   3. Apply `committed_entries` in order (already durable locally); call
//      RawNode::ApplyConfChange for ENTRY_CONF_CHANGE entries. If `snapshot`
//      is set, install its data into the state machine first.
//   4. Call RawNode::Advance().
//   5. When the write of step 1 is durable (and those of all earlier
//      Readies): send `messages_after_persist`, then call
//      RawNode::OnPersisted(persist_id) — only if persist_id != 0.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "proto/raft.pb.h"
#include "server/raft/raft.h"

namespace arbor::raft {

struct SoftState {
  uint64_t lead = 0;
  Role role = Role::kFollower;
  bool operator==(const SoftState& o) const { return lead == o.lead && role == o.role; }
  bool operator!=(const SoftState& o) const { return !(*this == o); }
};

struct Ready {
  // Leader and role, if they changed since the previous Ready (not persisted).
  std::optional<SoftState> soft_state;
  // Term, vote and commit to persist, if they changed.
  std::optional<HardState> hard_state;
  // Entries to append to the log (contiguous, increasing index).
  std::vector<Entry> entries;
  // A snapshot to install: its data arrived out of band (the application
  // received it before stepping the MSG_SNAP that carried this metadata).
  std::optional<SnapshotMetadata> snapshot;
  // Messages that may be sent immediately, before the write completes: the
  // leader's MSG_APP (thesis 10.2.1), heartbeats, vote requests, ...
  std::vector<Message> messages;
  // Messages to send only after this Ready's write (and all earlier ones) is
  // durable: MSG_APP_RESP, MSG_VOTE_RESP, MSG_PRE_VOTE_RESP.
  std::vector<Message> messages_after_persist;
  // Committed entries to apply, in order; bounded by
  // Config::max_committed_bytes_per_ready.
  std::vector<Entry> committed_entries;
  // Answers to ReadIndex requests.
  std::vector<ReadState> read_states;
  // Non-zero if the application must call OnPersisted(persist_id) once the
  // write of this Ready (possibly empty) is durable, in Ready order.
  uint64_t persist_id = 0;

  bool MustPersist() const { return hard_state || !entries.empty() || snapshot; }
};

}  // namespace arbor::raft
