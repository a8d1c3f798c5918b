#include "client/cli/format.h"

#include <cinttypes>
#include <cstdio>

namespace arbor::cli {

std::string StatText(const proto::Stat& s) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "cZxid = 0x%" PRIx64 "\nctime = %" PRId64 "\nmZxid = 0x%" PRIx64 "\nmtime = %" PRId64
                "\npZxid = 0x%" PRIx64 "\ncversion = %d\ndataVersion = %d\naclVersion = %d\n"
                "ephemeralOwner = 0x%" PRIx64 "\ndataLength = %d\nnumChildren = %d\n",
                static_cast<uint64_t>(s.czxid()), static_cast<int64_t>(s.ctime()),
                static_cast<uint64_t>(s.mzxid()), static_cast<int64_t>(s.mtime()),
                static_cast<uint64_t>(s.pzxid()), s.cversion(), s.version(), s.aversion(),
                static_cast<uint64_t>(s.ephemeral_owner()), s.data_length(), s.num_children());
  return buf;
}

void StatJson(JsonWriter* w, const proto::Stat& s) {
  w->Key("stat").BeginObject();
  w->Key("czxid").Int(s.czxid()).Key("mzxid").Int(s.mzxid()).Key("pzxid").Int(s.pzxid());
  w->Key("ctime").Int(s.ctime()).Key("mtime").Int(s.mtime());
  w->Key("version").Int(s.version()).Key("cversion").Int(s.cversion()).Key("aversion").Int(s.aversion());
  w->Key("ephemeralOwner").Int(s.ephemeral_owner()).Key("dataLength").Int(s.data_length());
  w->Key("numChildren").Int(s.num_children());
  w->EndObject();
}

namespace {
constexpr struct {
  char letter;
  int32_t bit;
} kPerms[] = {{'c', proto::PERM_CREATE}, {'d', proto::PERM_DELETE}, {'r', proto::PERM_READ},
              {'w', proto::PERM_WRITE}, {'a', proto::PERM_ADMIN}};
}  // namespace

std::string PermString(int32_t perms) {
  std::string s;
  for (const auto& p : kPerms) {
    if (perms & p.bit) s += p.letter;
  }
  return s;
}

std::string AclText(const std::vector<proto::Acl>& acl) {
  std::string s;
  for (const proto::Acl& a : acl) s += "'" + a.id().scheme() + ",'" + a.id().id() + "\n: " + PermString(a.perms()) + "\n";
  return s;
}

Result<std::vector<proto::Acl>> ParseAcl(const std::string& spec) {
  std::vector<proto::Acl> acl;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string entry = spec.substr(start, end - start);
    size_t first = entry.find(':');
    size_t last = entry.rfind(':');
    if (first == std::string::npos || first == last) {
      return Status::InvalidArgument("ACL entry '" + entry + "' is not scheme:id:perms (e.g. world:anyone:cdrwa)");
    }
    proto::Acl a;
    a.mutable_id()->set_scheme(entry.substr(0, first));
    a.mutable_id()->set_id(entry.substr(first + 1, last - first - 1));
    int32_t perms = 0;
    for (char c : entry.substr(last + 1)) {
      bool known = false;
      for (const auto& p : kPerms) {
        if (p.letter == c) perms |= p.bit, known = true;
      }
      if (!known) return Status::InvalidArgument(std::string("unknown permission '") + c + "' (use letters of cdrwa)");
    }
    a.set_perms(perms);
    acl.push_back(a);
    start = end + 1;
    if (acl.size() > 1024) return Status::InvalidArgument("too many ACL entries (at most 1024)");
  }
  return acl;
}

std::string EventTypeName(proto::EventType t) {
  switch (t) {
    case proto::EVENT_NONE: return "None";
    case proto::NODE_CREATED: return "NodeCreated";
    case proto::NODE_DELETED: return "NodeDeleted";
    case proto::NODE_DATA_CHANGED: return "NodeDataChanged";
    case proto::NODE_CHILDREN_CHANGED: return "NodeChildrenChanged";
    case proto::DATA_WATCH_REMOVED: return "DataWatchRemoved";
    case proto::CHILD_WATCH_REMOVED: return "ChildWatchRemoved";
    case proto::PERSISTENT_WATCH_REMOVED: return "PersistentWatchRemoved";
    default: return "Unknown";
  }
}

std::string EventText(const proto::WatchEvent& e) {
  char zxid[32];
  std::snprintf(zxid, sizeof(zxid), "0x%" PRIx64, static_cast<uint64_t>(e.zxid()));
  return "WatchedEvent state:" + std::string(e.state() == proto::SYNC_CONNECTED ? "SyncConnected" : proto::KeeperState_Name(e.state())) +
         " type:" + EventTypeName(e.type()) + " path:" + e.path() + " zxid:" + zxid;
}

std::string Hint(proto::ErrorCode code) {
  switch (code) {
    case proto::NONODE: return "check the path with `ls`; for create, create the parent first";
    case proto::NODEEXISTS: return "use `set` to change its data, or `create -s` for a sequential name";
    case proto::NOTEMPTY: return "use `deleteall PATH` to delete the node with its subtree";
    case proto::BADVERSION: return "run `stat PATH` for the current version, or leave out -v";
    case proto::NOAUTH: return "run `getAcl PATH` to see who may, then `addauth SCHEME AUTH`";
    case proto::AUTHFAILED: return "check the scheme and credentials given to `addauth`";
    case proto::INVALIDACL: return "ACL format is scheme:id:perms, e.g. world:anyone:cdrwa";
    case proto::CONNECTIONLOSS:
    case proto::OPERATIONTIMEOUT:
      return "check the servers with `status`, or `connect HOST:PORT` to another one";
    case proto::SESSIONEXPIRED: return "`connect` opens a new session (ephemeral nodes and watches must be recreated)";
    case proto::BADARGUMENTS: return "paths are absolute without a trailing '/'; see `help COMMAND` for the options";
    case proto::NOCHILDRENFOREPHEMERALS: return "create the parent without -e";
    case proto::UNIMPLEMENTED: return "this server does not support the command yet";
    case proto::NOWATCHER: return "the shell holds no such watch on this path";
    default: return "";
  }
}

}  // namespace arbor::cli
