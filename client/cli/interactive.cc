#include "client/cli/interactive.h"

#include <histedit.h>
#include <signal.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>

namespace arbor::cli {
namespace {

constexpr int kCompletionWaitMs = 2000;
constexpr size_t kMaxCandidatesShown = 200;

// libedit's prompt callback has no user argument; there is one shell per
// process.
std::string g_prompt;
char* PromptFn(EditLine*) { return const_cast<char*>(g_prompt.c_str()); }

void SetPrompt(Shell* sh, size_t n) {
  std::string state = "CLOSED";
  if (sh->client() != nullptr) state = client::SessionStateName(sh->client()->state());
  g_prompt = "[arbor: " + sh->server() + "(" + state + ") " + std::to_string(n) + "] ";
}

std::vector<std::string> ChildrenOf(Shell* sh, const std::string& parent) {
  if (sh->client() == nullptr) return {};
  auto f = client::AsFuture<proto::GetChildrenResponse>([&](client::Callback<proto::GetChildrenResponse> cb) {
    sh->client()->GetChildrenAsync(parent, nullptr, false, cb);
  });
  if (f.wait_for(std::chrono::milliseconds(kCompletionWaitMs)) != std::future_status::ready) return {};
  auto r = f.get();
  if (!r.ok()) return {};
  return {r->children().begin(), r->children().end()};
}

std::string CommonPrefix(const std::vector<std::string>& v) {
  if (v.empty()) return "";
  std::string p = v[0];
  for (const std::string& s : v) {
    size_t i = 0;
    while (i < p.size() && i < s.size() && p[i] == s[i]) ++i;
    p.resize(i);
  }
  return p;
}

unsigned char Complete(EditLine* el, int) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  Shell* sh = static_cast<Shell*>(data);
  const LineInfo* li = el_line(el);
  std::string line(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
  size_t start = line.find_last_of(" \t");
  std::string word = start == std::string::npos ? line : line.substr(start + 1);
  std::vector<std::string> matches = Completions(sh, line);
  if (matches.empty()) return CC_ERROR;
  std::string common = CommonPrefix(matches);
  if (common.size() > word.size()) {
    std::string add = common.substr(word.size());
    if (matches.size() == 1 && word.find('/') == std::string::npos) add += " ";
    el_insertstr(el, add.c_str());
    return CC_REFRESH;
  }
  if (matches.size() == 1) return CC_REFRESH;
  std::string list = "\n";
  for (size_t i = 0; i < matches.size() && i < kMaxCandidatesShown; ++i) list += matches[i] + "  ";
  if (matches.size() > kMaxCandidatesShown) list += "... (" + std::to_string(matches.size()) + ")";
  sh->Out(list + "\n");
  return CC_REDISPLAY;
}

void IgnoreInterrupt(int) {}

}  // namespace

std::vector<std::string> Completions(Shell* sh, const std::string& line) {
  size_t start = line.find_last_of(" \t");
  std::string word = start == std::string::npos ? line : line.substr(start + 1);
  std::vector<std::string> out;
  if (start == std::string::npos) {
    for (const Command& c : sh->commands()) {
      if (c.name.compare(0, word.size(), word) == 0) out.push_back(c.name);
    }
    return out;
  }
  if (word.empty() || word[0] != '/') return out;
  size_t slash = word.rfind('/');
  std::string parent = slash == 0 ? "/" : word.substr(0, slash);
  std::string prefix = word.substr(slash + 1);
  for (const std::string& c : ChildrenOf(sh, parent)) {
    if (c.compare(0, prefix.size(), prefix) == 0) out.push_back(word.substr(0, slash + 1) + c);
  }
  return out;
}

int RunInteractive(Shell* sh, const std::string& history_file) {
  EditLine* el = el_init("arbor-cli", stdin, stdout, stderr);
  History* hist = history_init();
  HistEvent ev;
  history(hist, &ev, H_SETSIZE, static_cast<int>(kMaxHistory));
  history(hist, &ev, H_SETUNIQUE, 1);
  if (!history_file.empty()) history(hist, &ev, H_LOAD, history_file.c_str());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, &PromptFn);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_CLIENTDATA, sh);
  el_set(el, EL_ADDFN, "arbor-complete", "complete a command or znode path", &Complete);
  el_set(el, EL_BIND, "^I", "arbor-complete", nullptr);
  // ^C at the prompt must not kill the shell (its session would go with it).
  struct sigaction act = {};
  act.sa_handler = IgnoreInterrupt;
  sigemptyset(&act.sa_mask);
  sigaction(SIGINT, &act, nullptr);
  sh->set_read_line([el](const std::string& prompt, std::string* out) {
    g_prompt = prompt;
    int len = 0;
    const char* l = el_gets(el, &len);
    if (l == nullptr) return false;
    out->assign(l, static_cast<size_t>(len));
    while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
    return true;
  });
  sh->Out("Welcome to arbor-cli. `help` lists the commands; tab completes commands and paths.\n");
  size_t n = 0;
  while (!sh->quit_requested()) {
    SetPrompt(sh, n);
    int count = 0;
    const char* raw = el_gets(el, &count);
    if (raw == nullptr) {
      if (count == -1 && errno == EINTR) continue;
      break;  // ^D
    }
    std::string line(raw, static_cast<size_t>(count));
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    history(hist, &ev, H_ENTER, line.c_str());
    if (!history_file.empty()) history(hist, &ev, H_SAVE, history_file.c_str());
    sh->AddHistory(line);
    ++n;
    (void)sh->ExecuteLine(line);
  }
  sh->Out("\n");
  sh->set_read_line(nullptr);
  history_end(hist);
  el_end(el);
  return kExitOk;
}

int RunScript(Shell* sh) {
  int rc = kExitOk;
  std::string line;
  sh->set_read_line([](const std::string&, std::string* out) { return static_cast<bool>(std::getline(std::cin, *out)); });
  while (!sh->quit_requested() && std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    sh->AddHistory(line);
    int r = sh->ExecuteLine(line);
    if (r != kExitOk) rc = r;
  }
  return rc;
}

}  // namespace arbor::cli
