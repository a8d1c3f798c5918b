// An in-process network of RawNodes for unit tests (after etcd's
// raft_test.go network): synchronous delivery, per-link cuts, message
// filters, and disks that can be held to model a slow fsync.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/raft/conf_change.h"
#include "server/raft/memory_storage.h"
#include "server/raft/raw_node.h"

namespace arbor::raft::testing {

class Net {
 public:
  struct Peer {
    MemoryStorage disk;
    std::unique_ptr<RawNode> raw;
    std::vector<Entry> applied;  // every entry applied, in order
    uint64_t snapshot_applied = 0;
    std::vector<ReadState> read_states;
    bool hold_disk = false;
    struct Pending {
      uint64_t persist_id;
      Ready rd;
    };
    std::deque<Pending> writes;
  };
  // Returns false to drop a message; may also edit it.
  using Filter = std::function<bool(Message*)>;

  // Nodes 1..n are bootstrapped voters; ids in `extra` start empty (join later).
  explicit Net(int n, std::function<void(Config*)> tweak = nullptr, std::vector<uint64_t> extra = {})
      : tweak_(std::move(tweak)) {
    std::vector<uint64_t> voters;
    for (int i = 1; i <= n; ++i) voters.push_back(i);
    HardState hs;
    hs.set_term(1);
    hs.set_commit(n);
    for (uint64_t id : voters) {
      Peer& p = peers_[id];
      EXPECT_TRUE(p.disk.Append(BootstrapEntries(voters)).ok());
      p.disk.SetHardState(hs);
    }
    for (uint64_t id : extra) peers_[id];
    for (auto& [id, p] : peers_) Start(id);
    Stabilize();
  }

  Config MakeConfig(uint64_t id) {
    Config c;
    c.id = id;
    c.storage = &peers_[id].disk;
    c.applied = peers_[id].disk.Snapshot().index();
    c.election_tick = 10;
    c.heartbeat_tick = 1;
    c.seed = id * 7919;
    if (tweak_) tweak_(&c);
    return c;
  }

  void Start(uint64_t id) {
    Peer& p = peers_[id];
    auto raw = RawNode::Create(MakeConfig(id));
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    p.raw = std::move(raw).value();
    p.writes.clear();
  }
  // Crash: unpersisted writes are lost; the node is down until Start.
  void Crash(uint64_t id) {
    peers_[id].raw.reset();
    peers_[id].writes.clear();
  }

  RawNode& node(uint64_t id) { return *peers_.at(id).raw; }
  Raft& raft(uint64_t id) { return peers_.at(id).raw->mutable_raft(); }
  Peer& peer(uint64_t id) { return peers_.at(id); }

  void Cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Isolate(uint64_t id) {
    for (auto& [other, p] : peers_) {
      if (other != id) Cut(id, other);
    }
  }
  void Heal() { cut_.clear(); }
  void SetFilter(Filter f) { filter_ = std::move(f); }

  // Makes `id`'s disk slow: Readies are taken but writes stay pending.
  void HoldDisk(uint64_t id) { peers_[id].hold_disk = true; }
  void ReleaseDisk(uint64_t id) {
    Peer& p = peers_[id];
    p.hold_disk = false;
    while (!p.writes.empty()) CompleteWrite(id);
  }

  void Tick(uint64_t id, int n = 1) {
    for (int i = 0; i < n; ++i) node(id).Tick();
  }
  void TickAll(int n) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, p] : peers_) {
        if (p.raw) p.raw->Tick();
      }
      Stabilize();
    }
  }
  void Campaign(uint64_t id) {
    node(id).Campaign();
    Stabilize();
  }

  // Processes Readies and delivers messages until quiet.
  void Stabilize(int max_rounds = 10000) {
    for (int round = 0; round < max_rounds; ++round) {
      bool any = false;
      for (auto& [id, p] : peers_) {
        while (p.raw && p.raw->HasReady()) {
          HandleReady(id);
          any = true;
        }
      }
      if (!inbox_.empty()) any = true;
      std::deque<Message> batch;
      batch.swap(inbox_);
      for (Message& m : batch) Deliver(m);
      if (!any) return;
    }
    ADD_FAILURE() << "network did not stabilize";
  }

  // Messages seen on the wire (after filtering), for assertions.
  std::vector<Message> sent;

 private:
  void HandleReady(uint64_t id) {
    Peer& p = peers_[id];
    Ready rd = p.raw->GetReady();
    for (const Message& m : rd.messages) Enqueue(m);
    if (rd.snapshot) p.snapshot_applied = rd.snapshot->index();
    for (const ReadState& rs : rd.read_states) p.read_states.push_back(rs);
    for (const Entry& e : rd.committed_entries) {
      p.applied.push_back(e);
      if (e.type() == ENTRY_CONF_CHANGE) {
        ConfChange cc;
        ASSERT_TRUE(cc.ParseFromString(e.data()));
        p.raw->ApplyConfChange(cc);
      }
    }
    p.raw->Advance();
    if (rd.persist_id != 0) {
      p.writes.push_back(Peer::Pending{rd.persist_id, std::move(rd)});
      if (!p.hold_disk) CompleteWrite(id);
    }
  }

  void CompleteWrite(uint64_t id) {
    Peer& p = peers_[id];
    Peer::Pending w = std::move(p.writes.front());
    p.writes.pop_front();
    if (w.rd.snapshot) {
      EXPECT_TRUE(p.disk.ApplySnapshot(*w.rd.snapshot).ok());
    }
    if (!w.rd.entries.empty()) {
      EXPECT_TRUE(p.disk.Append(w.rd.entries).ok());
    }
    if (w.rd.hard_state) p.disk.SetHardState(*w.rd.hard_state);
    for (const Message& m : w.rd.messages_after_persist) Enqueue(m);
    p.raw->OnPersisted(w.persist_id);
  }

  void Enqueue(Message m) {
    if (cut_.count({m.from(), m.to()})) return;
    if (filter_ && !filter_(&m)) return;
    sent.push_back(m);
    inbox_.push_back(std::move(m));
  }

  void Deliver(const Message& m) {
    auto it = peers_.find(m.to());
    if (it == peers_.end() || !it->second.raw) return;
    (void)it->second.raw->Step(m);
    if (m.type() == MSG_SNAP) {
      // The application transferred the snapshot data: report success.
      Message st;
      st.set_type(MSG_SNAP_STATUS);
      st.set_from(m.to());
      auto from = peers_.find(m.from());
      if (from != peers_.end() && from->second.raw) (void)from->second.raw->Step(st);
    }
  }

  std::function<void(Config*)> tweak_;
  std::map<uint64_t, Peer> peers_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  Filter filter_;
  std::deque<Message> inbox_;
};

inline std::vector<std::string> Data(const std::vector<Entry>& ents) {
  std::vector<std::string> out;
  for (const Entry& e : ents) {
    if (e.type() == ENTRY_NORMAL && !e.data().empty()) out.push_back(e.data());
  }
  return out;
}

}  // namespace arbor::raft::testing
