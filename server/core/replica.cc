// Replica: start and recovery, the client-facing half (handshakes, reads,
// writes handed to the WriteRouter) and peer frames. The apply half is in
// replica_apply.cc, the periodic work and shutdown in replica_tick.cc.
#include "server/core/replica.h"

#include <glog/logging.h>

#include <algorithm>
#include <set>
#include <vector>

#include "common/ops.h"
#include "server/auth/acl.h"
#include "server/auth/authenticator.h"

namespace arbor::core {

Replica::Replica(ServerOptions options, Env env)
    : options_(std::move(options)),
      env_(env),
      sessions_(options_.tick_ms),
      backups_(BackupOptions{ParseAllowIps(options_.backup_allow_ips)}) {
  if (env_.metrics == nullptr) {
    own_metrics_ = std::make_unique<metrics::ServerMetrics>();
    env_.metrics = own_metrics_.get();
  }
  watches_.set_max_paths_per_session(options_.max_watches_per_session);
}

Replica::~Replica() = default;

Status Replica::Recover() {
  std::optional<raft::SnapshotMetadata> snap = env_.disk->RecoveredSnapshot();
  snapshots_ = std::make_unique<SnapshotKeeper>(env_, options_.snapshot_every_entries,
                                                options_.snapshot_every_log_bytes, options_.tree);
  if (snap) {
    auto sm = snapshots_->Load(*snap);
    if (!sm.ok()) return sm.status();
    sm_ = std::move(sm).value();
    snapshots_->Restored(static_cast<uint64_t>(sm_->last_applied_zxid()));
    LOG(INFO) << "restored snapshot at index " << sm_->last_applied_zxid() << " (" << sm_->tree().node_count()
              << " znodes, " << sm_->sessions().size() << " sessions)";
  } else {
    sm_ = std::make_unique<tree::StateMachine>(options_.tree);
  }
  // A brand-new data directory records the initial membership; after that
  // the stored membership is the truth and --peers must agree with it.
  raft::HardState hs;
  raft::ConfState cs;
  ARBOR_RETURN_IF_ERROR(env_.disk->log()->InitialState(&hs, &cs));
  if (!cs.voters().empty() || !cs.learners().empty()) {
    std::set<uint64_t> stored(cs.voters().begin(), cs.voters().end());
    std::set<uint64_t> flagged;
    for (const auto& [id, addr] : options_.peers) flagged.insert(id);
    if (stored != flagged) {
      auto list = [](const std::set<uint64_t>& ids) {
        std::string out;
        for (uint64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
        return out;
      };
      return Status::InvalidArgument(
          "data directory " + options_.data_dir + " holds the stored membership: voters " + list(stored) +
          " ; --peers says voters " + list(flagged) + " . After the first start the stored membership wins: "
          "restart with --peers naming exactly the stored voters (with their addresses), and change membership "
          "only through the running cluster (docs/OPERATIONS.md)");
    }
    return Status::Ok();
  }
  {
    if (env_.disk->log()->LastIndex() != 0) {
      return Status::Corruption("data directory " + options_.data_dir +
                                " has log entries but no membership; restore it from a peer");
    }
    storage::WriteBatch batch;
    batch.conf_state.emplace();
    for (const auto& [id, addr] : options_.peers) batch.conf_state->add_voters(id);
    ARBOR_RETURN_IF_ERROR(env_.disk->WriteNow(std::move(batch)));
    LOG(INFO) << "initialized " << options_.data_dir << " for a cluster of " << options_.peers.size();
  }
  return Status::Ok();
}

Status Replica::Start() {
  if (options_.peers.count(options_.id) == 0) {
    return Status::InvalidArgument("--peers does not name this server's --id " + std::to_string(options_.id));
  }
  ARBOR_RETURN_IF_ERROR(Recover());
  RaftDriverOptions ro;
  ro.raft.id = options_.id;
  ro.raft.election_tick = options_.election_ticks;
  ro.raft.heartbeat_tick = 1;
  ro.raft.max_uncommitted_bytes = options_.raft_max_uncommitted_bytes;
  ro.raft.applied = static_cast<uint64_t>(sm_->last_applied_zxid());
  ro.raft.seed = options_.seed != 0 ? options_.seed : env_.entropy->Next64();
  raft_ = std::make_unique<RaftDriver>(
      ro, env_.disk, [this](uint64_t to, const proto::PeerFrame& f) { return env_.peers->Send(to, f); }, this,
      env_.waker);
  RouterOptions rt;
  rt.self_id = options_.id;
  rt.sync_timeout_ms = 2 * options_.election_timeout_ms();
  rt.sync_retry_ms = 3 * options_.tick_ms;
  rt.park_timeout_ms = 2 * options_.election_timeout_ms();
  rt.resume_timeout_ms = options_.election_timeout_ms();
  rt.admit = [this](const proto::LogEntry& e) { return Admit(e); };
  rt.stamp = [this] { return Stamp(); };
  rt.proposed = [this](const proto::LogEntry& e) {
    if (e.has_close_session()) sessions_.MarkEnding(e.close_session().session_id());
  };
  router_ = std::make_unique<WriteRouter>(
      rt, env_, raft_.get(), &sessions_, [this] { return applied_index_; },
      [this] { return sm_->last_applied_zxid(); });
  applied_index_ = static_cast<uint64_t>(sm_->last_applied_zxid());
  ARBOR_RETURN_IF_ERROR(raft_->Start());
  started_ = true;
  if (options_.peers.size() == 1) raft_->Campaign();  // nobody to wait for

  // ZooKeeper's scheme: server id in the top byte, start time below, then a
  // counter; kept positive (negative owners encode containers and TTL nodes).
  uint64_t base = ((static_cast<uint64_t>(env_.clock->WallMs()) << 24) >> 8) | ((options_.id & 0x7F) << 56);
  next_session_id_ = static_cast<int64_t>(base & ~(uint64_t{1} << 63));
  LOG(INFO) << "replica " << options_.id << " started, last applied zxid " << sm_->last_applied_zxid();
  return Status::Ok();
}

void Replica::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (raft_) raft_->Stop();
}

ServerStatus Replica::GetStatus() const {
  ServerStatus s;
  s.server_id = options_.id;
  s.role = raft::RoleName(raft_->node().role());
  s.standalone = options_.peers.size() == 1;
  s.leader = raft_->leader();
  s.term = raft_->term();
  s.commit_index = raft_->commit_index();
  s.applied_zxid = sm_->last_applied_zxid();
  s.serving = serving_;
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.id && env_.peers->Connected(id)) s.peers_connected.push_back(id);
  }
  s.voters = options_.peers.size();
  s.sessions = sm_->sessions().size();
  s.znodes = sm_->tree().node_count();
  s.watch_paths = watches_.path_count();
  s.watch_sessions = watches_.session_count();
  s.outstanding_writes = router_->outstanding();
  s.peer_refused = env_.peers->RefusedConnections();
  for (const auto& [id, c] : sessions_.connections()) {
    s.connections.push_back({c->peer(), c->protocol(), c->session_id(), c->outstanding()});
  }
  s.zk_port = options_.zk_port;
  s.data_dir = options_.data_dir;
  s.tick_ms = options_.tick_ms;
  s.min_session_timeout_ms = options_.min_session_timeout_ms;
  s.max_session_timeout_ms = options_.max_session_timeout_ms;
  s.max_connections = options_.max_connections;
  return s;
}

