// arbor::client::Client — the public C++ client of Arbor.
//
//   ClientOptions o;
//   o.connect_string = "10.0.0.1:2181,10.0.0.2:2181/myapp";
//   o.session_listener = [](SessionState from, SessionState to) { ... };
//   auto c = Client::Start(o);              // arbor::Result: bad options fail here
//   if (!c.ok() || !(*c)->WaitConnected(5000)) ...
//   OpResult<proto::CreateResponse> r = (*c)->Create("/jobs/j-", "x", proto::PERSISTENT_SEQUENTIAL);
//   if (!r.ok()) LOG(ERROR) << r.message();   // e.g. "NONODE: the node does not exist ..."
//
// Every operation exists twice:
//  - FooAsync(..., callback): the callback runs on the client's event thread,
//    callbacks in the order the answers arrived (which is request order),
//    interleaved in order with watch events;
//  - Foo(...): blocks the calling thread. It is completed directly by the
//    loop thread, so it may be called from a watch or async callback (as in
//    ZooKeeper's Java client).
// Both are thread-safe; many requests may be in flight (see ClientOptions).
//
// Watches: a read given a non-null Watcher leaves a one-shot watch (getData
// and exists-on-an-existing-node: data watch; exists on a missing node:
// exist watch; getChildren: child watch), registered only if the read
// succeeded. AddWatch leaves a persistent (optionally recursive) watch. The
// client re-registers all of them after reconnecting; they are dropped when
// the session expires or closes. Watchers run on the event thread.
//
// Errors: OpResult carries ZooKeeper's code; see error_codes.h for what the
// client itself reports (CONNECTIONLOSS, SESSIONEXPIRED, THROTTLEDOP, ...).
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "client/client_core.h"
#include "client/client_options.h"
#include "client/error_codes.h"
#include "client/session_state_machine.h"
#include "client/transaction.h"
#include "client/watch_registry.h"
#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::client {

template <typename T>
using Callback = std::function<void(OpResult<T>)>;

// Any async operation as a std::future, e.g.
//   auto f = AsFuture<proto::Stat>([&](Callback<proto::Stat> cb) { c->ExistsAsync("/x", nullptr, cb); });
// The future is fulfilled on the event thread; do not wait on it there.
template <typename T, typename Start>
std::future<OpResult<T>> AsFuture(Start start) {
  auto promise = std::make_shared<std::promise<OpResult<T>>>();
  std::future<OpResult<T>> future = promise->get_future();
  start(Callback<T>([promise](OpResult<T> r) { promise->set_value(std::move(r)); }));
  return future;
}

class Client {
 public:
  // Starts the loop and event threads and begins connecting (it does not
  // wait: see WaitConnected). Fails on invalid options only.
  static Result<std::unique_ptr<Client>> Start(ClientOptions options);
  ~Client();  // Close(); must not run on the event thread (inside a callback)

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- Session --------------------------------------------------------------
  bool WaitConnected(int64_t timeout_ms) { return core_->WaitConnected(timeout_ms); }
  SessionState state() const { return core_->state(); }
  int64_t session_id() const { return core_->session_id(); }
  std::string session_password() const { return core_->session_password(); }
  int32_t negotiated_timeout_ms() const { return core_->negotiated_timeout_ms(); }
  int64_t last_zxid_seen() const { return core_->last_zxid_seen(); }
  std::string current_server() const { return core_->current_server(); }
  // Ends the session (its ephemeral nodes go with it). See ClientCore::Close.
  proto::ErrorCode Close(int64_t timeout_ms = 2000) { return core_->Close(timeout_ms); }

  // ---- Blocking operations ----------------------------------------------------
  OpResult<proto::CreateResponse> Create(const std::string& path, const std::string& data,
                                         proto::CreateMode mode = proto::PERSISTENT,
                                         const std::vector<proto::Acl>& acl = OpenAclUnsafe(), int64_t ttl_ms = 0);
  OpResult<Done> Delete(const std::string& path, int32_t version = -1);
  // NONODE when the node does not exist (a watcher then waits for its creation).
  OpResult<proto::Stat> Exists(const std::string& path, Watcher watcher = nullptr);
  OpResult<proto::GetDataResponse> GetData(const std::string& path, Watcher watcher = nullptr);
  OpResult<proto::Stat> SetData(const std::string& path, const std::string& data, int32_t version = -1);
  OpResult<proto::GetAclResponse> GetAcl(const std::string& path);
  OpResult<proto::Stat> SetAcl(const std::string& path, const std::vector<proto::Acl>& acl, int32_t aversion = -1);
  OpResult<proto::GetChildrenResponse> GetChildren(const std::string& path, Watcher watcher = nullptr,
                                                   bool with_stat = false);
  OpResult<std::string> Sync(const std::string& path);
  OpResult<Done> Check(const std::string& path, int32_t version);
  // Atomic writes. On failure code() is the first failing op's code and
  // value().results() says which op failed.
  OpResult<proto::MultiResponse> Multi(const Transaction& txn);
  // Independent reads; each result has its own error.
  OpResult<proto::MultiResponse> MultiRead(const Transaction& txn);
  OpResult<std::vector<std::string>> GetEphemerals(const std::string& prefix_path = "/");
  OpResult<int32_t> GetAllChildrenNumber(const std::string& path);
  OpResult<Done> AddWatch(const std::string& path, proto::AddWatchMode mode, Watcher watcher);
  // Removes this client's watches of `type` on `path` (their watchers get a
  // *_WATCH_REMOVED event). With local=true they are removed here even when
  // the server cannot be reached.
  OpResult<Done> RemoveWatches(const std::string& path, proto::WatcherType type, bool local = false);
  OpResult<Done> CheckWatches(const std::string& path, proto::WatcherType type);
  OpResult<Done> AddAuth(const std::string& scheme, const std::string& auth);
  OpResult<std::vector<proto::Id>> WhoAmI();
  // The connected server's role, term, commit index and applied zxid
  // (Arbor's native protocol only).
  OpResult<proto::ServerStatusResponse> ServerStatus();
  // One chunk of an online backup (proto BackupRequest; backup_id 0 starts
  // one on the connected server). Send Sync first for a state at a ReadIndex
  // point; client/cli/cmd_backup.cc shows the whole exchange.
  OpResult<proto::BackupResponse> BackupChunk(uint64_t backup_id, uint64_t offset, uint32_t max_bytes = 0);

