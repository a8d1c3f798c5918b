// ArborServer: start/stop, recovery and the client-facing half (handshakes,
// reads, submitting writes). The apply half is in server_apply.cc and the
// periodic work in server_periodic.cc.
#include "server/core/arbor_server.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>

#include "common/frame.h"
#include "server/storage/snapshot_file.h"

namespace arbor::core {

ArborServer::ArborServer(uv_loop_t* loop, ServerOptions options)
    : loop_(loop), options_(std::move(options)), expiry_(options_.tick_ms) {
  uint64_t seed = options_.seed != 0
                      ? options_.seed
                      : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                            (options_.id << 48);
  rng_.seed(seed);
}

ArborServer::~ArborServer() = default;

int ArborServer::client_port() const { return clients_ ? clients_->port() : 0; }
int ArborServer::peer_port() const { return peers_ ? peers_->listen_port() : 0; }
int ArborServer::zk_port() const { return zk_clients_ ? zk_clients_->port() : 0; }

int64_t ArborServer::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ArborServer::Recover() {
  auto dir = storage::DataDir::Open(options_.data_dir, options_.storage);
  if (!dir.ok()) return dir.status();
  data_ = std::move(dir).value();
  if (data_->recovered_snapshot()) {
    auto reader = storage::SnapshotFileReader::Open(data_->recovered_snapshot()->path);
    if (!reader.ok()) return reader.status();
    auto sm = tree::StateMachine::Load(reader->get(), options_.tree);
    if (!sm.ok()) {
      return Status::Corruption("snapshot " + data_->recovered_snapshot()->path + " does not load: " +
                                sm.status().ToString() + " (move it aside to fall back to an older one)");
    }
    sm_ = std::move(sm).value();
    last_snapshot_index_ = static_cast<uint64_t>(sm_->last_applied_zxid());
    LOG(INFO) << "restored snapshot at index " << last_snapshot_index_ << " ("
              << sm_->tree().node_count() << " znodes, " << sm_->sessions().size() << " sessions)";
  } else {
    sm_ = std::make_unique<tree::StateMachine>(options_.tree);
  }
  // A brand-new data directory: record the initial membership.
  raft::HardState hs;
  raft::ConfState cs;
  ARBOR_RETURN_IF_ERROR(data_->log()->InitialState(&hs, &cs));
  if (cs.voters().empty() && cs.learners().empty()) {
    if (data_->log()->LastIndex() != 0) {
      return Status::Corruption("data directory " + options_.data_dir +
                                " has log entries but no membership; restore it from a peer");
    }
    storage::WriteBatch batch;
    batch.conf_state.emplace();
    for (const auto& [id, addr] : options_.peers) batch.conf_state->add_voters(id);
    ARBOR_RETURN_IF_ERROR(data_->log()->Write({&batch}));
    LOG(INFO) << "initialized " << options_.data_dir << " for a cluster of " << options_.peers.size();
  }
  return Status::Ok();
}

Status ArborServer::Start() {
  if (options_.peers.empty()) options_.peers[options_.id] = options_.bind + ":" + std::to_string(options_.peer_port);
  if (options_.peers.count(options_.id) == 0) {
    return Status::InvalidArgument("--peers does not name this server's --id " + std::to_string(options_.id));
  }
  ARBOR_RETURN_IF_ERROR(Recover());

  net::PeerTransportOptions po;
  po.self_id = options_.id;
  po.cluster_name = options_.cluster_name;
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.id) po.peers[id] = addr;
  }
  po.listen.bind = options_.bind;
  po.listen.port = options_.peer_port;
  peers_ = std::make_unique<net::PeerTransport>(
      loop_, po, [this](uint64_t from, proto::PeerFrame&& f) { OnPeerFrame(from, std::move(f)); });
  ARBOR_RETURN_IF_ERROR(peers_->Start());

  RaftDriverOptions ro;
  ro.tick_ms = options_.tick_ms;
  ro.raft.id = options_.id;
  ro.raft.election_tick = options_.election_ticks;
  ro.raft.heartbeat_tick = 1;
  ro.raft.max_uncommitted_bytes = options_.raft_max_uncommitted_bytes;
  ro.raft.applied = static_cast<uint64_t>(sm_->last_applied_zxid());
  ro.raft.seed = rng_();
  raft_ = std::make_unique<RaftDriver>(
      loop_, ro, data_->log(), data_->snapshots(),
      [this](uint64_t to, const proto::PeerFrame& f) { return peers_->Send(to, f); }, this);
  ARBOR_RETURN_IF_ERROR(raft_->Start());
  if (options_.peers.size() == 1) raft_->Campaign();  // nobody to wait for
  saver_ = std::make_unique<storage::SnapshotSaver>(data_->snapshots(), raft_->storage_thread());

  net::ListenerOptions lo;
  lo.bind = options_.bind;
  lo.port = options_.client_port;
  lo.max_connections = options_.max_connections;
  lo.limits.max_input_bytes = options_.max_frame_bytes + kFrameHeaderBytes;
  clients_ = std::make_unique<net::TcpListener>(loop_, lo, [this](net::Connection* c) {
    return std::make_unique<net::ClientSession>(c, net::NewNativeCodec(options_.max_frame_bytes), this,
                                                net::ClientSessionOptions{options_.max_outstanding_per_connection});
  });
  ARBOR_RETURN_IF_ERROR(clients_->Listen());
  if (options_.zk_port != 0) {
    std::string error;
    if (!zk::ParseFourLetterAllowList(options_.four_letter_words, &zk_codec_options_.four_letter_words, &error)) {
      return Status::InvalidArgument(error);
    }
    zk_codec_options_.max_frame_bytes = options_.zk_max_frame_bytes;
    zk_codec_options_.facts = [this] { return ZkFacts(); };
    zk_codec_options_.counters = &zk_counters_;
    net::ListenerOptions zo = lo;
    zo.port = options_.zk_port;
    zo.limits.max_input_bytes = options_.zk_max_frame_bytes + kFrameHeaderBytes;
    zk_clients_ = std::make_unique<net::TcpListener>(loop_, zo, [this](net::Connection* c) {
      return std::make_unique<net::ClientSession>(c, zk::NewZkCodec(zk_codec_options_), this,
                                                  net::ClientSessionOptions{options_.max_outstanding_per_connection});
    });
    ARBOR_RETURN_IF_ERROR(zk_clients_->Listen());
    LOG(INFO) << "arbord " << options_.id << " serving ZooKeeper clients on " << options_.bind << ":" << zk_port();
  }

  // ZooKeeper's scheme: server id in the top byte, start time below, then a
  // counter; kept positive (negative owners encode containers and TTL nodes).
  uint64_t base = ((static_cast<uint64_t>(WallMs()) << 24) >> 8) | ((options_.id & 0x7F) << 56);
  next_session_id_ = static_cast<int64_t>(base & ~(uint64_t{1} << 63));
  uv_timer_init(loop_, &timer_);
  timer_started_ = true;
  timer_.data = this;
  uv_timer_start(&timer_, &ArborServer::OnTimer, options_.tick_ms, options_.tick_ms);
  LOG(INFO) << "arbord " << options_.id << " serving clients on " << options_.bind << ":" << client_port()
            << ", peers on " << peer_port() << ", data in " << options_.data_dir << ", last applied zxid "
            << sm_->last_applied_zxid();
  return Status::Ok();
}

void ArborServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (timer_started_) {  // Start() may have failed before it
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  }
  if (clients_) clients_->Close(Status::Ok());
  if (zk_clients_) zk_clients_->Close(Status::Ok());
  if (peers_) peers_->Close();
  if (raft_) raft_->Stop();
  saver_.reset();  // waits for a snapshot being written
}

int64_t ArborServer::NextSessionId() { return next_session_id_++; }

zk::ServerFacts ArborServer::ZkFacts() const {
  zk::ServerFacts f;
  f.server_id = options_.id;
  f.mode = options_.peers.size() == 1 ? "standalone" : raft_->is_leader() ? "leader" : "follower";
  f.serving = leader_ != 0;
  f.zxid = sm_->last_applied_zxid();
  f.node_count = sm_->tree().node_count();
  f.session_count = sm_->sessions().size();
  f.watch_paths = watches_.path_count();
  f.watch_sessions = watches_.session_count();
  f.zk_port = zk_port();
  f.data_dir = options_.data_dir;
  f.tick_ms = options_.tick_ms;
  f.min_session_timeout_ms = options_.min_session_timeout_ms;
  f.max_session_timeout_ms = options_.max_session_timeout_ms;
  f.max_connections = options_.max_connections;
  f.peers = options_.peers.size();
  for (const auto& [id, s] : by_conn_) {
    f.connections.push_back({s->peer(), s->protocol(), s->session_id(), s->outstanding()});
  }
  return f;
}

