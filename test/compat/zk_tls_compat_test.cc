// ZooKeeper clients over TLS on --secure_zk_port (ZooKeeper's
// secureClientPort): kazoo 2.8 with use_ssl=True, its client certificate as
// the x509 identity. Certificates are made at test time by
// test/tls/make_test_certs.sh.
//
// The C client: Debian 12's libzookeeper-mt 3.8.0 is built without
// OpenSSL (it exports no zookeeper_init_ssl), so it cannot speak TLS; the
// test below says so when it finds the library in that state.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "test/compat/child_process.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

const char kPython[] = "/usr/bin/python3";

TEST(ZkTlsCompat, KazooOverTlsWithX509Identity) {
  if (access(kPython, X_OK) != 0 || system("/usr/bin/python3 -c 'import kazoo' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-kazoo not installed (deploy/install-deps.sh installs it)";
  }
  std::string dir = MakeTempDir("arbor-zk-tls");
  std::string certs = dir + "/certs";
  ASSERT_EQ(system((std::string(TLS_CERT_SCRIPT) + " " + certs).c_str()), 0);
  ServerSpec s;
  s.client_port = FreePort();
  s.peer_port = FreePort();
  int secure = FreePort();
  s.data_dir = dir + "/data";
  s.extra_flags = {"--secure_zk_port=" + std::to_string(secure), "--tls_cert_file=" + certs + "/server.pem",
                   "--tls_key_file=" + certs + "/server.key", "--tls_ca_file=" + certs + "/ca.pem"};
  {
    ServerProcess server(s);
    ASSERT_TRUE(server.Start()) << server.log_path();
    compat::ChildResult r = compat::RunChild({kPython, COMPAT_DIR "/kazoo_tls.py", "127.0.0.1:" + std::to_string(secure), certs},
                             90000);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\nPASS\n"), std::string::npos) << r.output;
  }
  RemoveTree(dir);
}

TEST(ZkTlsCompat, DebianCClientHasNoTls) {
  void* lib = dlopen("libzookeeper_mt.so.2", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) GTEST_SKIP() << "libzookeeper-mt not installed";
  bool has_ssl = dlsym(lib, "zookeeper_init_ssl") != nullptr;
  dlclose(lib);
  if (has_ssl) {
    GTEST_SKIP() << "this libzookeeper-mt has zookeeper_init_ssl: a C-client TLS test could be written now";
  }
  // Documented in docs/SECURITY.md: the Debian C client reaches only the
  // plain --zk_port.
  SUCCEED();
}

}  // namespace
}  // namespace arbor::testing
