#include "client/client.h"

#include <signal.h>

#include <csignal>

#include <future>
#include <optional>

namespace arbor::client {

template <typename T>
struct Client::Op {
  proto::Request request;
  proto::ErrorCode refuse = proto::OK;  // the client will not send it (bad argument)
  // Watch registered when the answer is OK (and, for exists, a NONODE
  // answer registers an exist watch instead).
  std::optional<WatchKind> watch_on_ok;
  std::optional<WatchKind> watch_on_nonode;
  std::string watch_path;  // the application's path
  Watcher watcher;
  // Runs on the loop thread for answered requests (and on the submitting
  // thread for refused ones, whose code is never OK): response -> result.
  std::function<OpResult<T>(proto::Response&)> finish;
};

namespace {

bool PathOk(const std::string& path) { return !path.empty() && path.front() == '/'; }

// The common case: OK -> extract(response), otherwise the code alone.
template <typename T, typename F>
std::function<OpResult<T>(proto::Response&)> Finish(F extract) {
  return [extract](proto::Response& r) -> OpResult<T> {
    if (r.error() != proto::OK) return OpResult<T>(r.error());
    return OpResult<T>(extract(r));
  };
}

template <typename T>
std::function<OpResult<T>(proto::Response&)> FinishDone() {
  return Finish<T>([](proto::Response&) { return Done{}; });
}

template <typename T>
void Deliver(ClientCore* core, bool on_loop, const Callback<T>& cb, OpResult<T> res) {
  if (on_loop) {
    cb(std::move(res));
    return;
  }
  auto shared = std::make_shared<OpResult<T>>(std::move(res));
  if (!core->events()->Post([cb, shared] { cb(std::move(*shared)); })) cb(std::move(*shared));
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Start(ClientOptions options) {
  // libuv writes with write(2); a server that closed the connection would
  // otherwise raise SIGPIPE and kill the application. Only the default
  // disposition is changed: an application's own handler is kept.
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  Result<std::unique_ptr<ClientCore>> core = ClientCore::Start(std::move(options));
  if (!core.ok()) return core.status();
  return std::unique_ptr<Client>(new Client(std::move(core).value()));
}

Client::~Client() { core_.reset(); }

template <typename T>
void Client::Run(Op<T> op, Callback<T> cb, bool complete_on_loop) {
  ClientCore* core = core_.get();
  if (op.refuse != proto::OK) {
    Deliver<T>(core, complete_on_loop, cb, OpResult<T>(op.refuse));
    return;
  }
  auto shared = std::make_shared<Op<T>>(std::move(op));
  proto::Request request = std::move(shared->request);
  core->Submit(std::move(request), [core, shared, cb, complete_on_loop](proto::Response r) {
    Op<T>& o = *shared;
    std::optional<WatchKind> kind;
    if (r.error() == proto::OK) kind = o.watch_on_ok;
    if (r.error() == proto::NONODE) kind = o.watch_on_nonode;
    // Registration happens on the loop thread before any later event is
    // read, so the watch cannot miss an event sent after this answer.
    if (kind && !core->watches()->Add(*kind, o.watch_path, o.watcher)) {
      r.set_error(proto::QUOTAEXCEEDED);  // the client's own max_watches bound
    }
    Deliver<T>(core, complete_on_loop, cb, o.finish(r));
  });
}

template <typename T>
OpResult<T> Client::Block(Op<T> op) {
  auto prom = std::make_shared<std::promise<OpResult<T>>>();
  std::future<OpResult<T>> fut = prom->get_future();
  Run<T>(std::move(op), [prom](OpResult<T> r) { prom->set_value(std::move(r)); }, /*complete_on_loop=*/true);
  return fut.get();
}

// ---- Request builders -------------------------------------------------------------

Client::Op<proto::CreateResponse> Client::CreateOp(const std::string& path, const std::string& data,
                                                   proto::CreateMode mode, const std::vector<proto::Acl>& acl,
                                                   int64_t ttl_ms) {
  Op<proto::CreateResponse> op;
  bool ttl_mode = mode == proto::PERSISTENT_WITH_TTL || mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
  if (!PathOk(path) || (ttl_mode && ttl_ms <= 0) || (!ttl_mode && ttl_ms != 0)) op.refuse = proto::BADARGUMENTS;
  proto::CreateRequest* c = op.request.mutable_create();
  c->set_path(core_->chroot().ToServer(path));
  c->set_data(data);
  c->set_mode(mode);
  c->set_ttl_ms(ttl_ms);
  for (const proto::Acl& a : acl) *c->add_acl() = a;
  const Chroot& chroot = core_->chroot();
  op.finish = Finish<proto::CreateResponse>([&chroot](proto::Response& r) {
    proto::CreateResponse out = std::move(*r.mutable_create());
    out.set_path(chroot.ToClient(out.path()));
    return out;
  });
  return op;
}

Client::Op<Done> Client::DeleteOp(const std::string& path, int32_t version) {
  Op<Done> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_delete_()->set_path(core_->chroot().ToServer(path));
  op.request.mutable_delete_()->set_version(version);
  op.finish = FinishDone<Done>();
  return op;
}

Client::Op<proto::Stat> Client::ExistsOp(const std::string& path, Watcher watcher) {
  Op<proto::Stat> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_exists()->set_path(core_->chroot().ToServer(path));
  if (watcher) {
    op.request.mutable_exists()->set_watch(true);
    op.watch_on_ok = WatchKind::kData;
    op.watch_on_nonode = WatchKind::kExist;
    op.watch_path = path;
    op.watcher = std::move(watcher);
  }
  op.finish = Finish<proto::Stat>([](proto::Response& r) { return r.exists().stat(); });
  return op;
}

Client::Op<proto::GetDataResponse> Client::GetDataOp(const std::string& path, Watcher watcher) {
  Op<proto::GetDataResponse> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_get_data()->set_path(core_->chroot().ToServer(path));
  if (watcher) {
    op.request.mutable_get_data()->set_watch(true);
    op.watch_on_ok = WatchKind::kData;
    op.watch_path = path;
    op.watcher = std::move(watcher);
  }
  op.finish = Finish<proto::GetDataResponse>([](proto::Response& r) { return std::move(*r.mutable_get_data()); });
  return op;
}

Client::Op<proto::Stat> Client::SetDataOp(const std::string& path, const std::string& data, int32_t version) {
  Op<proto::Stat> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  proto::SetDataRequest* s = op.request.mutable_set_data();
  s->set_path(core_->chroot().ToServer(path));
  s->set_data(data);
  s->set_version(version);
  op.finish = Finish<proto::Stat>([](proto::Response& r) { return r.set_data().stat(); });
  return op;
}

Client::Op<proto::GetAclResponse> Client::GetAclOp(const std::string& path) {
  Op<proto::GetAclResponse> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_get_acl()->set_path(core_->chroot().ToServer(path));
  op.finish = Finish<proto::GetAclResponse>([](proto::Response& r) { return std::move(*r.mutable_get_acl()); });
  return op;
}

Client::Op<proto::Stat> Client::SetAclOp(const std::string& path, const std::vector<proto::Acl>& acl,
                                         int32_t aversion) {
  Op<proto::Stat> op;
  if (!PathOk(path) || acl.empty()) op.refuse = proto::BADARGUMENTS;
  proto::SetAclRequest* s = op.request.mutable_set_acl();
  s->set_path(core_->chroot().ToServer(path));
  for (const proto::Acl& a : acl) *s->add_acl() = a;
  s->set_version(aversion);
  op.finish = Finish<proto::Stat>([](proto::Response& r) { return r.set_acl().stat(); });
  return op;
}

Client::Op<proto::GetChildrenResponse> Client::GetChildrenOp(const std::string& path, Watcher watcher,
                                                             bool with_stat) {
  Op<proto::GetChildrenResponse> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  proto::GetChildrenRequest* g = op.request.mutable_get_children();
  g->set_path(core_->chroot().ToServer(path));
  g->set_with_stat(with_stat);
  if (watcher) {
    g->set_watch(true);
    op.watch_on_ok = WatchKind::kChild;
    op.watch_path = path;
    op.watcher = std::move(watcher);
  }
  op.finish = Finish<proto::GetChildrenResponse>(
      [](proto::Response& r) { return std::move(*r.mutable_get_children()); });
  return op;
}

Client::Op<std::string> Client::SyncOp(const std::string& path) {
  Op<std::string> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_sync()->set_path(core_->chroot().ToServer(path));
  const Chroot& chroot = core_->chroot();
  op.finish = Finish<std::string>([&chroot](proto::Response& r) { return chroot.ToClient(r.sync().path()); });
  return op;
}

Client::Op<Done> Client::CheckOp(const std::string& path, int32_t version) {
  Op<Done> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_check()->set_path(core_->chroot().ToServer(path));
  op.request.mutable_check()->set_version(version);
  op.finish = FinishDone<Done>();
  return op;
}

Client::Op<proto::MultiResponse> Client::MultiOp(const Transaction& txn, bool read_only) {
  Op<proto::MultiResponse> op;
  // multi takes writes and checks only; multiRead reads only.
  if (txn.size() == 0 || (read_only ? txn.has_writes() : txn.has_reads())) op.refuse = proto::BADARGUMENTS;
  const Chroot& chroot = core_->chroot();
  proto::MultiRequest* m = op.request.mutable_multi();
  m->set_read_only(read_only);
  for (const proto::MultiOp& in : txn.ops()) {
    proto::MultiOp* o = m->add_ops();
    *o = in;
    std::string* path = nullptr;
    switch (o->op_case()) {
      case proto::MultiOp::kCreate: path = o->mutable_create()->mutable_path(); break;
      case proto::MultiOp::kDelete: path = o->mutable_delete_()->mutable_path(); break;
      case proto::MultiOp::kSetData: path = o->mutable_set_data()->mutable_path(); break;
      case proto::MultiOp::kCheck: path = o->mutable_check()->mutable_path(); break;
      case proto::MultiOp::kGetData: path = o->mutable_get_data()->mutable_path(); break;
      case proto::MultiOp::kGetChildren: path = o->mutable_get_children()->mutable_path(); break;
      default: op.refuse = proto::BADARGUMENTS; continue;
    }
    if (!PathOk(*path)) op.refuse = proto::BADARGUMENTS;
    *path = chroot.ToServer(*path);
  }
  op.finish = [&chroot, read_only](proto::Response& r) -> OpResult<proto::MultiResponse> {
    proto::MultiResponse out = std::move(*r.mutable_multi());
    proto::ErrorCode code = r.error();
    for (proto::MultiOpResult& res : *out.mutable_results()) {
      if (res.has_create()) res.mutable_create()->set_path(chroot.ToClient(res.create().path()));
      // A failed multi reports the first failing op's code; a multiRead's
      // results are independent and each carries its own.
      if (!read_only && code == proto::OK && res.error() != proto::OK) code = res.error();
    }
    return OpResult<proto::MultiResponse>(code, std::move(out));
  };
  return op;
}

Client::Op<std::vector<std::string>> Client::GetEphemeralsOp(const std::string& prefix_path) {
  Op<std::vector<std::string>> op;
  if (!PathOk(prefix_path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_get_ephemerals()->set_prefix_path(core_->chroot().ToServer(prefix_path));
  const Chroot& chroot = core_->chroot();
  op.finish = Finish<std::vector<std::string>>([&chroot](proto::Response& r) {
    std::vector<std::string> out;
    for (const std::string& p : r.get_ephemerals().paths()) out.push_back(chroot.ToClient(p));
    return out;
  });
  return op;
}

Client::Op<int32_t> Client::GetAllChildrenNumberOp(const std::string& path) {
  Op<int32_t> op;
  if (!PathOk(path)) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_get_all_children_number()->set_path(core_->chroot().ToServer(path));
  op.finish = Finish<int32_t>([](proto::Response& r) { return r.get_all_children_number().total_number(); });
  return op;
}

Client::Op<Done> Client::AddWatchOp(const std::string& path, proto::AddWatchMode mode, Watcher watcher) {
  Op<Done> op;
  if (!PathOk(path) || !watcher) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_add_watch()->set_path(core_->chroot().ToServer(path));
  op.request.mutable_add_watch()->set_mode(mode);
  op.watch_on_ok = mode == proto::ADD_WATCH_PERSISTENT_RECURSIVE ? WatchKind::kPersistentRecursive
                                                                 : WatchKind::kPersistent;
  op.watch_path = path;
  op.watcher = std::move(watcher);
  op.finish = FinishDone<Done>();
  return op;
}

Client::Op<Done> Client::RemoveWatchesOp(const std::string& path, proto::WatcherType type, bool local) {
  Op<Done> op;
  if (!PathOk(path) || type == proto::WATCHER_TYPE_UNSPECIFIED) op.refuse = proto::BADARGUMENTS;
  proto::RemoveWatchesRequest* rw = op.request.mutable_remove_watches();
  rw->set_path(core_->chroot().ToServer(path));
  rw->set_type(type);
  rw->set_local(local);
  ClientCore* core = core_.get();
  op.finish = [core, path, type, local](proto::Response& r) -> OpResult<Done> {
    // Answered (loop thread): OK from the server, or, for a local removal,
    // no server to ask. Either way the watches go and their owners hear it.
    bool remove = r.error() == proto::OK || (local && r.error() == proto::CONNECTIONLOSS);
    if (!remove) return OpResult<Done>(r.error());
    for (auto& [watcher, event] : core->watches()->Remove(path, type)) {
      if (watcher) core->events()->Post([w = std::move(watcher), e = std::move(event)] { w(e); });
    }
    return OpResult<Done>(Done{});
  };
  return op;
}

Client::Op<Done> Client::CheckWatchesOp(const std::string& path, proto::WatcherType type) {
  Op<Done> op;
  if (!PathOk(path) || type == proto::WATCHER_TYPE_UNSPECIFIED) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_check_watches()->set_path(core_->chroot().ToServer(path));
  op.request.mutable_check_watches()->set_type(type);
  op.finish = FinishDone<Done>();
  return op;
}

Client::Op<Done> Client::AddAuthOp(const std::string& scheme, const std::string& auth) {
  Op<Done> op;
  if (scheme.empty()) op.refuse = proto::BADARGUMENTS;
  op.request.mutable_auth()->set_scheme(scheme);
  op.request.mutable_auth()->set_auth(auth);
  ClientCore* core = core_.get();
  proto::AuthRequest remembered = op.request.auth();
  op.finish = [core, remembered](proto::Response& r) -> OpResult<Done> {
    if (r.error() != proto::OK) return OpResult<Done>(r.error());
    // Answered OK on the loop thread: re-sent after every reconnect.
    if (!core->RememberAuth(remembered)) return OpResult<Done>(proto::QUOTAEXCEEDED);
    return OpResult<Done>(Done{});
  };
  return op;
}

Client::Op<std::vector<proto::Id>> Client::WhoAmIOp() {
  Op<std::vector<proto::Id>> op;
  op.request.mutable_who_am_i();
  op.finish = Finish<std::vector<proto::Id>>([](proto::Response& r) {
    return std::vector<proto::Id>(r.who_am_i().client_info().begin(), r.who_am_i().client_info().end());
  });
  return op;
}

Client::Op<proto::ServerStatusResponse> Client::ServerStatusOp() {
  Op<proto::ServerStatusResponse> op;
  op.request.mutable_server_status();
  op.finish = Finish<proto::ServerStatusResponse>([](proto::Response& r) { return r.server_status(); });
  return op;
}

Client::Op<proto::BackupResponse> Client::BackupChunkOp(uint64_t backup_id, uint64_t offset, uint32_t max_bytes) {
  Op<proto::BackupResponse> op;
  proto::BackupRequest* req = op.request.mutable_backup();
  req->set_backup_id(backup_id);
  req->set_offset(offset);
  req->set_max_bytes(max_bytes);
  op.finish = Finish<proto::BackupResponse>([](proto::Response& r) { return std::move(*r.mutable_backup()); });
  return op;
}

// ---- Blocking ----------------------------------------------------------------------

OpResult<proto::CreateResponse> Client::Create(const std::string& path, const std::string& data,
                                               proto::CreateMode mode, const std::vector<proto::Acl>& acl,
                                               int64_t ttl_ms) {
  return Block(CreateOp(path, data, mode, acl, ttl_ms));
}
OpResult<Done> Client::Delete(const std::string& path, int32_t version) { return Block(DeleteOp(path, version)); }
OpResult<proto::Stat> Client::Exists(const std::string& path, Watcher watcher) {
  return Block(ExistsOp(path, std::move(watcher)));
}
OpResult<proto::GetDataResponse> Client::GetData(const std::string& path, Watcher watcher) {
  return Block(GetDataOp(path, std::move(watcher)));
}
OpResult<proto::Stat> Client::SetData(const std::string& path, const std::string& data, int32_t version) {
  return Block(SetDataOp(path, data, version));
}
OpResult<proto::GetAclResponse> Client::GetAcl(const std::string& path) { return Block(GetAclOp(path)); }
OpResult<proto::Stat> Client::SetAcl(const std::string& path, const std::vector<proto::Acl>& acl,
                                     int32_t aversion) {
  return Block(SetAclOp(path, acl, aversion));
}
OpResult<proto::GetChildrenResponse> Client::GetChildren(const std::string& path, Watcher watcher,
                                                         bool with_stat) {
  return Block(GetChildrenOp(path, std::move(watcher), with_stat));
}
OpResult<std::string> Client::Sync(const std::string& path) { return Block(SyncOp(path)); }
OpResult<Done> Client::Check(const std::string& path, int32_t version) { return Block(CheckOp(path, version)); }
OpResult<proto::MultiResponse> Client::Multi(const Transaction& txn) { return Block(MultiOp(txn, false)); }
OpResult<proto::MultiResponse> Client::MultiRead(const Transaction& txn) { return Block(MultiOp(txn, true)); }
OpResult<std::vector<std::string>> Client::GetEphemerals(const std::string& prefix_path) {
  return Block(GetEphemeralsOp(prefix_path));
}
OpResult<int32_t> Client::GetAllChildrenNumber(const std::string& path) {
  return Block(GetAllChildrenNumberOp(path));
}
OpResult<Done> Client::AddWatch(const std::string& path, proto::AddWatchMode mode, Watcher watcher) {
  return Block(AddWatchOp(path, mode, std::move(watcher)));
}
OpResult<Done> Client::RemoveWatches(const std::string& path, proto::WatcherType type, bool local) {
  return Block(RemoveWatchesOp(path, type, local));
}
OpResult<Done> Client::CheckWatches(const std::string& path, proto::WatcherType type) {
  return Block(CheckWatchesOp(path, type));
}
OpResult<Done> Client::AddAuth(const std::string& scheme, const std::string& auth) {
  return Block(AddAuthOp(scheme, auth));
}
OpResult<std::vector<proto::Id>> Client::WhoAmI() { return Block(WhoAmIOp()); }
OpResult<proto::ServerStatusResponse> Client::ServerStatus() { return Block(ServerStatusOp()); }
OpResult<proto::BackupResponse> Client::BackupChunk(uint64_t backup_id, uint64_t offset, uint32_t max_bytes) {
  return Block(BackupChunkOp(backup_id, offset, max_bytes));
}

// ---- Asynchronous --------------------------------------------------------------------

void Client::CreateAsync(const std::string& path, const std::string& data, proto::CreateMode mode,
                         Callback<proto::CreateResponse> cb, const std::vector<proto::Acl>& acl, int64_t ttl_ms) {
  Run(CreateOp(path, data, mode, acl, ttl_ms), std::move(cb), false);
}
void Client::CreateNullDataAsync(const std::string& path, proto::CreateMode mode, Callback<proto::CreateResponse> cb,
                                 const std::vector<proto::Acl>& acl) {
  Op<proto::CreateResponse> op = CreateOp(path, "", mode, acl, 0);
  op.request.mutable_create()->set_null_data(true);
  Run(std::move(op), std::move(cb), false);
}
void Client::DeleteAsync(const std::string& path, int32_t version, Callback<Done> cb) {
  Run(DeleteOp(path, version), std::move(cb), false);
}
void Client::ExistsAsync(const std::string& path, Watcher watcher, Callback<proto::Stat> cb) {
  Run(ExistsOp(path, std::move(watcher)), std::move(cb), false);
}
void Client::GetDataAsync(const std::string& path, Watcher watcher, Callback<proto::GetDataResponse> cb) {
  Run(GetDataOp(path, std::move(watcher)), std::move(cb), false);
}
void Client::SetDataAsync(const std::string& path, const std::string& data, int32_t version,
                          Callback<proto::Stat> cb) {
  Run(SetDataOp(path, data, version), std::move(cb), false);
}
void Client::GetAclAsync(const std::string& path, Callback<proto::GetAclResponse> cb) {
  Run(GetAclOp(path), std::move(cb), false);
}
void Client::SetAclAsync(const std::string& path, const std::vector<proto::Acl>& acl, int32_t aversion,
                         Callback<proto::Stat> cb) {
  Run(SetAclOp(path, acl, aversion), std::move(cb), false);
}
void Client::GetChildrenAsync(const std::string& path, Watcher watcher, bool with_stat,
                              Callback<proto::GetChildrenResponse> cb) {
  Run(GetChildrenOp(path, std::move(watcher), with_stat), std::move(cb), false);
}
void Client::SyncAsync(const std::string& path, Callback<std::string> cb) { Run(SyncOp(path), std::move(cb), false); }
void Client::CheckAsync(const std::string& path, int32_t version, Callback<Done> cb) {
  Run(CheckOp(path, version), std::move(cb), false);
}
void Client::MultiAsync(const Transaction& txn, Callback<proto::MultiResponse> cb) {
  Run(MultiOp(txn, false), std::move(cb), false);
}
void Client::MultiReadAsync(const Transaction& txn, Callback<proto::MultiResponse> cb) {
  Run(MultiOp(txn, true), std::move(cb), false);
}
void Client::GetEphemeralsAsync(const std::string& prefix_path, Callback<std::vector<std::string>> cb) {
  Run(GetEphemeralsOp(prefix_path), std::move(cb), false);
}
void Client::GetAllChildrenNumberAsync(const std::string& path, Callback<int32_t> cb) {
  Run(GetAllChildrenNumberOp(path), std::move(cb), false);
}
void Client::AddWatchAsync(const std::string& path, proto::AddWatchMode mode, Watcher watcher, Callback<Done> cb) {
  Run(AddWatchOp(path, mode, std::move(watcher)), std::move(cb), false);
}
void Client::RemoveWatchesAsync(const std::string& path, proto::WatcherType type, bool local, Callback<Done> cb) {
  Run(RemoveWatchesOp(path, type, local), std::move(cb), false);
}
void Client::CheckWatchesAsync(const std::string& path, proto::WatcherType type, Callback<Done> cb) {
  Run(CheckWatchesOp(path, type), std::move(cb), false);
}
void Client::AddAuthAsync(const std::string& scheme, const std::string& auth, Callback<Done> cb) {
  Run(AddAuthOp(scheme, auth), std::move(cb), false);
}
void Client::WhoAmIAsync(Callback<std::vector<proto::Id>> cb) { Run(WhoAmIOp(), std::move(cb), false); }

}  // namespace arbor::client
