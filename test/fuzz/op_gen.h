// Builds log entries and read requests for the tree from fuzzer bytes:
// paths from a small alphabet (so operations collide on the same nodes),
// every create mode (and invalid ones), ACLs of every scheme, a handful of
// sessions, multi, reaping with replicated time, session ends.
#pragma once

#include <cstdint>
#include <string>

#include "proto/client.pb.h"
#include "proto/log_entry.pb.h"
#include "test/fuzz/fuzz_input.h"

namespace arbor::fuzz {

class OpGenerator {
 public:
  explicit OpGenerator(FuzzInput* in) : in_(in) {}

  // One entry whose op is set; format_version is V1 except, rarely, a bad one.
  proto::LogEntry Entry();
  // A read the tree serves locally (or a write, which must answer UNIMPLEMENTED).
  proto::Request ReadRequest();
  int64_t Session();
  std::string Path();

 private:
  proto::Request WriteRequest();
  void FillCreate(proto::CreateRequest* c);
  void FillAcl(google::protobuf::RepeatedPtrField<proto::Acl>* acl);
  proto::Id SomeId();
  int32_t Version();

  FuzzInput* in_;
  int64_t time_ms_ = 1000;
};

}  // namespace arbor::fuzz
