#include "server/zk/four_letter_words.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace arbor::zk {
namespace {

constexpr std::array<const char*, 13> kCommands = {"ruok", "srvr", "stat", "conf", "cons", "mntr", "wchs",
                                                   "wchc", "wchp", "dump", "envi", "isro", "dirs"};
// The version clients see: ZooKeeper's protocol level we follow, marked as Arbor.
constexpr const char* kVersion = "3.8.0-arbor";

std::string Hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// ZooKeeper's four-letter op codes (Request.op2String) for cons' lop.
const char* ZkOpCode(const std::string& op) {
  static const std::map<std::string, const char*> kCodes = {
      {"create", "CREA"},        {"delete", "DELE"},       {"exists", "EXIS"},      {"getData", "GETD"},
      {"setData", "SETD"},       {"getACL", "GETA"},       {"setACL", "SETA"},      {"getChildren", "GETC"},
      {"sync", "SYNC"},          {"check", "CHEC"},        {"multi", "MULT"},       {"multiRead", "MLTR"},
      {"getEphemerals", "GETE"}, {"getAllChildrenNumber", "GETACN"}, {"addWatch", "ADDW"},
      {"removeWatches", "REMW"}, {"checkWatches", "CHKW"}, {"setWatches", "SETW"}, {"auth", "AUTH"},
      {"whoAmI", "WHOAMI"},      {"closeSession", "CLOS"}, {"ping", "PING"},      {"serverStatus", "STAT"}};
  auto it = kCodes.find(op);
  return it == kCodes.end() ? "NA" : it->second;
}

// One line per connection, in ZooKeeper's cons format.
void AppendConnections(const ServerFacts& f, std::ostringstream& o) {
  for (const auto& c : f.connections) {
    o << " /" << c.peer << "[1](queued=" << c.outstanding;
    if (c.has_stats) {
      char avg[32];
      std::snprintf(avg, sizeof avg, "%.4f", c.avg_latency_ms);
      o << ",recved=" << c.received << ",sent=" << c.sent << ",sid=" << Hex(c.session_id)
        << ",lop=" << ZkOpCode(c.last_op) << ",est=" << c.established_ms << ",to=" << c.timeout_ms
        << ",lcxid=" << Hex(c.last_xid) << ",lzxid=" << Hex(c.last_zxid) << ",lresp=" << c.last_response_ms
        << ",llat=" << c.last_latency_ms << ",minlat=" << c.min_latency_ms << ",avglat=" << avg
        << ",maxlat=" << c.max_latency_ms;
    } else {
      o << ",sid=" << Hex(c.session_id);
    }
    o << ",proto=" << c.protocol << ")\n";
  }
}

void AppendSrvrBody(const ServerFacts& f, const ZkCounters& n, std::ostringstream& o) {
  char avg[32];
  std::snprintf(avg, sizeof avg, "%.4f", f.avg_latency_ms);
  o << "Latency min/avg/max: " << f.min_latency_ms << "/" << avg << "/" << f.max_latency_ms << "\n"
    << "Received: " << n.received << "\n"
    << "Sent: " << n.sent << "\n"
    << "Connections: " << f.connections.size() << "\n";
  size_t outstanding = 0;
  for (const auto& c : f.connections) outstanding += c.outstanding;
  o << "Outstanding: " << outstanding << "\n"
    << "Zxid: " << Hex(f.zxid) << "\n"
    << "Mode: " << f.mode << "\n"
    << "Node count: " << f.node_count << "\n";
}

uint64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string Mntr(const ServerFacts& f, const ZkCounters& n) {
  std::ostringstream o;
  size_t outstanding = 0;
  for (const auto& c : f.connections) outstanding += c.outstanding;
  char avg[32];
  std::snprintf(avg, sizeof avg, "%.4f", f.avg_latency_ms);
  o << "zk_version\t" << kVersion << "\n"
    << "zk_server_state\t" << f.mode << "\n"
    << "zk_avg_latency\t" << avg << "\n"
    << "zk_max_latency\t" << f.max_latency_ms << "\n"
    << "zk_min_latency\t" << f.min_latency_ms << "\n"
    << "zk_packets_received\t" << n.received << "\n"
    << "zk_packets_sent\t" << n.sent << "\n"
    << "zk_num_alive_connections\t" << f.connections.size() << "\n"
    << "zk_outstanding_requests\t" << outstanding << "\n"
    << "zk_znode_count\t" << f.node_count << "\n"
    << "zk_watch_count\t" << f.watch_paths << "\n"
    << "zk_global_sessions\t" << f.session_count << "\n"
    << "zk_last_zxid\t" << Hex(f.zxid) << "\n"
    << "zk_approximate_data_size\t" << f.approximate_data_size << "\n";
  if (f.mode == "leader") {
    o << "zk_followers\t" << (f.peers - 1) << "\n";
  }
  return o.str();
}

std::string Envi(const ServerFacts& f) {
  std::ostringstream o;
  struct utsname u {};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  o << "Environment:\n"
    << "zookeeper.version=" << kVersion << ", built on Arbor\n"
    << "host.name=" << host << "\n"
    << "os.name=" << u.sysname << "\n"
    << "os.arch=" << u.machine << "\n"
    << "os.version=" << u.release << "\n"
    << "user.dir=" << f.data_dir << "\n";
  return o.str();
}

}  // namespace

