// multi: several writes applied atomically, given as quoted commands
// (`multi "create /a x" "set /b y"`) or, without arguments, as a block of
// lines ended by `end` (`abort` drops it).
#include "client/cli/format.h"
#include "client/cli/shell.h"

namespace arbor::cli {
namespace {

constexpr size_t kMaxOps = 1000;

// Adds one "create|delete|set|check ..." line to `txn`.
Status AddOp(const std::string& line, client::Transaction* txn) {
  auto words = Tokenize(line);
  if (!words.ok()) return words.status();
  if (words->empty()) return Status::InvalidArgument("empty operation");
  const std::string op = (*words)[0];
  std::vector<std::string> rest(words->begin() + 1, words->end());
  auto a = ParseArgs(rest, op == "create" ? "esc" : "v:");
  if (!a.ok()) return Status::InvalidArgument(op + ": " + a.status().message());
  int32_t version = -1;
  if (a->Has('v')) {
    auto v = ParseInt(a->Get('v'), -1, INT32_MAX, "version");
    if (!v.ok()) return v.status();
    version = static_cast<int32_t>(*v);
  }
  size_t n = a->pos.size();
  if (op == "create" && (n == 1 || n == 2)) {
    proto::CreateMode mode = a->Has('c')   ? proto::CONTAINER
                             : a->Has('e') ? (a->Has('s') ? proto::EPHEMERAL_SEQUENTIAL : proto::EPHEMERAL)
                                           : (a->Has('s') ? proto::PERSISTENT_SEQUENTIAL : proto::PERSISTENT);
    txn->Create(a->pos[0], n == 2 ? a->pos[1] : "", mode);
  } else if (op == "delete" && n == 1) {
    txn->Delete(a->pos[0], version);
  } else if (op == "set" && n == 2) {
    txn->SetData(a->pos[0], a->pos[1], version);
  } else if (op == "check" && n == 1 && a->Has('v')) {
    txn->Check(a->pos[0], version);
  } else {
    return Status::InvalidArgument("'" + line +
                                   "' is not one of: create [-e] [-s] [-c] PATH [DATA] | delete [-v V] PATH | "
                                   "set [-v V] PATH DATA | check -v V PATH");
  }
  return Status::Ok();
}

std::string ResultText(const proto::MultiOpResult& r) {
  std::string s = client::ErrorCodeName(r.error());
  if (r.has_create()) s += " (created " + r.create().path() + ")";
  return s;
}

int Multi(Shell& sh, const Args& a) {
  const Command& cmd = *sh.Find("multi");
  client::Transaction txn;
  std::vector<std::string> lines = a.pos;
  if (lines.empty()) {
    if (!sh.options().read_line) return sh.UsageError(cmd, "give the operations as arguments");
    if (!sh.json()) sh.Err("enter operations, one a line; `end` commits them, `abort` drops them\n");
    std::string line;
    while (true) {
      if (!sh.options().read_line("multi> ", &line)) return sh.UsageError(cmd, "input ended before `end`");
      if (line == "end") break;
      if (line == "abort") {
        sh.Err("multi aborted, nothing sent\n");
        return kExitOk;
      }
      if (!line.empty()) lines.push_back(line);
      if (lines.size() > kMaxOps) return sh.UsageError(cmd, "at most 1000 operations");
    }
  }
  if (lines.empty()) return sh.UsageError(cmd, "no operations");
  for (const std::string& l : lines) {
    Status st = AddOp(l, &txn);
    if (!st.ok()) return sh.UsageError(cmd, st.message());
  }
  auto r = sh.client()->Multi(txn);
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(r.ok()).Key("error").String(client::ErrorCodeName(r.code())).Key("results").BeginArray();
    for (int i = 0; i < r->results_size(); ++i) {
      w.BeginObject().Key("op").String(lines[static_cast<size_t>(i)]).Key("error").String(client::ErrorCodeName(r->results(i).error()));
      if (r->results(i).has_create()) w.Key("path").String(r->results(i).create().path());
      w.EndObject();
    }
    sh.OutJson(w.EndArray().EndObject());
  } else {
    std::string text;
    for (int i = 0; i < r->results_size() && static_cast<size_t>(i) < lines.size(); ++i) {
      text += "  " + lines[static_cast<size_t>(i)] + ": " + ResultText(r->results(i)) + "\n";
    }
    sh.Out(text);
  }
  if (!r.ok()) {
    bool was_json = sh.json();
    if (was_json) sh.Err("arbor-cli: multi: " + client::ErrorCodeMessage(r.code()) + "\n");
    else sh.Fail("multi (nothing was applied)", r.code());
    return kExitServerError;
  }
  return kExitOk;
}

}  // namespace

void AddMultiCommand(std::vector<Command>* out) {
  out->push_back({"multi", "", "multi [\"OP\" ...]   (OP: create|delete|set|check ...; no OP: a block ended by `end`)",
                  "apply several writes atomically: all or none", 0, kMaxOps, true, Multi});
}

}  // namespace arbor::cli
