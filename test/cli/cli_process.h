// Runs arbor-cli as a child process for tests: once with pipes (one-shot
// mode: exit code, stdout, stderr), or on a pseudo-terminal (the
// interactive shell, `watch`), where the test types and reads the screen
// output as a stream.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace arbor::testing {

struct CliResult {
  int exit_code = -1;  // -1: killed or timed out
  std::string out;
  std::string err;
};

// Runs arbor-cli with `args` (after the program name), feeding `input` on
// stdin, killing it after timeout_ms.
CliResult RunCli(const std::vector<std::string>& args, const std::string& input = "", int timeout_ms = 20000);

// arbor-cli on a pty (TERM=xterm, HOME=home). Everything it prints
// (stdout and stderr together) is read into a buffer; Expect consumes it.
class PtyCli {
 public:
  PtyCli(const std::vector<std::string>& args, const std::string& home);
  ~PtyCli();  // SIGKILL if still running

  void Type(const std::string& keys);
  // Waits until `text` appears in the output after the previous match;
  // false on timeout (the output so far is then in transcript()).
  bool Expect(const std::string& text, int timeout_ms = 5000);
  // Waits for the process to exit; its exit code, or -1.
  int Wait(int timeout_ms = 5000);
  const std::string& transcript() const { return buf_; }

 private:
  void ReadSome(int wait_ms);

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;  // output before this was consumed by Expect
};

}  // namespace arbor::testing
