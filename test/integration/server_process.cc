#include "test/integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "test/integration/native_test_client.h"

namespace arbor::testing {

// A port that binds now, drawn at random from below Linux's ephemeral range
// (32768-60999): ports the kernel hands to outgoing connections and to
// bind(0) in parallel test processes would otherwise collide with it.
int FreePort() {
  static std::mt19937 rng(static_cast<unsigned>(getpid()) * 2654435761u ^
                          static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  static std::set<int> handed_out;  // never the same port twice in one process
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = 15000 + static_cast<int>(rng() % 17000);
    if (handed_out.count(port) != 0) continue;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    if (ok) {
      handed_out.insert(port);
      return port;
    }
  }
  return 0;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  char* dir = mkdtemp(buf.data());
  return dir ? std::string(dir) : std::string();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  if (!path.empty()) std::filesystem::remove_all(path, ec);
}

ServerProcess::~ServerProcess() { Kill(); }

bool ServerProcess::Start(bool wait_serving, int timeout_ms) {
  if (pid_ > 0) return wait_serving ? WaitServing(timeout_ms) : true;
  log_path_ = spec_.data_dir + ".log";
  std::vector<std::string> args = {
      ARBORD_PATH,
      "--id=" + std::to_string(spec_.id),
      "--data_dir=" + spec_.data_dir,
      "--client_port=" + std::to_string(spec_.client_port),
      "--peer_port=" + std::to_string(spec_.peer_port),
      "--bind=127.0.0.1",
  };
  if (!spec_.peers.empty()) args.push_back("--peers=" + spec_.peers);
  if (spec_.zk_port != 0) args.push_back("--zk_port=" + std::to_string(spec_.zk_port));
  if (spec_.admin_port != 0) args.push_back("--admin_port=" + std::to_string(spec_.admin_port));
  for (const auto& f : spec_.extra_flags) args.push_back(f);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    // The test process holds sockets (proxies, clients, other servers'
    // pipes); a server inheriting them would keep "closed" connections open.
    for (int other = 3; other < 4096; ++other) close(other);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  return wait_serving ? WaitServing(timeout_ms) : WaitUntil(timeout_ms, [this] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(spec_.client_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    return ok;
  });
}

bool ServerProcess::WaitServing(int timeout_ms) {
  return WaitUntil(timeout_ms, [this] {
    NativeTestClient c;
    if (c.Connect(spec_.client_port, 5000).error() != proto::OK) return false;
    (void)c.CloseSession();
    return true;
  });
}

bool ServerProcess::WaitUntil(int timeout_ms, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;  // it exited: see log_path()
    }
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::SendSignal(int signum) {
  if (pid_ > 0) ::kill(pid_, signum);
}

bool ServerProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return true;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return false;
}

LocalCluster::LocalCluster(int n, std::vector<std::string> extra_flags, bool proxied, bool zk,
                           const std::string& peer_host, bool admin) {
  root_ = MakeTempDir("arbor-cluster");
  // Members prove membership to each other, as a deployment should
  // (docs/SECURITY.md): every cluster test runs the peer challenge.
  std::string secret_file = root_ + "/peer-secret";
  if (FILE* f = fopen(secret_file.c_str(), "w")) {
    fprintf(f, "integration-test-secret-%d\n", static_cast<int>(getpid()));
    fclose(f);
  }
  chmod(secret_file.c_str(), 0600);
  extra_flags.push_back("--peer_secret_file=" + secret_file);
  std::vector<ServerSpec> specs;
  for (int i = 0; i < n; ++i) {
    ServerSpec s;
    s.id = static_cast<uint64_t>(i + 1);
    s.client_port = FreePort();
    s.peer_port = FreePort();
    if (zk) s.zk_port = FreePort();
    if (admin) s.admin_port = FreePort();
    s.data_dir = root_ + "/node" + std::to_string(i + 1);
    s.extra_flags = extra_flags;
    specs.push_back(s);
  }
  proxies_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    proxies_[static_cast<size_t>(i)].resize(static_cast<size_t>(n));
    std::string peers;
    for (int j = 0; j < n; ++j) {
      int port = specs[static_cast<size_t>(j)].peer_port;
      if (proxied && i != j) {
        auto proxy = std::make_unique<TcpProxy>(port);
        port = proxy->listen_port();
        proxies_[static_cast<size_t>(i)][static_cast<size_t>(j)] = std::move(proxy);
      }
      peers += (j ? "," : "") + std::to_string(j + 1) + "=" + peer_host + ":" + std::to_string(port);
    }
    if (n > 1) specs[static_cast<size_t>(i)].peers = peers;
  }
  for (auto& s : specs) servers_.push_back(std::make_unique<ServerProcess>(s));
}

void LocalCluster::Isolate(int i, bool cut) {
  for (size_t a = 0; a < proxies_.size(); ++a) {
    for (size_t b = 0; b < proxies_[a].size(); ++b) {
      if ((a == static_cast<size_t>(i) || b == static_cast<size_t>(i)) && proxies_[a][b]) {
        proxies_[a][b]->SetBlocked(cut);
      }
    }
  }
}

LocalCluster::~LocalCluster() {
  servers_.clear();  // kills
  proxies_.clear();
  if (getenv("ARBOR_KEEP_TEST_DATA") == nullptr) RemoveTree(root_);
}

bool LocalCluster::StartAll() {
  // Start all before waiting: a cluster serves only once a quorum is up.
  for (auto& s : servers_) {
    if (!s->Start(/*wait_serving=*/false)) return false;
  }
  for (auto& s : servers_) {
    if (!s->WaitServing()) return false;
  }
  return true;
}

}  // namespace arbor::testing
