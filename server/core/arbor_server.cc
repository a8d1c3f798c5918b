#include "server/core/arbor_server.h"

#include <glog/logging.h>

#include <cstdio>

#include "common/frame.h"
#include "server/net/peer_auth.h"
#include "server/net/tls_link.h"
#include "server/storage/data_dir.h"

namespace arbor::core {

ArborServer::ArborServer(uv_loop_t* loop, ServerOptions options)
    : loop_(loop), options_(std::move(options)), clock_(loop) {}

ArborServer::~ArborServer() = default;

int ArborServer::client_port() const { return listeners_.empty() ? 0 : listeners_[0].tcp->port(); }
int ArborServer::peer_port() const { return transport_ ? transport_->listen_port() : 0; }
int ArborServer::zk_port() const {
  for (const auto& l : listeners_) {
    if (l.name == "zookeeper") return l.tcp->port();
  }
  return 0;
}

Status ArborServer::Start() {
  if (options_.peers.empty()) options_.peers[options_.id] = options_.bind + ":" + std::to_string(options_.peer_port);
  auto dir = storage::DataDir::Open(options_.data_dir, options_.storage);
  if (!dir.ok()) return dir.status();
  disk_ = std::make_unique<LmdbDisk>(loop_, std::move(dir).value(), &metrics_);

  net::PeerTransportOptions po;
  po.self_id = options_.id;
  po.cluster_name = options_.cluster_name;
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.id) po.peers[id] = addr;
  }
  po.listen.bind = options_.bind;
  po.listen.port = options_.peer_port;
  ARBOR_RETURN_IF_ERROR(StartTls());
  po.tls_server = peer_tls_server_;
  po.tls_client = peer_tls_client_;
  if (!options_.peer_secret_file.empty()) {
    auto secret = net::LoadPeerSecret(options_.peer_secret_file);
    if (!secret.ok()) return Status::InvalidArgument("--peer_secret_file: " + secret.status().message());
    po.secret = std::move(secret).value();
  } else if (options_.peers.size() > 1 && !options_.peer_tls) {
    LOG(WARNING) << "no --peer_secret_file nor --peer_tls: any process that reaches peer port " << options_.peer_port
                 << " and names a member id is taken for that member (docs/SECURITY.md)";
  }
  transport_ = std::make_unique<net::PeerTransport>(
      loop_, po, [this](uint64_t from, proto::PeerFrame&& f) { replica_->OnPeerFrame(from, std::move(f)); },
      [this](uint64_t peer) { replica_->OnPeerLinkDown(peer); });
  peers_ = std::make_unique<UvPeerNetwork>(transport_.get());
  pump_ = std::make_unique<UvPump>(
      loop_, options_.tick_ms,
      [this] {
        replica_->Tick();
        if (clock_.NowMs() - last_status_ms_ >= 1000) WriteStatusFile();
        for (auto& e : extensions_) e->Tick(clock_.NowMs());
      },
      [this] { replica_->Poll(); });

  // ZooKeeper registers its x509 provider only with TLS configured.
  options_.auth.x509_acls = options_.secure_client_port != 0 || options_.secure_zk_port != 0;
  Env env{&clock_, pump_.get(), &entropy_, peers_.get(), disk_.get(), &metrics_};
  replica_ = std::make_unique<Replica>(options_, env);
  ARBOR_RETURN_IF_ERROR(transport_->Start());
  ARBOR_RETURN_IF_ERROR(replica_->Start());
  pump_->Start();
  ARBOR_RETURN_IF_ERROR(StartListeners());
  for (auto& e : extensions_) ARBOR_RETURN_IF_ERROR(e->Start(this));
  LOG(INFO) << "arbord " << options_.id << " serving clients on " << options_.bind << ":" << client_port()
            << ", peers on " << peer_port() << ", data in " << options_.data_dir;
  return Status::Ok();
}

