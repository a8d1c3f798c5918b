#include "client/bench/setup_client.h"

#include <cstdio>
#include <cstdlib>

namespace arbor::bench {

void SetupDie(const std::string& why) {
  std::fprintf(stderr, "arbor-bench: %s\n", why.c_str());
  std::exit(2);
}

proto::Request CreateReq(const std::string& path, const std::string& data, proto::CreateMode mode) {
  proto::Request r;
  auto* c = r.mutable_create();
  c->set_path(path);
  c->set_data(data);
  *c->add_acl() = OpenAcl();
  c->set_mode(mode);
  return r;
}

void CreateMany(SetupClient* sc, const std::vector<std::string>& paths, const std::string& data) {
  size_t next = 0, bad = 0;
  while (next < paths.size() || sc->pending() > 0) {
    while (next < paths.size() && sc->pending() < 512) {
      sc->Send(CreateReq(paths[next++], data, proto::PERSISTENT), zk_wire::op::kCreate);
    }
    int32_t err = sc->Wait();
    if (err != kOk && err != kNodeExists) ++bad;
  }
  if (bad > 0) SetupDie("setup: " + std::to_string(bad) + " creates failed");
}
}  // namespace arbor::bench
