#include "test/sim/replica/workloads.h"

#include <algorithm>

namespace arbor::sim {

namespace {

proto::Request GetData(const std::string& path, bool watch) {
  proto::Request r;
  r.mutable_get_data()->set_path(path);
  r.mutable_get_data()->set_watch(watch);
  return r;
}

proto::Request CreateReq(const std::string& path, const std::string& data, proto::CreateMode mode) {
  proto::Request r;
  auto* c = r.mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  auto* acl = c->add_acl();
  acl->set_perms(proto::PERM_ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return r;
}

}  // namespace

// ---- registers ----------------------------------------------------------------

void RegisterWorkload::Next() {
  if (stopped_) return;
  if (!c_->connected()) {
    Later();
    return;
  }
  const std::string& key = keys_[world_->Uniform(keys_.size())];
  uint64_t r = world_->Uniform(10);
  if (r < 4) {
    Read(key, world_->Chance(1, 3));
  } else if (r < 8) {
    CasWrite(key);
  } else {
    SyncRead(key);
  }
}

void RegisterWorkload::Read(const std::string& key, bool watch) {
  c_->Call(GetData(key, watch), [this, key, watch](const proto::Response& r) {
    if (r.error() == proto::OK && watch) checker_->WatchArmed(c_, key, r.get_data().stat().version());
    if (r.error() == proto::NONODE) c_->Call(CreateReq(key, "init", proto::PERSISTENT), nullptr);
    ++completed_;
    Later();
  });
}

void RegisterWorkload::CasWrite(const std::string& key) {
  c_->Call(GetData(key, false), [this, key](const proto::Response& r) {
    if (r.error() != proto::OK) {
      Later();
      return;
    }
    std::string value = "c" + std::to_string(c_->index()) + "-w" + std::to_string(++writes_);
    proto::Request set;
    set.mutable_set_data()->set_path(key);
    set.mutable_set_data()->set_data(value);
    set.mutable_set_data()->set_version(r.get_data().stat().version());
    int64_t invoked = world_->now();
    c_->Call(set, [this, key, value, invoked](const proto::Response& w) {
      if (w.error() == proto::OK) {
        const proto::Stat& st = w.set_data().stat();
        checker_->WriteAcked(c_, key, st.version(), value, st.mzxid(), invoked);
      }
      ++completed_;
      Later();
    });
  });
}

void RegisterWorkload::SyncRead(const std::string& key) {
  uint64_t token = (static_cast<uint64_t>(c_->index()) << 32) | next_token_++;
  checker_->SyncReadStarted(c_, key, world_->now(), token);
  proto::Request sync;
  sync.mutable_sync()->set_path(key);
  auto synced = std::make_shared<bool>(false);
  // Pipelined on one connection: the read is answered only after the sync.
  c_->Call(sync, [synced](const proto::Response& r) { *synced = r.error() == proto::OK; });
  c_->Call(GetData(key, false), [this, key, token, synced](const proto::Response& r) {
    if (*synced && r.error() == proto::OK) checker_->SyncReadDone(c_, key, token, r.get_data().stat().version());
    ++completed_;
    Later();
  });
}

// ---- lock ---------------------------------------------------------------------

std::string LockWorkload::prefix() const {
  return "c" + std::to_string(c_->index()) + "-s" + std::to_string(session_) + "-r" + std::to_string(round_) + "-";
}

void LockWorkload::Next() {
  if (stopped_) {
    if (holding_) Release();
    return;
  }
  if (!c_->connected()) {
    holding_ = false;  // the checker ended the belief when the connection went
    Later(20, 100);
    return;
  }
  if (session_ != 0 && c_->session_id() != session_) {
    // A new session: the old one's node went with it.
    holding_ = false;
    node_.clear();
    session_ = 0;
    phase_ = Phase::kIdle;
  }
  switch (phase_) {
    case Phase::kIdle:
      Create();
      break;
    case Phase::kCreating:
    case Phase::kWaiting:
      Check();
      break;
    case Phase::kHolding:
      if (!holding_) {
        Check();  // reconnected with the same session: confirm before believing again
      } else if (world_->now() >= hold_until_) {
        Release();
      } else {
        Later(10, 50);
      }
      break;
    case Phase::kReleasing:
      Release();
      break;
  }
}

void LockWorkload::Create() {
  ++round_;
  session_ = c_->session_id();
  phase_ = Phase::kCreating;
  c_->Call(CreateReq("/lock/" + prefix(), "", proto::EPHEMERAL_SEQUENTIAL), [this](const proto::Response& r) {
    if (r.error() == proto::NONODE) {
      c_->Call(CreateReq("/lock", "", proto::PERSISTENT), nullptr);
      phase_ = Phase::kIdle;
      --round_;
    } else if (r.error() == proto::OK) {
      std::string path = r.create().path();
      node_ = path.substr(path.rfind('/') + 1);
      phase_ = Phase::kWaiting;
    } else if (r.error() != proto::CONNECTIONLOSS) {
      phase_ = Phase::kIdle;
    }
    Later(1, 20);  // CONNECTIONLOSS: Check() looks for the node by its prefix
  });
}

void LockWorkload::Check() {
  proto::Request r;
  r.mutable_get_children()->set_path("/lock");
  c_->Call(r, [this](const proto::Response& resp) {
    if (resp.error() == proto::NONODE) {
      phase_ = Phase::kIdle;  // no /lock yet: Create() makes it
      holding_ = false;
      Later(1, 20);
      return;
    }
    if (resp.error() != proto::OK) {
      Later(20, 100);
      return;
    }
    std::vector<std::string> kids(resp.get_children().children().begin(), resp.get_children().children().end());
    auto seq = [](const std::string& n) { return n.substr(n.size() - 10); };
    std::sort(kids.begin(), kids.end(), [&](const std::string& a, const std::string& b) { return seq(a) < seq(b); });
    std::string mine;
    for (const std::string& k : kids) {
      if (k.rfind(prefix(), 0) == 0) {
        mine = k;
        break;
      }
    }
    if (mine.empty()) {
      // Never created (or gone with its session): start over.
      holding_ = false;
      phase_ = Phase::kIdle;
      --round_;
      Later(1, 20);
      return;
    }
    node_ = mine;
    // A create whose answer was lost and that was sent again may have made
    // a second node of ours: only the lowest counts, the rest go.
    std::string session_prefix = "c" + std::to_string(c_->index()) + "-s" + std::to_string(session_) + "-";
    for (const std::string& k : kids) {
      if (k != mine && k.rfind(session_prefix, 0) == 0) {
        proto::Request del;
        del.mutable_delete_()->set_path("/lock/" + k);
        del.mutable_delete_()->set_version(-1);
        c_->Call(del, nullptr);
      }
    }
    if (kids.front() == mine) {
      if (!holding_) {
        holding_ = true;
        checker_->LockAcquired(c_);
        hold_until_ = world_->now() + world_->Between(50, 400);
      }
      phase_ = Phase::kHolding;
      Later(10, 50);
    } else {
      phase_ = Phase::kWaiting;
      Later(20, 100);
    }
  });
}

void LockWorkload::Release() {
  if (holding_) {
    holding_ = false;
    checker_->LockReleased(c_);  // the belief ends as the delete is sent
  }
  phase_ = Phase::kReleasing;
  proto::Request del;
  del.mutable_delete_()->set_path("/lock/" + node_);
  del.mutable_delete_()->set_version(-1);
  c_->Call(del, [this](const proto::Response& r) {
    if (r.error() == proto::OK || r.error() == proto::NONODE) {
      node_.clear();
      phase_ = Phase::kIdle;
      ++completed_;
      Later(10, 100);
    } else {
      Later(20, 100);
    }
  });
}

}  // namespace arbor::sim
