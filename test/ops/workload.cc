#include "test/ops/workload.h"

#include "server/auth/digest.h"

namespace arbor::testing {

proto::Acl MakeAcl(const std::string& scheme, const std::string& id, int32_t perms) {
  proto::Acl a;
  a.set_perms(perms);
  a.mutable_id()->set_scheme(scheme);
  a.mutable_id()->set_id(id);
  return a;
}

proto::Request Create(const std::string& path, const std::string& data, proto::CreateMode mode,
                      const std::vector<proto::Acl>& acl) {
  proto::Request r;
  auto* c = r.mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  if (acl.empty()) {
    *c->add_acl() = MakeAcl("world", "anyone", proto::PERM_ALL);
  } else {
    for (const proto::Acl& a : acl) *c->add_acl() = a;
  }
  return r;
}

std::string WriteVariedTree(const Caller& call, int bulk, bool ephemerals, bool ttl) {
  std::string failed;
  auto must = [&](proto::Request r, const std::string& what) {
    if (!failed.empty()) return proto::Response();
    proto::Response resp = call(r);
    if (resp.error() != proto::OK) failed = what + ": " + proto::ErrorCode_Name(resp.error());
    return resp;
  };
  const std::string alice = auth::GenerateDigest(kAliceAuth);
  must(Create("/ops", "root of the varied tree"), "create /ops");
  must(Create("/ops/text", "hello, world"), "create text");
  must(Create("/ops/empty", ""), "create empty");
  proto::Request null_create = Create("/ops/null", "");
  null_create.mutable_create()->set_null_data(true);
  must(null_create, "create null");
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  must(Create("/ops/binary", binary), "create binary");
  std::string big(200 << 10, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  must(Create("/ops/big", big), "create big");
  // Versions: data version 3, acl version 1.
  must(Create("/ops/versioned", "v0"), "create versioned");
  for (int v = 1; v <= 3; ++v) {
    proto::Request r;
    r.mutable_set_data()->set_path("/ops/versioned");
    r.mutable_set_data()->set_data("v" + std::to_string(v));
    r.mutable_set_data()->set_version(v - 1);
    must(r, "setData versioned");
  }
  {
    proto::Request r;
    r.mutable_set_acl()->set_path("/ops/versioned");
    *r.mutable_set_acl()->add_acl() = MakeAcl("world", "anyone", proto::PERM_READ | proto::PERM_WRITE);
    r.mutable_set_acl()->set_version(0);
    must(r, "setACL versioned");
  }
  // Sequential children, two deleted: the parent's cversion counts both.
  must(Create("/ops/queue", ""), "create queue");
  for (int i = 0; i < 5; ++i) must(Create("/ops/queue/item-", std::to_string(i), proto::PERSISTENT_SEQUENTIAL), "seq");
  for (const char* gone : {"/ops/queue/item-0000000001", "/ops/queue/item-0000000003"}) {
    proto::Request r;
    r.mutable_delete_()->set_path(gone);
    r.mutable_delete_()->set_version(-1);
    must(r, std::string("delete ") + gone);
  }
  // ACLs.
  must(Create("/ops/alice", "only alice", proto::PERSISTENT, {MakeAcl("digest", alice, proto::PERM_ALL)}), "alice");
  must(Create("/ops/alice/child", "still alice", proto::PERSISTENT, {MakeAcl("digest", alice, proto::PERM_ALL)}),
       "alice child");
  must(Create("/ops/shared", "alice writes, all read", proto::PERSISTENT,
              {MakeAcl("digest", alice, proto::PERM_ALL), MakeAcl("world", "anyone", proto::PERM_READ)}),
       "shared");
  must(Create("/ops/iponly", "from 10.1.2.3 only", proto::PERSISTENT,
              {MakeAcl("ip", "10.1.2.3", proto::PERM_ALL), MakeAcl("digest", alice, proto::PERM_READ)}),
       "iponly");
  // Kinds.
  must(Create("/ops/container", "", proto::CONTAINER), "container");
  must(Create("/ops/container/child", "keeps the container"), "container child");
  if (ttl) {
    proto::Request r = Create("/ops/ttl", "lives an hour", proto::PERSISTENT_WITH_TTL);
    r.mutable_create()->set_ttl_ms(3600 * 1000);
    must(r, "ttl");
  }
  if (ephemerals) {
    must(Create("/ops/live", "ephemeral", proto::EPHEMERAL), "ephemeral");
    must(Create("/ops/member-", "ephemeral sequential", proto::EPHEMERAL_SEQUENTIAL), "ephemeral sequential");
  }
  // A multi that commits and one that fails (logged by ZooKeeper as error
  // transactions, which change nothing).
  {
    proto::Request r;
    auto* m = r.mutable_multi();
    *m->add_ops()->mutable_create() = Create("/ops/multi", "from a multi").create();
    auto* set = m->add_ops()->mutable_set_data();
    set->set_path("/ops/text");
    set->set_data("hello again");
    set->set_version(-1);
    must(r, "multi");
    proto::Request bad;
    auto* mb = bad.mutable_multi();
    *mb->add_ops()->mutable_create() = Create("/ops/never", "rolled back").create();
    mb->add_ops()->mutable_delete_()->set_path("/ops/no-such-node");
    mb->mutable_ops(1)->mutable_delete_()->set_version(-1);
    if (failed.empty() && call(bad).error() == proto::OK) failed = "a failing multi succeeded";
  }
  std::string deep = "/ops/deep";
  for (int i = 0; i < 12; ++i) {
    must(Create(deep, std::to_string(i)), "deep");
    deep += "/d" + std::to_string(i);
  }
  must(Create("/ops/bulk", ""), "bulk");
  for (int i = 0; i < bulk && failed.empty(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/ops/bulk/n%05d", i);
    must(Create(name, std::string(static_cast<size_t>(i % 300), static_cast<char>('A' + i % 26))), "bulk create");
  }
  // Churn over the bulk nodes: more versions, and deletes.
  for (int i = 0; i < bulk / 5 && failed.empty(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/ops/bulk/n%05d", i);
    proto::Request r;
    r.mutable_set_data()->set_path(name);
    r.mutable_set_data()->set_data("changed " + std::to_string(i));
    r.mutable_set_data()->set_version(-1);
    must(r, "bulk setData");
    if (i % 4 == 3) {
      proto::Request d;
      d.mutable_delete_()->set_path(name);
      d.mutable_delete_()->set_version(-1);
      must(d, "bulk delete");
    }
  }
  return failed;
}

}  // namespace arbor::testing
