#include "client/cli/shell.h"

#include <unistd.h>

#include <iostream>

#include "client/cli/format.h"

namespace arbor::cli {

Shell::Shell(ShellOptions options) : options_(std::move(options)), server_(options_.server) {
  AddNodeCommands(&commands_);
  AddTreeCommands(&commands_);
  AddAclCommands(&commands_);
  AddWatchCommands(&commands_);
  AddSessionCommands(&commands_);
  AddMultiCommand(&commands_);
  AddBackupCommands(&commands_);
  AddImportCommand(&commands_);
}

Shell::~Shell() { Close(); }

void ApplyTls(const ShellOptions& s, client::ClientOptions* o) {
  o->tls = s.tls;
  o->tls_ca_file = s.tls_ca_file;
  o->tls_cert_file = s.tls_cert_file;
  o->tls_key_file = s.tls_key_file;
}

bool Shell::Connect(const std::string& server) {
  Close();
  server_ = server;
  client::ClientOptions o;
  o.connect_string = server;
  o.session_timeout_ms = options_.timeout_ms;
  ApplyTls(options_, &o);
  if (options_.interactive) {
    o.session_listener = [this](client::SessionState from, client::SessionState to) {
      if (from == client::SessionState::kConnecting && to == client::SessionState::kConnected) return;
      Err(std::string("[session ") + client::SessionStateName(from) + " -> " + client::SessionStateName(to) + "]\n");
    };
  }
  auto started = client::Client::Start(o);
  if (!started.ok()) {
    Err("arbor-cli: bad server address '" + server + "': " + started.status().message() +
        "\n  hint: use HOST:PORT[,HOST:PORT...][/chroot]\n");
    return false;
  }
  client_ = std::move(started).value();
  if (!client_->WaitConnected(options_.connect_wait_ms)) {
    Err("arbor-cli: could not connect to " + server + " within " + std::to_string(options_.connect_wait_ms) +
        " ms: is arbord running there (see deploy/quickstart.sh)?\n");
    return false;
  }
  return true;
}

void Shell::Close() {
  if (client_ == nullptr) return;
  (void)client_->Close();
  client_.reset();
}

const Command* Shell::Find(const std::string& name) const {
  for (const Command& c : commands_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void Shell::AddHistory(const std::string& line) {
  if (line.empty()) return;
  history_.push_back(line);
  while (history_.size() > kMaxHistory) history_.pop_front();
}

int Shell::Execute(const std::vector<std::string>& words) {
  if (words.empty()) return kExitOk;
  const Command* cmd = Find(words[0]);
  if (cmd == nullptr) {
    Err("arbor-cli: unknown command '" + words[0] + "'\n  hint: `help` lists the commands\n");
    return kExitUsage;
  }
  auto args = ParseArgs(std::vector<std::string>(words.begin() + 1, words.end()), cmd->spec);
  if (!args.ok()) return UsageError(*cmd, args.status().message());
  if (args->pos.size() < cmd->min_pos) return UsageError(*cmd, "missing arguments");
  if (args->pos.size() > cmd->max_pos) return UsageError(*cmd, "too many arguments");
  if (cmd->needs_session && client_ == nullptr) {
    Err("arbor-cli: " + cmd->name + ": not connected\n  hint: `connect HOST:PORT` opens a session\n");
    return kExitNoServer;
  }
  return cmd->run(*this, *args);
}

int Shell::ExecuteLine(const std::string& line) {
  auto words = Tokenize(line);
  if (!words.ok()) {
    Err("arbor-cli: " + words.status().message() + "\n");
    return kExitUsage;
  }
  return Execute(*words);
}

void Shell::Out(const std::string& text) {
  std::lock_guard<std::mutex> lock(out_mu_);
  std::cout << text << std::flush;
}

void Shell::Err(const std::string& text) {
  std::lock_guard<std::mutex> lock(out_mu_);
  std::cerr << text << std::flush;
}

void Shell::Progress(const std::string& text) {
  std::lock_guard<std::mutex> lock(out_mu_);
  if (isatty(STDERR_FILENO)) {
    std::cerr << "\r\033[K" << text << std::flush;
    progress_shown_ = true;
  } else {
    std::cerr << text << "\n" << std::flush;
  }
}

void Shell::EndProgress() {
  std::lock_guard<std::mutex> lock(out_mu_);
  if (progress_shown_) std::cerr << "\n" << std::flush;
  progress_shown_ = false;
}

int Shell::Fail(const std::string& what, proto::ErrorCode code) {
  EndProgress();
  std::string hint = Hint(code);
  if (json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(false).Key("error").String(client::ErrorCodeName(code));
    w.Key("code").Int(code).Key("message").String(client::ErrorCodeMessage(code)).Key("hint").String(hint).EndObject();
    OutJson(w);
  }
  Err("arbor-cli: " + what + ": " + client::ErrorCodeMessage(code) + "\n" + (hint.empty() ? "" : "  hint: " + hint + "\n"));
  return kExitServerError;
}

int Shell::UsageError(const Command& cmd, const std::string& why) {
  Err("arbor-cli: " + cmd.name + ": " + why + "\nusage: " + cmd.usage + "\n");
  return kExitUsage;
}

client::Watcher Shell::PrintingWatcher() {
  return [this](const proto::WatchEvent& e) {
    if (json()) {
      JsonWriter w;
      w.BeginObject().Key("event").String(EventTypeName(e.type())).Key("path").String(e.path());
      w.Key("zxid").Int(e.zxid()).EndObject();
      OutJson(w);
    } else {
      Out("\nWATCHER::\n\n" + EventText(e) + "\n");
    }
  };
}

std::string JoinPath(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

client::OpResult<std::vector<std::string>> CollectSubtree(Shell& sh, const std::string& root, size_t limit) {
  std::vector<std::string> nodes{root};
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto r = sh.client()->GetChildren(nodes[i]);
    if (r.code() == proto::NONODE && i > 0) continue;  // deleted meanwhile
    if (!r.ok()) return r.code();
    for (const std::string& c : r->children()) {
      if (nodes.size() >= limit) {
        sh.Err("arbor-cli: stopped after " + std::to_string(limit) + " nodes (the limit)\n");
        return {proto::OK, std::move(nodes)};
      }
      nodes.push_back(JoinPath(nodes[i], c));
      if (nodes.size() % 1000 == 0) sh.Progress("listed " + std::to_string(nodes.size()) + " nodes...");
    }
  }
  sh.EndProgress();
  return {proto::OK, std::move(nodes)};
}

}  // namespace arbor::cli
