#include "test/fault/checker/history.h"

#include <fstream>
#include <sstream>

namespace arbor::fault {

const char* OpTypeName(OpType t) {
  switch (t) {
    case OpType::kRead: return "read";
    case OpType::kSyncRead: return "sread";
    case OpType::kWrite: return "write";
    case OpType::kCas: return "cas";
  }
  return "?";
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kFail: return "fail";
    case Outcome::kUnknown: return "unknown";
  }
  return "?";
}

std::string FormatRegisterOp(const RegisterOp& op) {
  std::ostringstream s;
  s << op.client << '\t' << op.key << '\t' << OpTypeName(op.type) << '\t' << op.invoke_ns << '\t'
    << (op.outcome == Outcome::kUnknown ? -1 : op.complete_ns) << '\t' << OutcomeName(op.outcome) << '\t'
    << op.value << '\t' << op.version << '\t' << op.new_version;
  return s.str();
}

namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

bool ToInt64(const std::string& s, int64_t* out) {
  try {
    size_t used = 0;
    *out = std::stoll(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

}  // namespace

Result<RegisterOp> ParseRegisterOp(const std::string& line) {
  std::vector<std::string> f = SplitTabs(line);
  if (f.size() != 9) return Status::InvalidArgument("expected 9 tab-separated fields: " + line);
  RegisterOp op;
  op.client = f[0];
  op.key = f[1];
  if (f[2] == "read") op.type = OpType::kRead;
  else if (f[2] == "sread") op.type = OpType::kSyncRead;
  else if (f[2] == "write") op.type = OpType::kWrite;
  else if (f[2] == "cas") op.type = OpType::kCas;
  else return Status::InvalidArgument("unknown op type '" + f[2] + "': " + line);
  if (f[5] == "ok") op.outcome = Outcome::kOk;
  else if (f[5] == "fail") op.outcome = Outcome::kFail;
  else if (f[5] == "unknown") op.outcome = Outcome::kUnknown;
  else return Status::InvalidArgument("unknown outcome '" + f[5] + "': " + line);
  int64_t version = 0, new_version = 0;
  if (!ToInt64(f[3], &op.invoke_ns) || !ToInt64(f[4], &op.complete_ns) || !ToInt64(f[7], &version) ||
      !ToInt64(f[8], &new_version)) {
    return Status::InvalidArgument("bad number: " + line);
  }
  if (op.outcome == Outcome::kUnknown) op.complete_ns = kNever;
  if (op.complete_ns < op.invoke_ns) return Status::InvalidArgument("completes before its invoke: " + line);
  op.value = f[6];
  op.version = static_cast<int32_t>(version);
  op.new_version = static_cast<int32_t>(new_version);
  return op;
}

Result<std::vector<RegisterOp>> ReadRegisterHistory(const std::vector<std::string>& paths) {
  std::vector<RegisterOp> ops;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) return Status::NotFound("cannot read history " + path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty() || line[0] == '#') continue;
      Result<RegisterOp> op = ParseRegisterOp(line);
      if (!op.ok()) return Status::InvalidArgument(path + ":" + std::to_string(n) + ": " + op.status().message());
      ops.push_back(std::move(op).value());
    }
  }
  return ops;
}

}  // namespace arbor::fault
