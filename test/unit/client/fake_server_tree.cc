// FakeServer::Execute: the fake's tiny, non-atomic tree. Enough to answer
// the operations the client tests use; not a model of arbord.
#include "test/unit/client/fake_server.h"

namespace arbor::client::testing {
namespace {

std::string Parent(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

proto::Stat StatOf(const FakeEnsemble& ens, const std::string& path, const FakeEnsemble::Node& n) {
  proto::Stat s;
  s.set_version(n.version);
  s.set_cversion(n.cversion);
  s.set_czxid(n.czxid);
  s.set_mzxid(n.mzxid);
  s.set_ephemeral_owner(n.ephemeral_owner);
  s.set_data_length(static_cast<int32_t>(n.data.size()));
  std::string prefix = path == "/" ? "/" : path + "/";
  int32_t kids = 0;
  for (auto it = ens.nodes.lower_bound(prefix); it != ens.nodes.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    if (it->first != "/" && it->first.find('/', prefix.size()) == std::string::npos) ++kids;
  }
  s.set_num_children(kids);
  return s;
}

proto::ErrorCode Create(FakeEnsemble& ens, const proto::CreateRequest& c, int64_t owner, proto::CreateResponse* out) {
  std::string path = c.path();
  auto parent = ens.nodes.find(Parent(path + (path.back() == '/' ? "x" : "")));
  if (parent == ens.nodes.end()) return proto::NONODE;
  bool seq = c.mode() == proto::PERSISTENT_SEQUENTIAL || c.mode() == proto::EPHEMERAL_SEQUENTIAL ||
             c.mode() == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
  if (seq) {
    char buf[16];
    snprintf(buf, sizeof(buf), "%010d", parent->second.cversion);
    path += buf;
  }
  if (ens.nodes.count(path)) return proto::NODEEXISTS;
  ++parent->second.cversion;
  FakeEnsemble::Node n;
  n.data = c.data();
  n.czxid = n.mzxid = ++ens.zxid;
  bool eph = c.mode() == proto::EPHEMERAL || c.mode() == proto::EPHEMERAL_SEQUENTIAL;
  n.ephemeral_owner = eph ? owner : 0;
  ens.nodes[path] = n;
  out->set_path(path);
  *out->mutable_stat() = StatOf(ens, path, n);
  return proto::OK;
}

proto::ErrorCode Delete(FakeEnsemble& ens, const proto::DeleteRequest& d) {
  auto it = ens.nodes.find(d.path());
  if (it == ens.nodes.end()) return proto::NONODE;
  if (d.version() != -1 && d.version() != it->second.version) return proto::BADVERSION;
  if (StatOf(ens, d.path(), it->second).num_children() > 0) return proto::NOTEMPTY;
  ens.nodes.erase(it);
  ++ens.nodes[Parent(d.path())].cversion;
  ++ens.zxid;
  return proto::OK;
}

proto::ErrorCode SetData(FakeEnsemble& ens, const proto::SetDataRequest& s, proto::SetDataResponse* out) {
  auto it = ens.nodes.find(s.path());
  if (it == ens.nodes.end()) return proto::NONODE;
  if (s.version() != -1 && s.version() != it->second.version) return proto::BADVERSION;
  it->second.data = s.data();
  ++it->second.version;
  it->second.mzxid = ++ens.zxid;
  *out->mutable_stat() = StatOf(ens, s.path(), it->second);
  return proto::OK;
}

proto::ErrorCode GetData(FakeEnsemble& ens, const std::string& path, proto::GetDataResponse* out) {
  auto it = ens.nodes.find(path);
  if (it == ens.nodes.end()) return proto::NONODE;
  out->set_data(it->second.data);
  *out->mutable_stat() = StatOf(ens, path, it->second);
  return proto::OK;
}

proto::ErrorCode GetChildren(FakeEnsemble& ens, const std::string& path, proto::GetChildrenResponse* out) {
  auto it = ens.nodes.find(path);
  if (it == ens.nodes.end()) return proto::NONODE;
  std::string prefix = path == "/" ? "/" : path + "/";
  for (auto c = ens.nodes.lower_bound(prefix); c != ens.nodes.end() && c->first.rfind(prefix, 0) == 0; ++c) {
    if (c->first != "/" && c->first.find('/', prefix.size()) == std::string::npos) {
      out->add_children(c->first.substr(prefix.size()));
    }
  }
  *out->mutable_stat() = StatOf(ens, path, it->second);
  return proto::OK;
}

}  // namespace

proto::Response FakeServer::Execute(const proto::Request& req, int64_t session_id) {
  FakeEnsemble& ens = *ens_;
  std::lock_guard<std::mutex> lock(ens.mu);
  proto::Response r;
  r.set_xid(req.xid());
  proto::ErrorCode err = proto::OK;
  switch (req.op_case()) {
    case proto::Request::kPing: r.mutable_ping(); break;
    case proto::Request::kCreate: err = Create(ens, req.create(), session_id, r.mutable_create()); break;
    case proto::Request::kDelete: err = Delete(ens, req.delete_()); break;
    case proto::Request::kSetData: err = SetData(ens, req.set_data(), r.mutable_set_data()); break;
    case proto::Request::kGetData: err = GetData(ens, req.get_data().path(), r.mutable_get_data()); break;
    case proto::Request::kGetChildren:
      err = GetChildren(ens, req.get_children().path(), r.mutable_get_children());
      break;
    case proto::Request::kExists: {
      auto it = ens.nodes.find(req.exists().path());
      if (it == ens.nodes.end()) {
        err = proto::NONODE;
      } else {
        *r.mutable_exists()->mutable_stat() = StatOf(ens, it->first, it->second);
      }
      break;
    }
    case proto::Request::kSync: r.mutable_sync()->set_path(req.sync().path()); break;
    case proto::Request::kGetEphemerals:
      for (const auto& [path, n] : ens.nodes) {
        if (n.ephemeral_owner == session_id && path.rfind(req.get_ephemerals().prefix_path(), 0) == 0) {
          r.mutable_get_ephemerals()->add_paths(path);
        }
      }
      break;
    case proto::Request::kMulti:
      for (const proto::MultiOp& op : req.multi().ops()) {
        proto::MultiOpResult* res = r.mutable_multi()->add_results();
        proto::ErrorCode e = proto::OK;
        if (op.has_create()) e = Create(ens, op.create(), session_id, res->mutable_create());
        if (op.has_delete_()) e = Delete(ens, op.delete_());
        if (op.has_set_data()) e = SetData(ens, op.set_data(), res->mutable_set_data());
        if (op.has_get_data()) e = GetData(ens, op.get_data().path(), res->mutable_get_data());
        res->set_error(e);
        if (e != proto::OK && err == proto::OK && !req.multi().read_only()) err = e;
      }
      break;
    case proto::Request::kWhoAmI: {
      proto::Id* id = r.mutable_who_am_i()->add_client_info();
      id->set_scheme("ip");
      id->set_id("127.0.0.1");
      break;
    }
    case proto::Request::kAddWatch: r.mutable_add_watch(); break;
    case proto::Request::kRemoveWatches: r.mutable_remove_watches(); break;
    case proto::Request::kCheckWatches: r.mutable_check_watches(); break;
    case proto::Request::kSetWatches: r.mutable_set_watches(); break;
    case proto::Request::kAuth: r.mutable_auth(); break;
    case proto::Request::kCloseSession:
      ens.sessions.erase(session_id);
      r.mutable_close_session();
      break;
    default: err = proto::UNIMPLEMENTED; break;
  }
  r.set_error(err);
  r.set_zxid(ens.zxid);
  return r;
}

}  // namespace arbor::client::testing
