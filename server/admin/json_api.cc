#include "server/admin/json_api.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "common/path.h"
#include "server/auth/acl.h"
#include "server/tree/data_tree.h"

namespace arbor::admin {
namespace {

std::string Hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Perms(int32_t p) {
  std::string s;
  if (p & proto::PERM_CREATE) s += 'c';
  if (p & proto::PERM_DELETE) s += 'd';
  if (p & proto::PERM_READ) s += 'r';
  if (p & proto::PERM_WRITE) s += 'w';
  if (p & proto::PERM_ADMIN) s += 'a';
  return s;
}

Json StatJson(const proto::Stat& s) {
  return Json{{"czxid", s.czxid()},
              {"mzxid", s.mzxid()},
              {"pzxid", s.pzxid()},
              {"ctime", s.ctime()},
              {"mtime", s.mtime()},
              {"version", s.version()},
              {"cversion", s.cversion()},
              {"aversion", s.aversion()},
              {"ephemeralOwner", Hex(s.ephemeral_owner())},
              {"dataLength", s.data_length()},
              {"numChildren", s.num_children()}};
}

// Base64 for binary data inside JSON (the console decodes it as text, JSON
// or hex).
std::string Base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

Json StatusJson(const AdminState& s) {
  const core::ServerStatus& st = s.status;
  Json listeners = Json::array();
  for (const auto& l : s.listeners) {
    listeners.push_back({{"name", l.name},
                         {"port", l.port},
                         {"connections", l.connections},
                         {"accepted_total", l.accepted_total},
                         {"rejected_total", l.rejected_total}});
  }
  return Json{{"server_id", st.server_id},
              {"role", st.role},
              {"standalone", st.standalone},
              {"leader", st.leader},
              {"term", st.term},
              {"commit_index", st.commit_index},
              {"applied_index", s.applied_index},
              {"last_log_index", s.last_log_index},
              {"applied_zxid", st.applied_zxid},
              {"serving", st.serving},
              {"shutting_down", s.shutting_down},
              {"peers_connected", st.peers_connected},
              {"voters", st.voters},
              {"sessions", st.sessions},
              {"connections", st.connections.size()},
              {"znodes", st.znodes},
              {"watches", s.watches},
              {"watched_paths", st.watch_paths},
              {"watching_sessions", st.watch_sessions},
              {"approximate_data_bytes", s.approximate_data_bytes},
              {"outstanding_requests", s.outstanding_requests},
              {"outstanding_writes", st.outstanding_writes},
              {"snapshots_installed", s.snapshots_installed},
              {"listeners", listeners},
              {"data_dir", st.data_dir},
              {"tick_ms", st.tick_ms},
              {"published_ms", s.published_wall_ms}};
}

Json MembersJson(const AdminState& s) {
  Json out = Json::array();
  for (const auto& m : s.members) {
    Json j{{"id", m.id},           {"peer_address", m.peer_address}, {"role", m.role},
           {"self", m.self},       {"connected", m.connected}};
    if (!m.progress.empty()) {
      j["match_index"] = m.match_index;
      j["lag_entries"] = m.lag_entries;
      j["progress"] = m.progress;
      j["recent_active"] = m.recent_active;
    }
    out.push_back(std::move(j));
  }
  return Json{{"viewed_from", s.status.server_id},
              {"leader", s.status.leader},
              {"term", s.status.term},
              {"members", out}};
}

Json HistoryJson(const AdminState& s) {
  Json points = Json::array();
  for (const auto& p : s.history) {
    points.push_back({p.wall_ms, p.requests, p.errors, p.latency_sum_us, p.writes, p.sessions, p.connections});
  }
  return Json{{"columns", {"wall_ms", "requests", "errors", "latency_sum_us", "applied_index", "sessions",
                           "connections"}},
              {"points", points}};
}

Json ZnodeJson(const core::Replica& r, const std::string& path, const Viewer& viewer, const Page& page) {
  Status valid = ValidatePath(path);
  if (!valid.ok()) return Json{{"error", valid.ToString()}, {"status", 400}};
  const tree::DataTree& t = r.state().tree();
  tree::NodeId id = t.Lookup(path);
  if (id == tree::kNoNode) return Json{{"error", "no node " + path}, {"status", 404}};
  proto::GetDataResponse data;
  t.GetData(path, &data);
  Json out{{"path", path}, {"stat", StatJson(data.stat())}};
  // The admin port reads as ZooKeeper would for a client of this address
  // with no other identity; admin credentials read as super.
  google::protobuf::RepeatedPtrField<proto::Id> ids;
  proto::Id* ip = ids.Add();
  ip->set_scheme("ip");
  ip->set_id(viewer.ip);
  bool readable = viewer.admin || t.Permits(id, proto::PERM_READ, ids);
  out["data_readable"] = readable;
  out["null_data"] = data.null_data();
  if (readable) out["data_base64"] = Base64(data.data());
  proto::GetAclResponse acl;
  t.GetAcl(path, &acl);
  if (!viewer.admin && !t.Permits(id, proto::PERM_ADMIN, ids)) auth::MaskDigests(acl.mutable_acl());
  Json acls = Json::array();
  for (const auto& a : acl.acl()) {
    acls.push_back({{"perms", Perms(a.perms())}, {"scheme", a.id().scheme()}, {"id", a.id().id()}});
  }
  out["acl"] = acls;
  proto::GetChildrenResponse children;
  t.GetChildren(path, false, &children);
  Json kids = Json::array();
  size_t end = std::min<size_t>(children.children_size(), page.offset + page.limit);
  for (size_t i = page.offset; i < end; ++i) {
    const std::string& name = children.children(static_cast<int>(i));
    proto::Stat st;
    tree::NodeId child = t.Lookup(JoinPath(path, name));
    if (child != tree::kNoNode) t.FillStat(child, &st);
    kids.push_back({{"name", name},
                    {"num_children", st.num_children()},
                    {"data_length", st.data_length()},
                    {"ephemeral", st.ephemeral_owner() > 0}});
  }
  out["children"] = kids;
  out["children_total"] = children.children_size();
  out["children_offset"] = page.offset;
  return out;
}

Json SessionsJson(const core::Replica& r, const Page& page) {
  const auto& all = r.state().sessions().all();
  // Which of them have a client connected to this server, and from where.
  std::map<int64_t, std::string> local;
  for (const auto& [conn, c] : r.sessions().connections()) {
    if (c->session_id() != 0) local[c->session_id()] = c->peer();
  }
  Json list = Json::array();
  size_t i = 0;
  for (const auto& [id, info] : all) {
    if (i++ < page.offset) continue;
    if (list.size() >= page.limit) break;
    proto::GetEphemeralsResponse eph;
    r.state().tree().GetEphemerals(id, "/", &eph);
    Json j{{"id", Hex(id)},
           {"timeout_ms", info.timeout_ms},
           {"ephemerals", std::vector<std::string>(eph.paths().begin(), eph.paths().end())}};
    auto it = local.find(id);
    if (it != local.end()) j["client"] = it->second;
    list.push_back(std::move(j));
  }
  return Json{{"total", all.size()}, {"offset", page.offset}, {"sessions", list}};
}

Json WatchesJson(const core::Replica& r, const Page& page) {
  std::map<std::string, std::vector<std::string>> by_path;
  size_t total = 0;
  r.watches().ForEach([&](const std::string& path, int64_t session, uint8_t kinds) {
    ++total;
    std::string kind;
    if (kinds & tree::WatchManager::kData) kind += "data,";
    if (kinds & tree::WatchManager::kChild) kind += "child,";
    if (kinds & tree::WatchManager::kPersistent) kind += "persistent,";
    if (kinds & tree::WatchManager::kRecursive) kind += "recursive,";
    if (!kind.empty()) kind.pop_back();
    by_path[path].push_back(Hex(session) + " " + kind);
  });
  Json list = Json::array();
  size_t i = 0;
  for (auto& [path, sessions] : by_path) {
    if (i++ < page.offset) continue;
    if (list.size() >= page.limit) break;
    list.push_back({{"path", path}, {"watchers", sessions}});
  }
  return Json{{"total_watches", total}, {"paths", by_path.size()}, {"offset", page.offset}, {"watches", list}};
}

Json ConnectionsJson(const core::Replica& r) {
  Json list = Json::array();
  for (const auto& [conn, c] : r.sessions().connections()) {
    Json j{{"connection", conn},
           {"peer", c->peer()},
           {"protocol", c->protocol()},
           {"session", Hex(c->session_id())},
           {"outstanding", c->outstanding()}};
    if (const session::ConnectionStats* s = c->stats()) {
      j["received"] = s->received;
      j["sent"] = s->sent;
      j["last_op"] = s->last_op;
      j["established_ms"] = s->established_ms;
      j["last_latency_us"] = s->last_latency_us;
      j["max_latency_us"] = s->max_latency_us;
      j["avg_latency_us"] = s->latency_count == 0 ? 0 : s->latency_sum_us / s->latency_count;
    }
    list.push_back(std::move(j));
  }
  return Json{{"connections", list}};
}

}  // namespace arbor::admin