net::ClientSession* ArborServer::Find(net::Connection::Id conn) {
  auto it = by_conn_.find(conn);
  return it == by_conn_.end() ? nullptr : it->second;
}

// ---- Handshake ----------------------------------------------------------

void ArborServer::Connect(net::ClientSession* s, const proto::ConnectRequest& req) {
  by_conn_[s->connection_id()] = s;
  conn_ids_[s->connection_id()] = auth::ConnectionIdentities(s->peer().substr(0, s->peer().rfind(':')));
  proto::ConnectResponse resp;
  resp.set_protocol_version(req.protocol_version());
  if (req.last_zxid_seen() > sm_->last_applied_zxid()) {
    // The client has seen a newer state than ours: it must go elsewhere.
    LOG(INFO) << "refusing client " << s->peer() << ": it has seen zxid " << req.last_zxid_seen()
              << ", this server has applied only " << sm_->last_applied_zxid();
    resp.set_error(proto::CONNECTIONLOSS);
    s->CompleteConnect(resp);
    return;
  }
  if (req.session_id() == 0) {
    int32_t timeout = std::clamp(req.timeout_ms(), options_.min_session_timeout_ms, options_.max_session_timeout_ms);
    int64_t id = NextSessionId();
    std::string password(16, '\0');
    for (char& c : password) c = static_cast<char>(rng_());
    proto::LogEntry entry = NewEntry(0, 0);
    auto* op = entry.mutable_create_session();
    op->set_session_id(id);
    op->set_timeout_ms(timeout);
    op->set_password(password);
    proto::ErrorCode err = Submit(std::move(entry));
    if (err != proto::OK) {
      resp.set_error(err);
      s->CompleteConnect(resp);
      return;
    }
    pending_connects_[id] = Waiter{s->connection_id(), 0};
    return;
  }
  const session::SessionInfo* info = sm_->sessions().Find(req.session_id());
  if (info == nullptr || info->password != req.password()) {
    resp.set_error(proto::SESSIONEXPIRED);
    s->CompleteConnect(resp);
    return;
  }
  auto old = by_session_.find(req.session_id());
  if (old != by_session_.end() && old->second != s) {
    old->second->Terminate(proto::SESSIONMOVED, Status::Ok());
  }
  by_session_[req.session_id()] = s;
  resp.set_session_id(req.session_id());
  resp.set_timeout_ms(info->timeout_ms);
  resp.set_password(info->password);
  s->CompleteConnect(resp);
  Touched(s);
}

// ---- Requests -----------------------------------------------------------

bool ArborServer::IsLocal(const proto::Request& r) const {
  switch (r.op_case()) {
    case proto::Request::kCreate:
    case proto::Request::kDelete:
    case proto::Request::kSetData:
    case proto::Request::kSetAcl:
    case proto::Request::kCheck:
    case proto::Request::kSync:
    case proto::Request::kCloseSession:
      return false;
    case proto::Request::kMulti:
      return r.multi().read_only();
    default:
      return true;
  }
}