// ---- Handshake ----------------------------------------------------------

void Replica::Connect(net::ClientSession* s, const proto::ConnectRequest& req) {
  std::string ip = s->peer().substr(0, s->peer().rfind(':'));
  sessions_.Attach(s, auth::ConnectionIdentities(ip, s->verified_subject(), options_.auth));
  proto::ConnectResponse resp;
  resp.set_protocol_version(req.protocol_version());
  // Decided now, not at the last tick: this process may just have resumed
  // from a long pause with its view of the cluster out of date.
  UpdateServing(env_.clock->NowMs());
  if (!serving_) {
    // No leader, or no proof that our reports reach it: the client must try
    // another server (ZooKeeper's follower refuses clients while it syncs).
    env_.metrics->Rejected(metrics::Rejection::kNotServing);
    resp.set_error(proto::CONNECTIONLOSS);
    s->CompleteConnect(resp);
    return;
  }
  if (req.last_zxid_seen() > sm_->last_applied_zxid()) {
    // The client has seen a newer state than ours: it must go elsewhere.
    LOG(INFO) << "refusing client " << s->peer() << ": it has seen zxid " << req.last_zxid_seen()
              << ", this server has applied only " << sm_->last_applied_zxid();
    env_.metrics->Rejected(metrics::Rejection::kClientAhead);
    resp.set_error(proto::CONNECTIONLOSS);
    s->CompleteConnect(resp);
    return;
  }
  if (req.session_id() != 0) {
    Resume(s, req);
    return;
  }
  int32_t timeout = std::clamp(req.timeout_ms(), options_.min_session_timeout_ms, options_.max_session_timeout_ms);
  proto::LogEntry entry = router_->NewEntry(0, 0);
  auto* op = entry.mutable_create_session();
  op->set_session_id(NextSessionId());
  op->set_timeout_ms(timeout);
  env_.entropy->Fill(16, op->mutable_password());
  router_->StartConnect(s, std::move(entry));
}

