// TLS on the client ports and the peer port (issue #15), with certificates
// made at test time by test/tls/make_test_certs.sh (the openssl CLI):
// arbor's own client library over --secure_client_port, the x509 identity
// of a client certificate (subject DN, as ZooKeeper's
// X509AuthenticationProvider), the x509 super user, refused certificates,
// certificate reload on SIGHUP, and a three-node cluster whose members speak
// mutual TLS to each other.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "client/client.h"
#include "test/integration/native_test_client.h"
#include "test/integration/server_process.h"

namespace arbor::testing {
namespace {

constexpr char kAlice[] = "CN=alice,OU=eng,O=Example,C=US";

std::string MakeCerts(const std::string& dir) {
  std::string cmd = std::string(TLS_CERT_SCRIPT) + " " + dir;
  return std::system(cmd.c_str()) == 0 ? dir : "";
}

proto::Acl X509Acl(const std::string& dn) {
  proto::Acl a;
  a.set_perms(proto::PERM_ALL);
  a.mutable_id()->set_scheme("x509");
  a.mutable_id()->set_id(dn);
  return a;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("arbor-tls");
    certs_ = MakeCerts(dir_ + "/certs");
    ASSERT_FALSE(certs_.empty()) << "openssl could not make the test certificates";
  }
  void TearDown() override {
    server_.reset();
    RemoveTree(dir_);
  }
  void StartServer(const std::string& client_auth = "want", std::vector<std::string> more = {}) {
    ServerSpec spec;
    spec.client_port = FreePort();
    spec.peer_port = FreePort();
    spec.data_dir = dir_ + "/data";
    secure_port_ = FreePort();
    spec.extra_flags = {"--secure_client_port=" + std::to_string(secure_port_),
                        "--tls_cert_file=" + certs_ + "/server.pem", "--tls_key_file=" + certs_ + "/server.key",
                        "--tls_ca_file=" + certs_ + "/ca.pem", "--tls_client_auth=" + client_auth};
    for (auto& f : more) spec.extra_flags.push_back(f);
    server_ = std::make_unique<ServerProcess>(spec);
    ASSERT_TRUE(server_->Start()) << "arbord did not start; log: " << server_->log_path();
  }
  // A client of the TLS port; `who` names a certificate in certs_ ("" for none).
  std::unique_ptr<client::Client> Connect(const std::string& who, const std::string& ca = "ca",
                                          const std::string& host = "127.0.0.1", int wait_ms = 10000) {
    client::ClientOptions o;
    o.connect_string = host + ":" + std::to_string(secure_port_);
    o.session_timeout_ms = 10000;
    o.tls = true;
    o.tls_ca_file = certs_ + "/" + ca + ".pem";
    if (!who.empty()) {
      o.tls_cert_file = certs_ + "/" + who + ".pem";
      o.tls_key_file = certs_ + "/" + who + ".key";
    }
    auto c = client::Client::Start(o);
    if (!c.ok() || !(*c)->WaitConnected(wait_ms)) return nullptr;
    return std::move(c).value();
  }

  std::string dir_, certs_;
  int secure_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, ClientCertificateIsTheX509IdentityAndGuardsItsNodes) {
  StartServer();
  auto alice = Connect("alice");
  ASSERT_NE(alice, nullptr);
  auto who = alice->WhoAmI();
  ASSERT_TRUE(who.ok()) << who.message();
  bool found = false;
  for (const auto& id : who.value()) found |= id.scheme() == "x509" && id.id() == kAlice;
  EXPECT_TRUE(found) << "whoAmI has no x509 identity " << kAlice;

  ASSERT_TRUE(alice->Create("/alice", "hers", proto::PERSISTENT, {X509Acl(kAlice)}).ok());
  EXPECT_TRUE(alice->SetData("/alice", "still hers").ok());
  auto got = alice->GetData("/alice");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data(), "still hers");

