// arbor-cli: Arbor's command-line client.
//
// One-shot mode (for scripts and tests):
//   arbor-cli -server HOST:PORT[,HOST:PORT...] CMD ARGS...
// Commands: create [-e] [-s] [-c] PATH [DATA] | get [-s] PATH | set PATH DATA [-v VERSION]
//           | delete PATH [-v VERSION] | ls [-s] PATH | stat PATH | sync PATH
// Exit code 0 on success, 1 when the server answers an error (the message
// says what it means and what to do), 2 for a usage error, 3 when no server
// could be reached. The interactive shell is a later issue.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "client/client.h"

DEFINE_string(server, "127.0.0.1:7181", "connect string: host:port[,host:port...][/chroot]");
DEFINE_int32(timeout_ms, 10000, "session timeout requested from the server");
DEFINE_int32(connect_wait_ms, 10000, "how long to wait for a connection before giving up");

namespace {

using arbor::client::Client;
using arbor::client::ErrorCodeMessage;
namespace proto = arbor::proto;

void PrintStat(const proto::Stat& s) {
  std::printf("cZxid = 0x%llx\nctime = %lld\nmZxid = 0x%llx\nmtime = %lld\npZxid = 0x%llx\n"
              "cversion = %d\ndataVersion = %d\naclVersion = %d\nephemeralOwner = 0x%llx\n"
              "dataLength = %d\nnumChildren = %d\n",
              static_cast<unsigned long long>(s.czxid()), static_cast<long long>(s.ctime()),
              static_cast<unsigned long long>(s.mzxid()), static_cast<long long>(s.mtime()),
              static_cast<unsigned long long>(s.pzxid()), s.cversion(), s.version(), s.aversion(),
              static_cast<unsigned long long>(s.ephemeral_owner()), s.data_length(), s.num_children());
}

int Usage(const std::string& why) {
  std::cerr << "arbor-cli: " << why << "\n"
            << "usage: arbor-cli -server HOST:PORT CMD ARGS\n"
            << "  create [-e] [-s] [-c] PATH [DATA]   get [-s] PATH   set PATH DATA [-v VERSION]\n"
            << "  delete PATH [-v VERSION]   ls [-s] PATH   stat PATH   sync PATH\n";
  return 2;
}

template <typename T>
int Fail(const arbor::client::OpResult<T>& r, const std::string& what) {
  std::cerr << "arbor-cli: " << what << ": " << ErrorCodeMessage(r.code()) << "\n";
  return 1;
}

// Splits "-x" options from positional arguments; "-v N" takes a value.
struct Args {
  std::vector<std::string> pos;
  bool e = false, s = false, c = false;
  int32_t version = -1;
  bool bad = false;
};

Args Parse(const std::vector<std::string>& in) {
  Args a;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& x = in[i];
    if (x == "-e") a.e = true;
    else if (x == "-s") a.s = true;
    else if (x == "-c") a.c = true;
    else if (x == "-v" && i + 1 < in.size()) a.version = std::stoi(in[++i]);
    else if (x.size() > 1 && x[0] == '-' && x[1] != '-') a.bad = true;
    else a.pos.push_back(x);
  }
  return a;
}

proto::CreateMode ModeOf(const Args& a) {
  if (a.c) return proto::CONTAINER;
  if (a.e) return a.s ? proto::EPHEMERAL_SEQUENTIAL : proto::EPHEMERAL;
  return a.s ? proto::PERSISTENT_SEQUENTIAL : proto::PERSISTENT;
}

int Run(Client* c, const std::string& cmd, const Args& a) {
  if (a.bad) return Usage("unknown option for " + cmd);
  if (a.pos.empty()) return Usage(cmd + " needs a path");
  const std::string& path = a.pos[0];
  if (cmd == "create") {
    auto r = c->Create(path, a.pos.size() > 1 ? a.pos[1] : "", ModeOf(a));
    if (!r.ok()) return Fail(r, "create " + path);
    std::cout << "Created " << r->path() << "\n";
  } else if (cmd == "get") {
    auto r = c->GetData(path);
    if (!r.ok()) return Fail(r, "get " + path);
    std::cout << r->data() << "\n";
    if (a.s) PrintStat(r->stat());
  } else if (cmd == "set") {
    if (a.pos.size() < 2) return Usage("set needs PATH DATA");
    auto r = c->SetData(path, a.pos[1], a.version);
    if (!r.ok()) return Fail(r, "set " + path);
  } else if (cmd == "delete") {
    auto r = c->Delete(path, a.version);
    if (!r.ok()) return Fail(r, "delete " + path);
  } else if (cmd == "ls") {
    auto r = c->GetChildren(path, nullptr, a.s);
    if (!r.ok()) return Fail(r, "ls " + path);
    std::cout << "[";
    for (int i = 0; i < r->children_size(); ++i) std::cout << (i ? ", " : "") << r->children(i);
    std::cout << "]\n";
    if (a.s) PrintStat(r->stat());
  } else if (cmd == "stat") {
    auto r = c->Exists(path);
    if (!r.ok()) return Fail(r, "stat " + path);
    PrintStat(r.value());
  } else if (cmd == "sync") {
    auto r = c->Sync(path);
    if (!r.ok()) return Fail(r, "sync " + path);
    std::cout << "Sync is OK\n";
  } else {
    return Usage("unknown command '" + cmd + "'");
  }
  return 0;
}

}  // namespace

// Index of the command word: flags come before it ("-server HOST" takes the
// next word); everything after it belongs to the command, so its "-e"/"-s"
// options never reach gflags.
int CommandIndex(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.empty() || a[0] != '-') return i;
    if (a.find('=') == std::string::npos) ++i;  // "-flag value"
  }
  return argc;
}

int main(int argc, char** argv) {
  gflags::SetUsageMessage("arbor-cli -server HOST:PORT CMD ARGS (see --help)");
  int cmd = CommandIndex(argc, argv);
  int flag_argc = cmd;
  // The client library logs its state changes; a one-shot command shows only
  // errors unless asked (--minloglevel=0).
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;
  gflags::ParseCommandLineFlags(&flag_argc, &argv, false);
  google::InitGoogleLogging(argv[0]);
  signal(SIGPIPE, SIG_IGN);  // a server closing on us is an error code, not a silent death
  if (cmd >= argc) return Usage("no command given (the interactive shell is not built yet)");
  std::vector<std::string> rest(argv + cmd + 1, argv + argc);
  std::string command = argv[cmd];
  arbor::client::ClientOptions o;
  o.connect_string = FLAGS_server;
  o.session_timeout_ms = FLAGS_timeout_ms;
  auto c = Client::Start(o);
  if (!c.ok()) {
    std::cerr << "arbor-cli: " << c.status().message() << "\n";
    return 2;
  }
  if (!(*c)->WaitConnected(FLAGS_connect_wait_ms)) {
    std::cerr << "arbor-cli: could not connect to " << FLAGS_server << " within " << FLAGS_connect_wait_ms
              << " ms: is arbord running there (see deploy/quickstart.sh)?\n";
    return 3;
  }
  int rc = Run(c->get(), command, Parse(rest));
  (void)(*c)->Close();
  return rc;
}