// A client resumes an existing session. The local table may be stale (this
// server may be cut off while the majority expires the session), so the
// leader decides: the session must be live in its committed state and not
// already expiring, and then it gets a fresh timeout.
void Replica::Resume(net::ClientSession* s, const proto::ConnectRequest& req) {
  proto::ConnectResponse resp;
  resp.set_protocol_version(req.protocol_version());
  const session::SessionInfo* info = sm_->sessions().Find(req.session_id());
  if (info == nullptr || info->password != req.password()) {
    // This server has applied everything the client saw (checked above), so
    // a session missing here ended.
    resp.set_error(proto::SESSIONEXPIRED);
    s->CompleteConnect(resp);
    return;
  }
  auto finish = [this, id = req.session_id(), version = req.protocol_version()](
                    session::ClientHandle* client, proto::SessionRevalidated::Result result) {
    if (client == nullptr) return;  // gone meanwhile
    proto::ConnectResponse r;
    r.set_protocol_version(version);
    const session::SessionInfo* now = sm_->sessions().Find(id);
    if (result == proto::SessionRevalidated::LIVE && now != nullptr) {
      sessions_.Bind(id, client);
      r.set_session_id(id);
      r.set_timeout_ms(now->timeout_ms);
      r.set_password(now->password);
      client->CompleteConnect(r);
      sessions_.Touch(id, env_.clock->NowMs(), raft_->is_leader());
      return;
    }
    // RETRY: no answer now; the client tries again (here or elsewhere).
    r.set_error(result == proto::SessionRevalidated::EXPIRED || now == nullptr ? proto::SESSIONEXPIRED
                                                                                : proto::CONNECTIONLOSS);
    client->CompleteConnect(r);
  };
  if (raft_->is_leader()) {
    finish(s, sessions_.Revive(req.session_id(), env_.clock->NowMs()) ? proto::SessionRevalidated::LIVE
                                                                      : proto::SessionRevalidated::EXPIRED);
    return;
  }
  router_->StartResume(s, req.session_id(), req.password(), finish);
}

void Replica::OnRevalidate(uint64_t from, const proto::SessionRevalidate& r) {
  proto::PeerFrame f;
  auto* a = f.mutable_revalidated();
  a->set_request_id(r.request_id());
  const session::SessionInfo* info = sm_->sessions().Find(r.session_id());
  if (!raft_->is_leader() || !serving_) {
    a->set_result(proto::SessionRevalidated::RETRY);
  } else if (info == nullptr) {
    // The follower applied the session's creation, so it is committed; a
    // leader that has not applied it yet cannot tell.
    a->set_result(sm_->last_applied_zxid() < static_cast<int64_t>(raft_->commit_index())
                      ? proto::SessionRevalidated::RETRY
                      : proto::SessionRevalidated::EXPIRED);
  } else if (info->password != r.password() || !sessions_.Revive(r.session_id(), env_.clock->NowMs())) {
    a->set_result(proto::SessionRevalidated::EXPIRED);
  } else {
    a->set_result(proto::SessionRevalidated::LIVE);
    a->set_timeout_ms(info->timeout_ms);
  }
  env_.peers->Send(from, f);
}

