#include "test/compat/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace arbor::compat {

ChildResult RunChild(const std::vector<std::string>& argv, int timeout_ms,
                     const std::function<std::string(const std::string&)>& on_line,
                     const std::vector<std::string>& extra_env) {
  ChildResult result;
  int out[2], in[2];
  if (pipe(out) != 0) return result;
  if (pipe(in) != 0) {
    close(out[0]);
    close(out[1]);
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(in[1]);
    close(out[0]);
    for (const auto& kv : extra_env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string line;
  bool timed_out = false;
  bool reaped = false;
  int status = 0;
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, left < 100 ? left : 100) <= 0) {
      // Nothing to read. A child that exited but left a daemon holding the
      // pipe (zkctl.sh starting Java) is done: do not wait for EOF.
      if (waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        // Keep what it wrote between the poll and its exit.
        fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
        char rest[4096];
        ssize_t m;
        while ((m = read(out[0], rest, sizeof rest)) > 0) result.output.append(rest, static_cast<size_t>(m));
        break;
      }
      continue;
    }
    char buf[4096];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // the child closed its output: it is ending
    for (ssize_t i = 0; i < n; ++i) {
      result.output.push_back(buf[i]);
      if (buf[i] != '\n') {
        line.push_back(buf[i]);
        continue;
      }
      std::string reply = on_line ? on_line(line) : std::string();
      if (!reply.empty() && write(in[1], reply.data(), reply.size()) < 0) {
        result.output += "[driver: write to child failed]\n";
      }
      line.clear();
    }
  }
  if (timed_out) {
    kill(pid, SIGKILL);
    result.output += "[driver: killed after " + std::to_string(timeout_ms) + " ms]\n";
  }
  close(in[1]);
  close(out[0]);
  if (!reaped) waitpid(pid, &status, 0);
  if (!timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace arbor::compat
