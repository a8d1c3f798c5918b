#include "common/status.h"

namespace arbor {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kNotLeader: name = "NotLeader"; break;
    case Code::kUnavailable: name = "Unavailable"; break;
    case Code::kOutOfRange: name = "OutOfRange"; break;
    case Code::kInternal: name = "Internal"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace arbor
