// The arbor-cli shell: its session, its command table and its output.
// One Shell serves both modes: one-shot (a single Execute) and interactive
// (a line editor feeding ExecuteLine).
//
// Exit codes (one-shot): 0 ok, 1 the server answered an error (or the
// operation failed on the way), 2 usage error, 3 no server could be reached.
//
// Threading: commands run on the caller's thread; watch events print from
// the client's event thread, so all output goes through Out/Err, which
// serialize.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/cli/json_writer.h"
#include "client/cli/words.h"
#include "client/client.h"

namespace arbor::cli {

enum ExitCode : int { kExitOk = 0, kExitServerError = 1, kExitUsage = 2, kExitNoServer = 3 };

class Shell;

struct Command {
  std::string name;
  std::string spec;   // option letters, see ParseArgs
  std::string usage;  // "ls [-R] [-s] [-w] PATH"
  std::string help;   // one line
  size_t min_pos = 0;
  size_t max_pos = 0;
  bool needs_session = true;
  std::function<int(Shell&, const Args&)> run;
};

struct ShellOptions {
  std::string server = "127.0.0.1:7181";
  int32_t timeout_ms = 10000;
  int32_t connect_wait_ms = 10000;
  bool json = false;
  bool interactive = false;
  // TLS to --secure_client_port (client::ClientOptions::tls and files).
  bool tls = false;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  // Reads the next line for block commands (multi without arguments);
  // false at end of input.
  std::function<bool(const std::string& prompt, std::string* line)> read_line;
};

// At most this many entries in the in-memory (and saved) history.
constexpr size_t kMaxHistory = 1000;

// Copies the TLS settings of `s` into client options.
void ApplyTls(const ShellOptions& s, client::ClientOptions* o);

class Shell {
 public:
  explicit Shell(ShellOptions options);
  ~Shell();

  // Opens a session on `server` (closing the current one). Returns false
  // (and says so on stderr) when no server answered within connect_wait_ms;
  // the client then keeps trying in the background.
  bool Connect(const std::string& server);
  void Close();
  // Null when closed.
  client::Client* client() { return client_.get(); }
  const std::string& server() const { return server_; }
  const ShellOptions& options() const { return options_; }
  bool json() const { return options_.json; }
  bool interactive() const { return options_.interactive; }
  void set_read_line(std::function<bool(const std::string&, std::string*)> f) { options_.read_line = std::move(f); }

  // Runs one command (words[0] is its name); returns an ExitCode.
  int Execute(const std::vector<std::string>& words);
  int ExecuteLine(const std::string& line);

  const std::vector<Command>& commands() const { return commands_; }
  const Command* Find(const std::string& name) const;
  std::deque<std::string>& history() { return history_; }
  void AddHistory(const std::string& line);
  // `quit` asks the interactive loop to end.
  void RequestQuit() { quit_ = true; }
  bool quit_requested() const { return quit_; }

  // Output, serialized against watch events.
  void Out(const std::string& text);
  void Err(const std::string& text);
  // Progress of a long operation on stderr ("\r"-rewritten on a terminal).
  void Progress(const std::string& text);
  void EndProgress();
  // Prints the document (json mode) to stdout.
  void OutJson(const JsonWriter& w) { Out(w.str()); }
  // Reports `code` for `what` ("create /a") with its meaning and a hint;
  // returns kExitServerError.
  int Fail(const std::string& what, proto::ErrorCode code);
  // Reports a usage error for `cmd`; returns kExitUsage.
  int UsageError(const Command& cmd, const std::string& why);

  // Watcher printing events as zkCli does ("WATCHER::" + the event).
  client::Watcher PrintingWatcher();

 private:
  ShellOptions options_;
  std::string server_;
  std::unique_ptr<client::Client> client_;
  std::vector<Command> commands_;
  std::deque<std::string> history_;
  std::mutex out_mu_;
  bool progress_shown_ = false;
  bool quit_ = false;
};

// Command groups (one file each).
void AddNodeCommands(std::vector<Command>* out);     // create get set delete ls stat sync
void AddTreeCommands(std::vector<Command>* out);     // deleteall tree getAllChildrenNumber getEphemerals
void AddAclCommands(std::vector<Command>* out);      // getAcl setAcl addauth whoami
void AddWatchCommands(std::vector<Command>* out);    // addWatch removewatches watch
void AddSessionCommands(std::vector<Command>* out);  // connect close status members history help quit
void AddMultiCommand(std::vector<Command>* out);     // multi
void AddBackupCommands(std::vector<Command>* out);   // backup
void AddImportCommand(std::vector<Command>* out);    // import-zk

// Shared by ls -R, tree and deleteall: the subtree under `root` in
// breadth-first order (root first), at most `limit` nodes. Fails with the
// first error (NONODE for the root; children vanishing meanwhile are
// skipped). Reports progress every 1000 nodes.
client::OpResult<std::vector<std::string>> CollectSubtree(Shell& sh, const std::string& root, size_t limit);
std::string JoinPath(const std::string& parent, const std::string& child);

}  // namespace arbor::cli