Status ArborServer::StartListeners() {
  net::ListenerOptions lo;
  lo.bind = options_.bind;
  lo.port = options_.client_port;
  lo.max_connections = options_.max_connections;
  lo.limits.max_input_bytes = options_.max_frame_bytes + kFrameHeaderBytes;
  lo.limits.max_output_bytes = options_.max_connection_output_bytes;
  lo.limits.close_flush_timeout_ms = options_.close_flush_timeout_ms;
  client_budget_ = std::make_unique<net::ClientBudget>(net::ClientBudgetOptions{
      options_.max_connections, options_.max_connections_per_ip, options_.max_total_output_bytes});
  lo.limits.budget = client_budget_.get();
  ARBOR_RETURN_IF_ERROR(AddClientListener("native", lo, /*zk=*/false, /*tls=*/false));
  if (options_.secure_client_port != 0) {
    net::ListenerOptions so = lo;
    so.port = options_.secure_client_port;
    ARBOR_RETURN_IF_ERROR(AddClientListener("native-tls", so, /*zk=*/false, /*tls=*/true));
  }
  if (options_.zk_port == 0 && options_.secure_zk_port == 0) return Status::Ok();
  std::string error;
  if (!zk::ParseFourLetterAllowList(options_.four_letter_words, &zk_codec_options_.four_letter_words, &error)) {
    return Status::InvalidArgument(error);
  }
  zk_codec_options_.max_frame_bytes = options_.zk_max_frame_bytes;
  zk_codec_options_.facts = [this](std::string_view word) { return ZkFacts(word); };
  zk_codec_options_.counters = &zk_counters_;
  net::ListenerOptions zo = lo;
  zo.limits.max_input_bytes = options_.zk_max_frame_bytes + kFrameHeaderBytes;
  if (options_.zk_port != 0) {
    zo.port = options_.zk_port;
    ARBOR_RETURN_IF_ERROR(AddClientListener("zookeeper", zo, /*zk=*/true, /*tls=*/false));
  }
  if (options_.secure_zk_port != 0) {
    zo.port = options_.secure_zk_port;
    ARBOR_RETURN_IF_ERROR(AddClientListener("zookeeper-tls", zo, /*zk=*/true, /*tls=*/true));
  }
  return Status::Ok();
}

Status ArborServer::AddClientListener(const std::string& name, net::ListenerOptions lo, bool zk, bool tls) {
  net::ClientSessionOptions so{options_.max_outstanding_per_connection, &metrics_};
  size_t max_plain = lo.limits.max_input_bytes;
  auto make = [this, so, zk](net::Link* link) -> std::unique_ptr<net::ConnectionHandler> {
    auto codec = zk ? zk::NewZkCodec(zk_codec_options_) : net::NewNativeCodec(options_.max_frame_bytes);
    return std::make_unique<net::ClientSession>(link, std::move(codec), replica_.get(), so);
  };
  net::TcpListener::HandlerFactory factory;
  if (tls) {
    // Records of up to 16 KiB arrive whole before they decrypt.
    lo.limits.max_input_bytes += 64 << 10;
    factory = [this, make, max_plain](net::Connection* c) {
      return net::AcceptTls(c, *tls_server_, max_plain, make);
    };
  } else {
    factory = [make](net::Connection* c) { return make(c); };
  }
  listeners_.push_back({name, std::make_unique<net::TcpListener>(loop_, lo, std::move(factory))});
  ARBOR_RETURN_IF_ERROR(listeners_.back().tcp->Listen());
  if (name != "native") {
    LOG(INFO) << "arbord " << options_.id << " serving " << name << " clients on " << options_.bind << ":"
              << listeners_.back().tcp->port();
  }
  return Status::Ok();
}

Status ArborServer::StartTls() {
  if (options_.secure_client_port != 0 || options_.secure_zk_port != 0) {
    auto server = tls::TlsContext::Create(tls::TlsContext::Role::kServer, options_.tls);
    if (!server.ok()) return Status::InvalidArgument("TLS: " + server.status().message());
    tls_server_ = *server;
  }
  if (options_.peer_tls) {
    // Every member shows a certificate, both ways.
    tls::TlsFiles files = options_.tls;
    files.client_auth = tls::ClientAuth::kNeed;
    files.verify_peer = true;
    auto acceptor = tls::TlsContext::Create(tls::TlsContext::Role::kServer, files);
    if (!acceptor.ok()) return Status::InvalidArgument("--peer_tls: " + acceptor.status().message());
    auto dialer = tls::TlsContext::Create(tls::TlsContext::Role::kClient, files);
    if (!dialer.ok()) return Status::InvalidArgument("--peer_tls: " + dialer.status().message());
    peer_tls_server_ = *acceptor;
    peer_tls_client_ = *dialer;
  }
  return Status::Ok();
}

