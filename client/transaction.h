// A small builder for multi (atomic writes) and multiRead (independent
// reads). Paths are the application's; the client applies its chroot.
//
//   Transaction txn;
//   txn.Check("/cfg", 3).SetData("/cfg", "v4", 3).Create("/cfg/log-", "", proto::PERSISTENT_SEQUENTIAL);
//   OpResult<proto::MultiResponse> r = client->Multi(txn);
#pragma once

#include <string>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::client {

// world:anyone with every permission (ZooKeeper's OPEN_ACL_UNSAFE).
std::vector<proto::Acl> OpenAclUnsafe();
// world:anyone read-only (READ_ACL_UNSAFE).
std::vector<proto::Acl> ReadAclUnsafe();
// auth: every permission for the creator's authenticated ids (CREATOR_ALL_ACL).
std::vector<proto::Acl> CreatorAllAcl();

class Transaction {
 public:
  // Writes (Multi).
  Transaction& Create(const std::string& path, const std::string& data,
                      proto::CreateMode mode = proto::PERSISTENT,
                      const std::vector<proto::Acl>& acl = OpenAclUnsafe(), int64_t ttl_ms = 0);
  Transaction& Delete(const std::string& path, int32_t version = -1);
  Transaction& SetData(const std::string& path, const std::string& data, int32_t version = -1);
  Transaction& Check(const std::string& path, int32_t version);
  // Reads (MultiRead).
  Transaction& GetData(const std::string& path);
  Transaction& GetChildren(const std::string& path);

  const std::vector<proto::MultiOp>& ops() const { return ops_; }
  size_t size() const { return ops_.size(); }
  bool has_reads() const { return reads_ > 0; }
  bool has_writes() const { return ops_.size() > reads_; }

 private:
  std::vector<proto::MultiOp> ops_;
  size_t reads_ = 0;
};

}  // namespace arbor::client
