// Client-visible errors: ZooKeeper's codes (proto::ErrorCode) and the
// Result-like OpResult<T> every client operation returns.
//
// The client never invents codes of its own: connection trouble is
// CONNECTIONLOSS (outcome unknown for writes), a dead or closed session is
// SESSIONEXPIRED, a full request window is THROTTLEDOP, a request the client
// refuses to send (too large, bad path) is BADARGUMENTS.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "proto/client.pb.h"

namespace arbor::client {

// "NONODE", "CONNECTIONLOSS", ... ("UNKNOWN(-42)" for a value outside the enum).
std::string ErrorCodeName(proto::ErrorCode code);

// One sentence saying what the code means for the caller and what to do,
// e.g. "CONNECTIONLOSS: the connection to the server was lost before the
// answer arrived; a write may or may not have been applied ...".
std::string ErrorCodeMessage(proto::ErrorCode code);

// True for the codes a caller may simply retry once the session is connected
// again (CONNECTIONLOSS, OPERATIONTIMEOUT, THROTTLEDOP). A write that failed
// with one of them may have been applied: re-check before retrying it.
bool IsTransient(proto::ErrorCode code);

// An operation's outcome: a ZooKeeper error code plus a value. The value is
// meaningful when ok(); for multi it also carries the per-op results when
// the transaction failed (ZooKeeper reports which op failed and why).
template <typename T>
class [[nodiscard]] OpResult {
 public:
  OpResult(proto::ErrorCode code) : code_(code) {}  // NOLINT: implicit by design
  OpResult(T value) : value_(std::move(value)) {}   // NOLINT
  OpResult(proto::ErrorCode code, T value) : code_(code), value_(std::move(value)) {}

  bool ok() const { return code_ == proto::OK; }
  proto::ErrorCode code() const { return code_; }
  std::string message() const { return ErrorCodeMessage(code_); }
  const T& value() const& { return value_; }
  T& value() & { return value_; }
  T value() && { return std::move(value_); }  // by value: safe in a range-for
  const T* operator->() const& { return &value_; }
  // `client->GetChildren(p)->children()` would read a value destroyed at the
  // end of the full expression (e.g. in a range-for): keep the result first.
  const T* operator->() const&& = delete;

 private:
  proto::ErrorCode code_ = proto::OK;
  T value_{};
};

// The value of operations that return nothing but a code (delete, check, ...).
using Done = std::monostate;

}  // namespace arbor::client