Status ArborServer::ReloadTls() {
  Status s;
  for (auto* ctx : {&tls_server_, &peer_tls_server_, &peer_tls_client_}) {
    if (*ctx && s.ok()) s = (*ctx)->Reload();
  }
  if (!s.ok()) {
    LOG(ERROR) << "TLS reload failed, the previous certificates stay in force: " << s.ToString();
  } else if (tls_server_ || peer_tls_server_) {
    LOG(INFO) << "TLS certificates reloaded from " << options_.tls.cert_file;
  }
  return s;
}

void ArborServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& e : extensions_) e->Stop();
  if (pump_) pump_->Close();
  for (auto& l : listeners_) l.tcp->Close(Status::Ok());
  if (transport_) transport_->Close();
  if (replica_) replica_->Stop();
  if (disk_) disk_->Stop();  // Start() may have failed before the replica started it
}

void ArborServer::Shutdown(std::function<void()> stopped) {
  if (stopped_) return;
  shutting_down_ = true;
  for (auto& l : listeners_) l.tcp->StopAccepting();
  replica_->Shutdown([this, stopped = std::move(stopped)] {
    Stop();
    if (stopped) stopped();
  });
}

void ArborServer::WriteStatusFile() {
  // One line for operators and deploy/local-cluster.sh status. Not fsynced:
  // it is a hint, rewritten every second, never read back by arbord.
  last_status_ms_ = clock_.NowMs();
  std::string line = ToStatusLine(replica_->GetStatus());
  std::string path = options_.data_dir + "/status";
  std::string tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fputs(line.c_str(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
}

}  // namespace arbor::core

namespace arbor::core {

std::vector<ArborServer::ListenerInfo> ArborServer::listener_info() const {
  std::vector<ListenerInfo> out;
  for (const auto& l : listeners_) {
    out.push_back({l.name, l.tcp->port(), l.tcp->connection_count(), l.tcp->accepted_total(),
                   l.tcp->rejected_total()});
  }
  return out;
}

zk::ServerFacts ArborServer::ZkFacts(std::string_view word) const {
  ServerStatus s = replica_->GetStatus();
  zk::ServerFacts f = ToZkFacts(s);
  metrics::ServerMetrics::LatencyWindow w = metrics_.latency_window();
  f.latency_count = w.count;
  f.avg_latency_ms = w.count == 0 ? 0 : static_cast<double>(w.sum_us) / 1000.0 / static_cast<double>(w.count);
  f.min_latency_ms = w.min_us / 1000;
  f.max_latency_ms = w.max_us / 1000;
  f.approximate_data_size = replica_->state().tree().ApproximateBytes();
  if (word == "cons" || word == "stat") {
    // The status lists connections without their figures; fill them here.
    f.connections.clear();
    for (const auto& [id, c] : replica_->sessions().connections()) {
      zk::ConnectionFacts cf{c->peer(), c->protocol(), c->session_id(), c->outstanding()};
      if (const session::ConnectionStats* st = c->stats()) {
        cf.has_stats = true;
        cf.received = st->received;
        cf.sent = st->sent;
        cf.last_op = st->last_op;
        cf.established_ms = st->established_ms;
        const session::SessionInfo* info = replica_->state().sessions().Find(c->session_id());
        cf.timeout_ms = info != nullptr ? info->timeout_ms : 0;
        cf.last_xid = st->last_xid;
        cf.last_zxid = st->last_zxid;
        cf.last_response_ms = st->last_response_ms;
        cf.last_latency_ms = st->last_latency_us / 1000;
        cf.min_latency_ms = st->min_latency_us / 1000;
        cf.max_latency_ms = st->max_latency_us / 1000;
        cf.avg_latency_ms = st->latency_count == 0 ? 0
                                                   : static_cast<double>(st->latency_sum_us) / 1000.0 /
                                                         static_cast<double>(st->latency_count);
      }
      f.connections.push_back(std::move(cf));
    }
  }
  if (word == "wchc" || word == "wchp") {
    replica_->watches().ForEach([&f](const std::string& path, int64_t session, uint8_t) {
      f.watches.emplace_back(path, session);
    });
  }
  if (word == "dump") {
    for (const auto& [id, info] : replica_->state().sessions().all()) {
      zk::ServerFacts::SessionFacts sf;
      sf.id = id;
      sf.timeout_ms = info.timeout_ms;
      proto::GetEphemeralsResponse eph;
      replica_->state().tree().GetEphemerals(id, "/", &eph);
      sf.ephemerals.assign(eph.paths().begin(), eph.paths().end());
      f.sessions.push_back(std::move(sf));
    }
  }
  return f;
}

}  // namespace arbor::core