proto::ErrorCode Replica::Admit(const proto::LogEntry& entry) const {
  // An entry Apply would refuse must never be committed: it would stop every
  // replica, again on every restart. Forwarded entries are built elsewhere.
  if (Status s = tree::StateMachine::CheckEntry(entry); !s.ok()) {
    LOG_EVERY_N(WARNING, 100) << "refusing an entry before proposing it: " << s.ToString();
    return proto::BADARGUMENTS;
  }
  if (!entry.has_request()) return proto::OK;
  // What the write adds: bytes of names and data, and nodes (an upper
  // bound: a create that fails adds nothing). Deletes always pass, so space
  // can be freed when the bounds are reached.
  const proto::Request& r = entry.request();
  if (!options_.auth.x509_acls && auth::UsesX509Acl(r)) return proto::INVALIDACL;
  const size_t max = options_.tree.max_data_bytes;
  size_t bytes = 0, nodes = 0;
  auto add = [&](const proto::CreateRequest* c, const proto::SetDataRequest* set) -> bool {
    const std::string& data = c != nullptr ? c->data() : set->data();
    if (data.size() > max) return false;
    if (c != nullptr) {
      bytes += data.size() + c->path().size() + 10;  // + a sequential suffix
      ++nodes;
    } else {
      // Only growth counts: a smaller value frees space.
      proto::Request exists;
      exists.mutable_exists()->set_path(set->path());
      proto::Response now = sm_->Read(exists, 0, nullptr);
      size_t old = now.error() == proto::OK ? static_cast<size_t>(now.exists().stat().data_length()) : 0;
      bytes += data.size() > old ? data.size() - old : 0;
    }
    return true;
  };
  bool ok = true;
  if (r.has_create()) ok = add(&r.create(), nullptr);
  if (r.has_set_data()) ok = add(nullptr, &r.set_data());
  for (const auto& op : r.multi().ops()) {
    if (op.has_create()) ok = ok && add(&op.create(), nullptr);
    if (op.has_set_data()) ok = ok && add(nullptr, &op.set_data());
  }
  if (!ok) {
    env_.metrics->Rejected(metrics::Rejection::kDataTooLarge);
    return proto::BADARGUMENTS;
  }
  const tree::DataTree& t = sm_->tree();
  const tree::TreeOptions& o = options_.tree;
  if ((o.max_znodes != 0 && nodes != 0 && t.node_count() + nodes > o.max_znodes) ||
      (o.max_total_data_bytes != 0 && bytes != 0 && t.stored_bytes() + bytes > o.max_total_data_bytes)) {
    LOG_EVERY_N(WARNING, 100) << "refusing a write: the cluster holds " << t.node_count() << " znodes and "
                              << t.stored_bytes() << " bytes (--max_znodes " << o.max_znodes
                              << ", --max_total_data_bytes " << o.max_total_data_bytes << "); deletes free space";
    env_.metrics->Rejected(metrics::Rejection::kClusterFull);
    return proto::QUOTAEXCEEDED;
  }
  return proto::OK;
}

int64_t Replica::Stamp() {
  last_stamp_ms_ = std::max(last_stamp_ms_, env_.clock->WallMs());
  return last_stamp_ms_;
}

void Replica::NoteInheritedEntries(const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    proto::LogEntry le;
    if (e.data().empty() || !le.ParseFromString(e.data())) continue;
    last_stamp_ms_ = std::max(last_stamp_ms_, le.time_ms());
    for (int64_t id : le.expire_sessions().session_ids()) sessions_.MarkEnding(id);
    if (le.has_close_session()) sessions_.MarkEnding(le.close_session().session_id());
  }
}

std::vector<uint64_t> Replica::Voters() const {
  std::vector<uint64_t> v;
  for (uint64_t id : raft_->node().raft().membership().voters) v.push_back(id);
  return v;
}

// ---- Requests -----------------------------------------------------------