proto::Response ArborServer::RunLocal(net::ClientSession* s, const proto::Request& r) {
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
      auth::Ids& ids = conn_ids_[s->connection_id()];
      std::string ip = s->peer().substr(0, s->peer().rfind(':'));
      resp.set_error(auth::Authenticate(options_.auth, r.auth().scheme(), r.auth().auth(), ip, &ids));
      if (resp.error() != proto::OK) {
        LOG(WARNING) << "auth (scheme '" << r.auth().scheme() << "') from " << s->peer()
                     << " failed; closing the connection as ZooKeeper does";
        s->CloseAfterNextResponse();
      }
      break;
    }
    case proto::Request::kServerStatus: {
      resp.set_xid(r.xid());
      auto* st = resp.mutable_server_status();
      st->set_server_id(options_.id);
      st->set_role(raft::RoleName(raft_->node().role()));
      st->set_leader(raft_->leader());
      st->set_term(raft_->term());
      st->set_commit_index(raft_->commit_index());
      st->set_applied_zxid(sm_->last_applied_zxid());
      for (const auto& [id, addr] : options_.peers) {
        if (id != options_.id && peers_->Connected(id)) st->add_peers_connected(id);
      }
      st->set_sessions(sm_->sessions().size());
      st->set_znodes(sm_->tree().node_count());
      break;
    }
    case proto::Request::kWhoAmI:
      resp.set_xid(r.xid());
      auth::WhoAmI(IdsOf(s), resp.mutable_who_am_i());
      break;
    default:
      resp = sm_->Read(r, sid, IdsOf(s), &watches_);
      resp.set_xid(r.xid());
      break;
  }
  resp.set_zxid(sm_->last_applied_zxid());
  return resp;
}

proto::LogEntry ArborServer::NewEntry(int64_t session_id, int32_t xid) const {
  proto::LogEntry e;
  e.set_format_version(proto::LOG_FORMAT_V1);
  e.set_session_id(session_id);
  e.set_origin_server(options_.id);
  e.set_xid(xid);
  return e;
}

const auth::Ids& ArborServer::IdsOf(const net::ClientSession* s) {
  static const auth::Ids kNone;
  auto it = conn_ids_.find(s->connection_id());
  return it == conn_ids_.end() ? kNone : it->second;
}

void ArborServer::StartAsync(net::ClientSession* s, uint64_t seq, const proto::Request& r) {
  Waiter w{s->connection_id(), seq};
  int64_t sid = s->session_id();
  if (r.has_sync()) {
    uint64_t ctx = next_sync_ctx_++;
    Status st = raft_->ReadIndex(std::to_string(ctx));
    if (!st.ok()) {
      FailWaiter(w, r.xid(), proto::CONNECTIONLOSS);
      return;
    }
    pending_syncs_[ctx] = PendingSync{w, r, 0, uv_now(loop_) + 4 * options_.election_ticks * options_.tick_ms};
    return;
  }
  auto key = std::make_pair(sid, r.xid());
  if (pending_writes_.count(key) != 0) {
    FailWaiter(w, r.xid(), proto::MARSHALLINGERROR);  // the client reused an xid still in flight
    return;
  }
  proto::LogEntry entry = NewEntry(sid, r.xid());
  *entry.mutable_auth() = IdsOf(s);  // the replicated ACL checks judge these
  if (r.has_close_session()) {
    entry.mutable_close_session()->set_session_id(sid);
  } else {
    *entry.mutable_request() = r;
  }
  proto::ErrorCode err = Submit(std::move(entry));
  if (err != proto::OK) {
    FailWaiter(w, r.xid(), err);
    return;
  }
  pending_writes_[key] = w;
}

proto::ErrorCode ArborServer::Submit(proto::LogEntry entry) {
  if (raft_->is_leader()) {
    entry.set_time_ms(WallMs());
    Status s = raft_->Propose(entry.SerializeAsString());
    if (s.ok()) return proto::OK;
    LOG_EVERY_N(WARNING, 100) << "proposal refused: " << s.ToString();
    return s.code() == Status::Code::kBusy ? proto::THROTTLEDOP : proto::CONNECTIONLOSS;
  }
  if (leader_ == 0) return proto::CONNECTIONLOSS;  // no leader known: no quorum here
  proto::PeerFrame f;
  *f.mutable_forward()->mutable_entry() = std::move(entry);
  return peers_->Send(leader_, f) ? proto::OK : proto::CONNECTIONLOSS;
}

