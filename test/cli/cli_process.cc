#include "test/cli/cli_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace arbor::testing {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsLeft(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

[[noreturn]] void Exec(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string prog = ARBOR_CLI_PATH;
  argv.push_back(prog.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(prog.c_str(), argv.data());
  _exit(127);
}

int Reap(pid_t pid, int timeout_ms) {
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (MsLeft(deadline) <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(5000);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

CliResult RunCli(const std::vector<std::string>& args, const std::string& input, int timeout_ms) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    Exec(args);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());  // small inputs fit the pipe
  close(in[1]);
  CliResult r;
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0 && MsLeft(deadline) > 0) {
    if (poll(fds, 2, static_cast<int>(MsLeft(deadline))) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  r.exit_code = Reap(pid, std::max<int64_t>(MsLeft(deadline), 1));
  return r;
}

PtyCli::PtyCli(const std::vector<std::string>& args, const std::string& home) {
  struct winsize ws = {};
  ws.ws_row = 40;
  ws.ws_col = 200;
  pid_ = forkpty(&fd_, nullptr, nullptr, &ws);
  if (pid_ == 0) {
    setenv("TERM", "xterm", 1);
    setenv("HOME", home.c_str(), 1);
    Exec(args);
  }
}

PtyCli::~PtyCli() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) close(fd_);
}

void PtyCli::Type(const std::string& keys) { (void)!write(fd_, keys.data(), keys.size()); }

void PtyCli::ReadSome(int wait_ms) {
  struct pollfd p = {fd_, POLLIN, 0};
  if (poll(&p, 1, wait_ms) <= 0) return;
  char buf[4096];
  ssize_t n = read(fd_, buf, sizeof(buf));
  if (n > 0) buf_.append(buf, static_cast<size_t>(n));
}

bool PtyCli::Expect(const std::string& text, int timeout_ms) {
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t at = buf_.find(text, pos_);
    if (at != std::string::npos) {
      pos_ = at + text.size();
      return true;
    }
    if (MsLeft(deadline) <= 0) return false;
    ReadSome(static_cast<int>(std::min<int64_t>(MsLeft(deadline), 50)));
  }
}

int PtyCli::Wait(int timeout_ms) {
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (MsLeft(deadline) > 0) {
    ReadSome(10);  // keep draining, or a full pty blocks the child
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
  }
  return -1;
}

}  // namespace arbor::testing
