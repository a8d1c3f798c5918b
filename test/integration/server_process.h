// Runs arbord as a real child process on 127.0.0.1 for integration tests.
// Ports are picked free by the test; every process started is stopped by
// the destructor (SIGKILL if still running). Only the recorded pid is ever
// signalled.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test/integration/tcp_proxy.h"

namespace arbor::testing {

int FreePort();
// A fresh directory under $TMPDIR (or /tmp), removed by the caller's RemoveTree.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);

struct ServerSpec {
  uint64_t id = 1;
  int client_port = 0;
  int peer_port = 0;
  int zk_port = 0;  // non-zero: passed as --zk_port (ZooKeeper protocol)
  int admin_port = 0;  // non-zero: passed as --admin_port (HTTP admin)
  std::string data_dir;
  std::string peers;  // id=host:port,...; empty for a single node
  std::vector<std::string> extra_flags;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerSpec spec) : spec_(std::move(spec)) {}
  ~ServerProcess();

  // Starts arbord; true once its client port completes a handshake (or,
  // when wait_serving is false, once the port accepts connections).
  bool Start(bool wait_serving = true, int timeout_ms = 15000);
  // Waits until the running server completes a handshake (it serves only
  // once it knows a leader).
  bool WaitServing(int timeout_ms = 15000);
  void Kill();                 // SIGKILL + reap
  bool Terminate(int timeout_ms = 10000);  // SIGTERM + reap; false if it had to be killed
  void SendSignal(int signum);             // to the recorded pid only; no reaping
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const ServerSpec& spec() const { return spec_; }
  const std::string& log_path() const { return log_path_; }

 private:
  // Polls `ready` until it holds, the process exits or the time is up.
  bool WaitUntil(int timeout_ms, const std::function<bool()>& ready);

  ServerSpec spec_;
  pid_t pid_ = -1;
  std::string log_path_;
};

// A cluster of n servers on 127.0.0.1 with free ports and temp data dirs.
// With proxied = true every server reaches every other through its own
// TcpProxy (one per ordered pair), so a test can cut a server off.
class LocalCluster {
 public:
  // With zk = true every server also serves the ZooKeeper protocol on a free
  // port (zk_port(i)).
  // `peer_host` is how servers name each other in --peers (a hostname works).
  // With admin = true every server serves its admin HTTP port (admin_port(i)).
  LocalCluster(int n, std::vector<std::string> extra_flags = {}, bool proxied = false, bool zk = false,
               const std::string& peer_host = "127.0.0.1", bool admin = false);
  // Drops (or restores) all peer traffic to and from server i.
  void Isolate(int i, bool cut);
  ~LocalCluster();
  bool StartAll();
  ServerProcess& server(int i) { return *servers_[static_cast<size_t>(i)]; }
  int size() const { return static_cast<int>(servers_.size()); }
  int client_port(int i) const { return servers_[static_cast<size_t>(i)]->spec().client_port; }
  int zk_port(int i) const { return servers_[static_cast<size_t>(i)]->spec().zk_port; }
  int admin_port(int i) const { return servers_[static_cast<size_t>(i)]->spec().admin_port; }

 private:
  std::string root_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  // proxies_[from][to]: the path from server `from` to server `to`.
  std::vector<std::vector<std::unique_ptr<TcpProxy>>> proxies_;
};

}  // namespace arbor::testing