  // TLS without a certificate, another certificate, and the plain port: no.
  auto anonymous = Connect("");
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(anonymous->GetData("/alice").code(), proto::NOAUTH);
  auto admin = Connect("admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->SetData("/alice", "x").code(), proto::NOAUTH);
  NativeTestClient plain;
  ASSERT_EQ(plain.Connect(server_->spec().client_port).error(), proto::OK);
  EXPECT_EQ(plain.GetData("/alice").error(), proto::NOAUTH);
  // An x509 auth packet over plain TCP proves nothing.
  proto::Request auth;
  auth.mutable_auth()->set_scheme("x509");
  auth.mutable_auth()->set_auth(kAlice);
  EXPECT_EQ(plain.Call(auth).error(), proto::AUTHFAILED);
}

TEST_F(TlsTest, X509SuperUserPassesEveryCheck) {
  StartServer("want", {"--x509_superuser=CN=admin,O=Example"});
  auto alice = Connect("alice");
  ASSERT_NE(alice, nullptr);
  ASSERT_TRUE(alice->Create("/alice", "hers", proto::PERSISTENT, {X509Acl(kAlice)}).ok());
  auto admin = Connect("admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_TRUE(admin->SetData("/alice", "the admin's").ok());
}

TEST_F(TlsTest, UntrustedCertificatesAreRefused) {
  StartServer("need");
  EXPECT_EQ(Connect("", "ca", "127.0.0.1", 2000), nullptr) << "need: a client without a certificate got in";
  EXPECT_EQ(Connect("rogue", "ca", "127.0.0.1", 2000), nullptr) << "a certificate from an unknown CA got in";
  EXPECT_EQ(Connect("alice", "ca2", "127.0.0.1", 2000), nullptr) << "the client trusted an unknown server CA";
  auto alice = Connect("alice", "ca", "localhost");  // the name is in the server's certificate too
  ASSERT_NE(alice, nullptr);
  EXPECT_TRUE(alice->Create("/ok", "").ok());
}

TEST_F(TlsTest, SighupReloadsTheCertificate) {
  StartServer();
  EXPECT_EQ(Connect("alice", "ca2", "127.0.0.1", 2000), nullptr);
  // Rotate to a certificate from the second CA (written whole, then renamed
  // over the old files, as a deployment would).
  namespace fs = std::filesystem;
  fs::copy_file(certs_ + "/server2.pem", certs_ + "/server.pem.new");
  fs::copy_file(certs_ + "/server2.key", certs_ + "/server.key.new");
  fs::rename(certs_ + "/server.pem.new", certs_ + "/server.pem");
  fs::rename(certs_ + "/server.key.new", certs_ + "/server.key");
  auto before = Connect("alice", "ca", "127.0.0.1");
  EXPECT_NE(before, nullptr) << "the new files were read before SIGHUP";
  server_->SendSignal(SIGHUP);
  std::unique_ptr<client::Client> after;
  for (int i = 0; i < 50 && after == nullptr; ++i) after = Connect("alice", "ca2", "127.0.0.1", 500);
  ASSERT_NE(after, nullptr) << "the server still shows its old certificate after SIGHUP";
  EXPECT_TRUE(after->Create("/rotated", "").ok());
  // Sessions opened before the reload go on.
  EXPECT_TRUE(before->Exists("/rotated").ok());
}

// arbor-cli (one-shot) over TLS with a client certificate.
TEST_F(TlsTest, ArborCliConnectsOverTls) {
  StartServer();
  std::string cmd = std::string(ARBOR_CLI_PATH) + " -server 127.0.0.1:" + std::to_string(secure_port_) +
                    " -tls -tls_ca_file " + certs_ + "/ca.pem -tls_cert_file " + certs_ +
                    "/alice.pem -tls_key_file " + certs_ + "/alice.key -connect_wait_ms 5000 whoami 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(kAlice), std::string::npos) << out;
}

TEST_F(TlsTest, ClusterMembersSpeakMutualTls) {
  std::vector<std::string> flags = {"--peer_tls", "--tls_cert_file=" + certs_ + "/server.pem",
                                    "--tls_key_file=" + certs_ + "/server.key", "--tls_ca_file=" + certs_ + "/ca.pem"};
  LocalCluster cluster(3, flags);
  ASSERT_TRUE(cluster.StartAll());
  NativeTestClient a, b;
  ASSERT_EQ(a.ConnectPatiently(cluster.client_port(0), 10000, 0, "", 0, 15000).error(), proto::OK);
  ASSERT_EQ(a.Create("/over-tls", "replicated").error(), proto::OK);
  ASSERT_EQ(b.ConnectPatiently(cluster.client_port(2), 10000, 0, "", a.last_zxid(), 15000).error(), proto::OK);
  EXPECT_EQ(b.Sync("/over-tls").error(), proto::OK);
  auto got = b.GetData("/over-tls");
  ASSERT_EQ(got.error(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "replicated");
}

}  // namespace
}  // namespace arbor::testing