  // ---- Asynchronous operations (callbacks on the event thread) ----------------
  void CreateAsync(const std::string& path, const std::string& data, proto::CreateMode mode,
                   Callback<proto::CreateResponse> cb, const std::vector<proto::Acl>& acl = OpenAclUnsafe(),
                   int64_t ttl_ms = 0);
  // ZooKeeper's create with null data (kept apart from empty: getData reads
  // back null_data), as a copy from ZooKeeper needs it.
  void CreateNullDataAsync(const std::string& path, proto::CreateMode mode, Callback<proto::CreateResponse> cb,
                           const std::vector<proto::Acl>& acl = OpenAclUnsafe());
  void DeleteAsync(const std::string& path, int32_t version, Callback<Done> cb);
  void ExistsAsync(const std::string& path, Watcher watcher, Callback<proto::Stat> cb);
  void GetDataAsync(const std::string& path, Watcher watcher, Callback<proto::GetDataResponse> cb);
  void SetDataAsync(const std::string& path, const std::string& data, int32_t version, Callback<proto::Stat> cb);
  void GetAclAsync(const std::string& path, Callback<proto::GetAclResponse> cb);
  void SetAclAsync(const std::string& path, const std::vector<proto::Acl>& acl, int32_t aversion,
                   Callback<proto::Stat> cb);
  void GetChildrenAsync(const std::string& path, Watcher watcher, bool with_stat,
                        Callback<proto::GetChildrenResponse> cb);
  void SyncAsync(const std::string& path, Callback<std::string> cb);
  void CheckAsync(const std::string& path, int32_t version, Callback<Done> cb);
  void MultiAsync(const Transaction& txn, Callback<proto::MultiResponse> cb);
  void MultiReadAsync(const Transaction& txn, Callback<proto::MultiResponse> cb);
  void GetEphemeralsAsync(const std::string& prefix_path, Callback<std::vector<std::string>> cb);
  void GetAllChildrenNumberAsync(const std::string& path, Callback<int32_t> cb);
  void AddWatchAsync(const std::string& path, proto::AddWatchMode mode, Watcher watcher, Callback<Done> cb);
  void RemoveWatchesAsync(const std::string& path, proto::WatcherType type, bool local, Callback<Done> cb);
  void CheckWatchesAsync(const std::string& path, proto::WatcherType type, Callback<Done> cb);
  void AddAuthAsync(const std::string& scheme, const std::string& auth, Callback<Done> cb);
  void WhoAmIAsync(Callback<std::vector<proto::Id>> cb);

  // For recipes and tests: the machinery underneath.
  ClientCore* core() { return core_.get(); }

 private:
  // An operation: the request to send (paths already mapped to the server),
  // the watch to register on success, and how to turn a response into T.
  template <typename T>
  struct Op;

  explicit Client(std::unique_ptr<ClientCore> core) : core_(std::move(core)) {}

  template <typename T>
  void Run(Op<T> op, Callback<T> cb, bool complete_on_loop);
  template <typename T>
  OpResult<T> Block(Op<T> op);

  Op<proto::CreateResponse> CreateOp(const std::string& path, const std::string& data, proto::CreateMode mode,
                                     const std::vector<proto::Acl>& acl, int64_t ttl_ms);
  Op<Done> DeleteOp(const std::string& path, int32_t version);
  Op<proto::Stat> ExistsOp(const std::string& path, Watcher watcher);
  Op<proto::GetDataResponse> GetDataOp(const std::string& path, Watcher watcher);
  Op<proto::Stat> SetDataOp(const std::string& path, const std::string& data, int32_t version);
  Op<proto::GetAclResponse> GetAclOp(const std::string& path);
  Op<proto::Stat> SetAclOp(const std::string& path, const std::vector<proto::Acl>& acl, int32_t aversion);
  Op<proto::GetChildrenResponse> GetChildrenOp(const std::string& path, Watcher watcher, bool with_stat);
  Op<std::string> SyncOp(const std::string& path);
  Op<Done> CheckOp(const std::string& path, int32_t version);
  Op<proto::MultiResponse> MultiOp(const Transaction& txn, bool read_only);
  Op<std::vector<std::string>> GetEphemeralsOp(const std::string& prefix_path);
  Op<int32_t> GetAllChildrenNumberOp(const std::string& path);
  Op<Done> AddWatchOp(const std::string& path, proto::AddWatchMode mode, Watcher watcher);
  Op<Done> RemoveWatchesOp(const std::string& path, proto::WatcherType type, bool local);
  Op<Done> CheckWatchesOp(const std::string& path, proto::WatcherType type);
  Op<Done> AddAuthOp(const std::string& scheme, const std::string& auth);
  Op<std::vector<proto::Id>> WhoAmIOp();
  Op<proto::ServerStatusResponse> ServerStatusOp();
  Op<proto::BackupResponse> BackupChunkOp(uint64_t backup_id, uint64_t offset, uint32_t max_bytes);

  std::unique_ptr<ClientCore> core_;
};

}  // namespace arbor::client
