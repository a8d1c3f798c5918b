#include "client/transaction.h"

namespace arbor::client {
namespace {

proto::Acl MakeAcl(int32_t perms, const char* scheme, const char* id) {
  proto::Acl a;
  a.set_perms(perms);
  a.mutable_id()->set_scheme(scheme);
  a.mutable_id()->set_id(id);
  return a;
}

}  // namespace

std::vector<proto::Acl> OpenAclUnsafe() { return {MakeAcl(proto::PERM_ALL, "world", "anyone")}; }
std::vector<proto::Acl> ReadAclUnsafe() { return {MakeAcl(proto::PERM_READ, "world", "anyone")}; }
std::vector<proto::Acl> CreatorAllAcl() { return {MakeAcl(proto::PERM_ALL, "auth", "")}; }

Transaction& Transaction::Create(const std::string& path, const std::string& data, proto::CreateMode mode,
                                 const std::vector<proto::Acl>& acl, int64_t ttl_ms) {
  proto::CreateRequest* c = ops_.emplace_back().mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  c->set_ttl_ms(ttl_ms);
  for (const proto::Acl& a : acl) *c->add_acl() = a;
  return *this;
}

Transaction& Transaction::Delete(const std::string& path, int32_t version) {
  proto::DeleteRequest* d = ops_.emplace_back().mutable_delete_();
  d->set_path(path);
  d->set_version(version);
  return *this;
}

Transaction& Transaction::SetData(const std::string& path, const std::string& data, int32_t version) {
  proto::SetDataRequest* s = ops_.emplace_back().mutable_set_data();
  s->set_path(path);
  s->set_data(data);
  s->set_version(version);
  return *this;
}

Transaction& Transaction::Check(const std::string& path, int32_t version) {
  proto::CheckRequest* c = ops_.emplace_back().mutable_check();
  c->set_path(path);
  c->set_version(version);
  return *this;
}

Transaction& Transaction::GetData(const std::string& path) {
  ops_.emplace_back().mutable_get_data()->set_path(path);
  ++reads_;
  return *this;
}

Transaction& Transaction::GetChildren(const std::string& path) {
  ops_.emplace_back().mutable_get_children()->set_path(path);
  ++reads_;
  return *this;
}

}  // namespace arbor::client
