// arbor-cli: Arbor's command-line client.
//
//   arbor-cli -server HOST:PORT[,HOST:PORT...] [--json] CMD ARGS...   one command (scripts)
//   arbor-cli -server HOST:PORT                                        interactive shell
//   echo "ls /" | arbor-cli -server HOST:PORT                          commands from stdin
//
// Exit codes (one-shot and stdin modes): 0 success, 1 the server answered an
// error (the message says what it means and what to do), 2 usage error,
// 3 no server could be reached. `help` lists the commands.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "client/cli/interactive.h"
#include "client/cli/shell.h"
#include "client/connect_string.h"

DEFINE_string(server, "127.0.0.1:7181", "connect string: host:port[,host:port...][/chroot]");
DEFINE_int32(timeout_ms, 10000, "session timeout requested from the server");
DEFINE_int32(connect_wait_ms, 10000, "how long to wait for a connection before giving up");
DEFINE_bool(json, false, "print results (and errors) as one JSON document per command on stdout");
DEFINE_bool(tls, false, "connect over TLS (the servers' --secure_client_port)");
DEFINE_string(tls_ca_file, "", "PEM CA certificates that sign the servers' certificates (default: the system's)");
DEFINE_string(tls_cert_file, "", "PEM client certificate: its subject DN is the session's x509 identity");
DEFINE_string(tls_key_file, "", "PEM private key of -tls_cert_file");
DEFINE_string(history_file, "", "interactive history file (default $HOME/.arbor_cli_history; at most 1000 lines)");

namespace {

// Index of the command word: flags come before it ("-server HOST" takes the
// next word unless the flag is boolean); everything after it belongs to the
// command, so its "-e"/"-s" options never reach gflags.
int CommandIndex(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.empty() || a[0] != '-') return i;
    if (a.find('=') != std::string::npos) continue;
    std::string name = a.substr(a.find_first_not_of('-'));
    gflags::CommandLineFlagInfo info;
    bool known = gflags::GetCommandLineFlagInfo(name.c_str(), &info);
    if (!known && name.compare(0, 2, "no") == 0) continue;  // -nojson
    if (known && info.type == "bool") continue;
    ++i;  // "-flag value"
  }
  return argc;
}

std::string HistoryFile() {
  if (!FLAGS_history_file.empty()) return FLAGS_history_file;
  const char* home = std::getenv("HOME");
  return home == nullptr ? "" : std::string(home) + "/.arbor_cli_history";
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("arbor-cli -server HOST:PORT [--json] [CMD ARGS] (no CMD: interactive shell)");
  int cmd = CommandIndex(argc, argv);
  int flag_argc = cmd;
  // The client library logs its state changes; the shell reports them
  // itself, so only errors are logged unless asked (--minloglevel=0).
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;
  gflags::ParseCommandLineFlags(&flag_argc, &argv, false);
  google::InitGoogleLogging(argv[0]);
  signal(SIGPIPE, SIG_IGN);  // a server closing on us is an error code, not a silent death

  arbor::cli::ShellOptions o;
  o.server = FLAGS_server;
  o.timeout_ms = FLAGS_timeout_ms;
  o.connect_wait_ms = FLAGS_connect_wait_ms;
  o.json = FLAGS_json;
  o.tls = FLAGS_tls;
  o.tls_ca_file = FLAGS_tls_ca_file;
  o.tls_cert_file = FLAGS_tls_cert_file;
  o.tls_key_file = FLAGS_tls_key_file;
  o.interactive = cmd >= argc && isatty(STDIN_FILENO);
  arbor::cli::Shell sh(o);
  auto parsed = arbor::client::ParseConnectString(FLAGS_server);
  if (!parsed.ok()) {
    std::cerr << "arbor-cli: bad -server '" << FLAGS_server << "': " << parsed.status().message()
              << "\n  hint: use HOST:PORT[,HOST:PORT...][/chroot]\n";
    return arbor::cli::kExitUsage;
  }

  if (cmd < argc) {
    std::vector<std::string> words(argv + cmd, argv + argc);
    const arbor::cli::Command* c = sh.Find(words[0]);
    // help, status, connect: no session needed first.
    if (c != nullptr && c->needs_session && !sh.Connect(FLAGS_server)) return arbor::cli::kExitNoServer;
    return sh.Execute(words);
  }
  if (!o.interactive) {
    if (!sh.Connect(FLAGS_server)) return arbor::cli::kExitNoServer;
    return arbor::cli::RunScript(&sh);
  }
  (void)sh.Connect(FLAGS_server);  // on failure the client keeps trying; the prompt shows the state
  return arbor::cli::RunInteractive(&sh, HistoryFile());
}