bool IsFourLetterWord(std::string_view head) {
  for (const char* c : kCommands) {
    if (head == c) return true;
  }
  return false;
}

bool ParseFourLetterAllowList(std::string_view spec, std::set<std::string>* out, std::string* error) {
  out->clear();
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = spec.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*") {
      for (const char* c : kCommands) out->insert(c);
    } else if (!item.empty()) {
      if (!IsFourLetterWord(item)) {
        *error = "unknown four-letter word '" + std::string(item) + "' (known: ruok srvr stat conf cons mntr wchs wchc wchp dump envi isro dirs, or *)";
        return false;
      }
      out->insert(std::string(item));
    }
    start = comma + 1;
  }
  return true;
}

std::string AnswerFourLetterWord(std::string_view cmd, const std::set<std::string>& allowed,
                                 const ServerFacts& f, const ZkCounters& n) {
  std::string name(cmd);
  if (allowed.count(name) == 0) return name + " is not executed because it is not in the whitelist.\n";
  if (name == "ruok") return "imok";
  if (name == "isro") return "rw";
  if (name == "mntr") return Mntr(f, n);
  if (name == "envi") return Envi(f);
  std::ostringstream o;
  if (name == "conf") {
    o << "clientPort=" << f.zk_port << "\n"
      << "secureClientPort=-1\n"
      << "dataDir=" << f.data_dir << "\n"
      << "dataDirSize=" << DirBytes(f.data_dir) << "\n"
      << "dataLogDir=" << f.data_dir << "\n"
      << "dataLogSize=0\n"
      << "tickTime=" << f.tick_ms << "\n"
      << "maxClientCnxns=" << f.max_connections << "\n"
      << "minSessionTimeout=" << f.min_session_timeout_ms << "\n"
      << "maxSessionTimeout=" << f.max_session_timeout_ms << "\n"
      << "clientPortListenBacklog=-1\n"
      << "serverId=" << f.server_id << "\n";
    return o.str();
  }
  if (name == "dirs") {
    o << "datadir_size: " << DirBytes(f.data_dir) << "\n" << "logdir_size: 0\n";
    return o.str();
  }
  if (name == "wchs") {
    o << f.watch_sessions << " connections watching " << f.watch_paths << " paths\n"
      << "Total watches:" << f.watch_paths << "\n";
    return o.str();
  }
  if (name == "wchc") {
    // ZooKeeper's dumpWatches(byPath = false): a session, then its paths.
    std::map<int64_t, std::vector<std::string>> by_session;
    for (const auto& [path, sid] : f.watches) by_session[sid].push_back(path);
    for (const auto& [sid, paths] : by_session) {
      o << Hex(sid) << "\n";
      for (const auto& p : paths) o << "\t" << p << "\n";
    }
    return o.str();
  }
  if (name == "wchp") {
    std::map<std::string, std::vector<int64_t>> by_path;
    for (const auto& [path, sid] : f.watches) by_path[path].push_back(sid);
    for (const auto& [path, sids] : by_path) {
      o << path << "\n";
      for (int64_t sid : sids) o << "\t" << Hex(sid) << "\n";
    }
    return o.str();
  }
  if (name == "dump") {
    // The learner form of ZooKeeper's dump: global sessions, then ephemerals.
    o << "SessionTracker dump:\nGlobal Sessions(" << f.sessions.size() << "):\n";
    for (const auto& s : f.sessions) o << Hex(s.id) << "\t" << s.timeout_ms << "ms\n";
    size_t with = 0;
    for (const auto& s : f.sessions) with += s.ephemerals.empty() ? 0 : 1;
    o << "ephemeral nodes dump:\nSessions with Ephemerals (" << with << "):\n";
    for (const auto& s : f.sessions) {
      if (s.ephemerals.empty()) continue;
      o << Hex(s.id) << ":\n";
      for (const auto& p : s.ephemerals) o << "\t" << p << "\n";
    }
    return o.str();
  }
  if (name == "cons") {
    AppendConnections(f, o);
    o << "\n";
    return o.str();
  }
  // srvr and stat.
  if (!f.serving) return "This ZooKeeper instance is not currently serving requests\n";
  o << "Zookeeper version: " << kVersion << ", built on Arbor\n";
  if (name == "stat") {
    o << "Clients:\n";
    AppendConnections(f, o);
    o << "\n";
  }
  AppendSrvrBody(f, n, o);
  return o.str();
}

}  // namespace arbor::zk