bool Replica::IsLocal(const proto::Request& r) const { return ops::IsLocal(r); }

namespace {

// The path a read would set a watch on, or nullptr.
const std::string* WatchedPath(const proto::Request& r) {
  if (r.has_exists() && r.exists().watch()) return &r.exists().path();
  if (r.has_get_data() && r.get_data().watch()) return &r.get_data().path();
  if (r.has_get_children() && r.get_children().watch()) return &r.get_children().path();
  if (r.has_add_watch()) return &r.add_watch().path();
  return nullptr;
}

}  // namespace

proto::Response Replica::RunLocal(net::ClientSession* s, const proto::Request& r) {
  proto::Response resp;
  int64_t sid = s->session_id();
  switch (r.op_case()) {
    case proto::Request::kPing:
      resp.set_xid(r.xid());
      resp.mutable_ping();
      break;
    case proto::Request::kSetWatches: {
      std::vector<proto::WatchEvent> fired;
      sm_->SetWatches(r.set_watches(), sid, &watches_, &fired);
      for (const auto& e : fired) s->SendEvent(e);  // before the response, as ZooKeeper does
      resp.set_xid(r.xid());
      resp.mutable_set_watches();
      break;
    }
    case proto::Request::kAuth: {
      // Answered at once, never through the log: identities belong to this
      // connection and travel in the log entries of its writes.
      resp.set_xid(r.xid());
      session::Ids* ids = sessions_.MutableIdsOf(s->connection_id());
      std::string ip = s->peer().substr(0, s->peer().rfind(':'));
      resp.set_error(ids == nullptr ? proto::AUTHFAILED
                                    : auth::Authenticate(options_.auth, r.auth().scheme(), r.auth().auth(), ip, ids,
                                                         s->verified_subject()));
      if (resp.error() != proto::OK) {
        env_.metrics->Rejected(metrics::Rejection::kAuthFailed);
        LOG(WARNING) << "auth (scheme '" << r.auth().scheme() << "') from " << s->peer()
                     << " failed; closing the connection as ZooKeeper does";
        s->CloseAfterNextResponse();
      }
      break;
    }
    case proto::Request::kServerStatus:
      resp.set_xid(r.xid());
      *resp.mutable_server_status() = ToProto(GetStatus());
      break;
    case proto::Request::kBackup: {
      resp.set_xid(r.xid());
      std::string ip = s->peer().substr(0, s->peer().rfind(':'));
      resp.set_error(backups_.Serve(r.backup(), sessions_.IdsOf(s->connection_id()), ip, *sm_, *env_.disk->log(),
                                    env_.clock->NowMs(), resp.mutable_backup()));
      if (resp.error() != proto::OK) resp.clear_backup();
      break;
    }
    case proto::Request::kWhoAmI:
      resp.set_xid(r.xid());
      auth::WhoAmI(sessions_.IdsOf(s->connection_id()), resp.mutable_who_am_i());
      break;
    default:
      if (const std::string* path = WatchedPath(r); path != nullptr && watches_.Full(*path, sid)) {
        LOG_EVERY_N(WARNING, 100) << "session 0x" << std::hex << sid << std::dec << " from " << s->peer()
                                  << " watches " << options_.max_watches_per_session
                                  << " paths already (--max_watches_per_session): refusing one more";
        env_.metrics->Rejected(metrics::Rejection::kTooManyWatches);
        resp.set_xid(r.xid());
        resp.set_error(proto::QUOTAEXCEEDED);
        break;
      }
      resp = sm_->Read(r, sid, sessions_.IdsOf(s->connection_id()), &watches_);
      resp.set_xid(r.xid());
      break;
  }
  resp.set_zxid(sm_->last_applied_zxid());
  return resp;
}

void Replica::StartAsync(net::ClientSession* s, uint64_t seq, const proto::Request& r) {
  if (!serving_) {
    // Connections are closed as serving stops; a request can only race it.
    env_.metrics->Rejected(metrics::Rejection::kNotServing);
    s->Terminate(proto::CONNECTIONLOSS, Status::Unavailable("not serving"));
    return;
  }
  if (r.has_sync()) {
    router_->StartSync(s, seq, r);
  } else {
    router_->StartWrite(s, seq, r);
  }
}