void ArborServer::ProposeForwarded(uint64_t from, proto::LogEntry entry) {
  proto::ErrorCode err = proto::CONNECTIONLOSS;  // not the leader (any more)
  if (raft_->is_leader()) {
    entry.set_time_ms(WallMs());
    Status s = raft_->Propose(entry.SerializeAsString());
    if (s.ok()) return;  // the origin answers its client when it applies the entry
    err = s.code() == Status::Code::kBusy ? proto::THROTTLEDOP : proto::CONNECTIONLOSS;
    LOG_EVERY_N(WARNING, 100) << "forwarded proposal from " << from << " refused: " << s.ToString();
  }
  proto::PeerFrame refused;
  auto* r = refused.mutable_forward_refused();
  r->set_session_id(entry.session_id());
  r->set_xid(entry.xid());
  if (entry.has_create_session()) r->set_new_session_id(entry.create_session().session_id());
  r->set_error(err);
  peers_->Send(from, refused);
}

void ArborServer::FailWaiter(const Waiter& w, int32_t xid, proto::ErrorCode error) {
  net::ClientSession* s = Find(w.conn);
  if (s == nullptr) return;
  proto::Response resp;
  resp.set_xid(xid);
  resp.set_error(error);
  resp.set_zxid(sm_->last_applied_zxid());
  s->Complete(w.seq, std::move(resp));
}

void ArborServer::Touched(net::ClientSession* s) {
  if (s->session_id() == 0) return;
  if (raft_->is_leader()) {
    expiry_.Touch(s->session_id(), static_cast<int64_t>(uv_now(loop_)));
  } else {
    heard_from_.insert(s->session_id());
  }
}

void ArborServer::Disconnected(net::ClientSession* s) {
  by_conn_.erase(s->connection_id());
  conn_ids_.erase(s->connection_id());
  auto it = by_session_.find(s->session_id());
  if (it != by_session_.end() && it->second == s) by_session_.erase(it);
}

// ---- Peers --------------------------------------------------------------

void ArborServer::OnPeerFrame(uint64_t from, proto::PeerFrame&& f) {
  switch (f.frame_case()) {
    case proto::PeerFrame::kRaft:
      if (f.raft().type() == raft::MSG_SNAP &&
          !(snapshot_receiver_ &&
            snapshot_receiver_->HasComplete(f.raft().snapshot().index(), f.raft().snapshot().term()))) {
        // Its data did not arrive whole: the leader will probe and send again.
        LOG(WARNING) << "snapshot " << f.raft().snapshot().index() << " from " << from << " is incomplete; ignored";
        break;
      }
      raft_->Step(f.raft());
      break;
    case proto::PeerFrame::kForward:
      ProposeForwarded(from, std::move(*f.mutable_forward()->mutable_entry()));
      break;
    case proto::PeerFrame::kForwardRefused: {
      const proto::ForwardRefused& r = f.forward_refused();
      auto w = pending_writes_.find({r.session_id(), r.xid()});
      if (r.new_session_id() != 0) {
        auto c = pending_connects_.find(r.new_session_id());
        if (c != pending_connects_.end()) {
          net::ClientSession* s = Find(c->second.conn);
          pending_connects_.erase(c);
          if (s != nullptr) {
            proto::ConnectResponse resp;
            resp.set_error(r.error());
            s->CompleteConnect(resp);
          }
        }
      } else if (w != pending_writes_.end()) {
        Waiter waiter = w->second;
        pending_writes_.erase(w);
        FailWaiter(waiter, r.xid(), r.error());
      }
      break;
    }
    case proto::PeerFrame::kSnapshotChunk: {
      if (!snapshot_receiver_) snapshot_receiver_ = std::make_unique<SnapshotReceiver>(data_->snapshots());
      Status s = snapshot_receiver_->OnChunk(from, f.snapshot_chunk());
      if (!s.ok()) LOG(WARNING) << "snapshot chunk from " << from << " dropped: " << s.ToString();
      break;
    }
    case proto::PeerFrame::kHeartbeats:
      if (raft_->is_leader()) {
        int64_t now = static_cast<int64_t>(uv_now(loop_));
        for (int64_t id : f.heartbeats().session_ids()) expiry_.Touch(id, now);
      }
      break;
    default: {
      LOG_EVERY_N(WARNING, 100) << "unexpected peer frame " << f.frame_case() << " from " << from;
      break;
    }
  }
}

}  // namespace arbor::core