void Replica::Touched(net::ClientSession* s) {
  int64_t now = env_.clock->NowMs();
  UpdateServing(now);  // may close every connection, this one included
  if (!serving_) return;
  sessions_.Touch(s->session_id(), now, raft_->is_leader());
}

void Replica::Disconnected(net::ClientSession* s) { sessions_.Detach(s); }

// ---- Peers --------------------------------------------------------------

void Replica::OnPeerFrame(uint64_t from, proto::PeerFrame&& f) {
  if (stopped_) return;
  // The transport hears only configured members; this holds the frames to
  // the current membership and to the sender's own name (docs/SECURITY.md).
  if (!raft_->node().raft().membership().IsMember(from)) {
    LOG_EVERY_N(WARNING, 100) << "dropped a peer frame from server " << from << ": not a member";
    return;
  }
  switch (f.frame_case()) {
    case proto::PeerFrame::kRaft:
      if (f.raft().from() != from) {
        LOG_EVERY_N(WARNING, 100) << "dropped a Raft message from server " << from << " claiming to be from "
                                  << f.raft().from();
        break;
      }
      if (f.raft().type() == raft::MSG_SNAP &&
          !snapshots_->Received(f.raft().snapshot().index(), f.raft().snapshot().term())) {
        // Its data did not arrive whole: the leader will probe and send again.
        LOG(WARNING) << "snapshot " << f.raft().snapshot().index() << " from " << from << " is incomplete; ignored";
        break;
      }
      raft_->Step(f.raft());
      if (from == raft_->leader()) last_leader_message_ms_ = env_.clock->NowMs();
      break;
    case proto::PeerFrame::kForward:
      router_->OnForwarded(from, std::move(*f.mutable_forward()->mutable_entry()));
      break;
    case proto::PeerFrame::kForwardRefused:
      router_->OnForwardRefused(f.forward_refused());
      break;
    case proto::PeerFrame::kSnapshotChunk: {
      Status s = snapshots_->OnChunk(from, f.snapshot_chunk());
      if (!s.ok()) LOG(WARNING) << "snapshot chunk from " << from << " dropped: " << s.ToString();
      break;
    }
    case proto::PeerFrame::kHeartbeats:
      if (raft_->is_leader()) {
        int64_t now = env_.clock->NowMs();
        std::vector<int64_t> ids(f.heartbeats().session_ids().begin(), f.heartbeats().session_ids().end());
        sessions_.TouchReported(ids, now);
        if (f.heartbeats().hears_leader()) sessions_.ReportReceived(from, now);
        // The ack tells the follower its clients' sessions are kept alive:
        // only true while this leader itself hears from a majority.
        proto::PeerFrame ack;
        ack.mutable_heartbeats_ack()->set_seq(f.heartbeats().seq());
        ack.mutable_heartbeats_ack()->set_term(raft_->term());
        ack.mutable_heartbeats_ack()->set_leader_in_contact(serving_);
        env_.peers->Send(from, ack);
      }
      break;
    case proto::PeerFrame::kHeartbeatsAck:
      if (from == raft_->leader() && f.heartbeats_ack().term() == raft_->term()) {
        if (f.heartbeats_ack().leader_in_contact()) {
          sessions_.AckReceived(f.heartbeats_ack().seq(), env_.clock->NowMs());
        } else {
          sessions_.ContactLost();
          UpdateServing(env_.clock->NowMs());
        }
      }
      break;
    case proto::PeerFrame::kRevalidate:
      OnRevalidate(from, f.revalidate());
      break;
    case proto::PeerFrame::kRevalidated:
      router_->OnRevalidated(f.revalidated());
      break;
    default:
      LOG_EVERY_N(WARNING, 100) << "unexpected peer frame " << f.frame_case() << " from " << from;
      break;
  }
}

void Replica::OnPeerLinkDown(uint64_t peer) {
  // What was forwarded on that connection may never have arrived.
  if (!stopped_ && started_ && peer == raft_->leader()) router_->AbortInFlight("the link to the leader dropped");
}

}  // namespace arbor::core
