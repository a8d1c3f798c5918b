// TLS pieces without processes: the memory-BIO engine end to end, the
// subject DN as Java writes it, and the peer transport over mutual TLS
// (a member's certificate must be valid for its host in --peers).
// Certificates come from test/tls/make_test_certs.sh (openssl CLI).
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/tls/tls_context.h"
#include "common/tls/tls_engine.h"
#include "common/tls/x509_name.h"
#include "server/net/peer_transport.h"
#include "test/unit/net/test_support.h"

namespace arbor::net {
namespace {

using namespace ::arbor::net::testing;  // NOLINT
using tls::TlsContext;
using tls::TlsEngine;
using tls::TlsFiles;

class TlsUnitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("arbor-tls-unit-" + std::to_string(getpid())));
    ASSERT_EQ(std::system((std::string(TLS_CERT_SCRIPT) + " " + *dir_).c_str()), 0);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
  }
  static std::string F(const std::string& name) { return *dir_ + "/" + name; }
  static TlsFiles Files(const std::string& who, const std::string& ca = "ca") {
    TlsFiles f;
    if (!who.empty()) {
      f.cert_file = F(who + ".pem");
      f.key_file = F(who + ".key");
    }
    f.ca_file = F(ca + ".pem");
    return f;
  }
  static std::string* dir_;
};
std::string* TlsUnitTest::dir_ = nullptr;

// Moves bytes between two engines until neither has anything to say.
void Pump(TlsEngine* a, TlsEngine* b, std::string* at_a, std::string* at_b, Status* sa, Status* sb) {
  for (int i = 0; i < 20; ++i) {
    std::string ab = a->TakeOutput(), ba = b->TakeOutput();
    if (ab.empty() && ba.empty()) return;
    if (!ab.empty() && sb->ok()) *sb = b->Feed(ab, at_b);
    if (!ba.empty() && sa->ok()) *sa = a->Feed(ba, at_a);
  }
}

TEST_F(TlsUnitTest, EnginesHandshakeAndCarryBytesBothWays) {
  auto server_ctx = TlsContext::Create(TlsContext::Role::kServer, Files("server"));
  ASSERT_TRUE(server_ctx.ok()) << server_ctx.status().ToString();
  auto client_ctx = TlsContext::Create(TlsContext::Role::kClient, Files("alice"));
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.status().ToString();
  TlsEngine server((*server_ctx)->NewSsl(), TlsEngine::Role::kServer);
  TlsEngine client((*client_ctx)->NewSsl(), TlsEngine::Role::kClient, "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(client.Write("written before the handshake").ok());
  std::string at_client, at_server;
  Status sc, ss;
  Pump(&client, &server, &at_client, &at_server, &sc, &ss);
  ASSERT_TRUE(sc.ok()) << sc.ToString();
  ASSERT_TRUE(ss.ok()) << ss.ToString();
  EXPECT_TRUE(client.handshake_done() && server.handshake_done());
  EXPECT_EQ(at_server, "written before the handshake");
  EXPECT_EQ(server.peer_subject(), "CN=alice,OU=eng,O=Example,C=US");
  EXPECT_EQ(client.peer_subject(), "CN=arbor-server");
  EXPECT_TRUE(client.PeerMatchesHost("127.0.0.1"));
  EXPECT_TRUE(client.PeerMatchesHost("localhost"));
  EXPECT_FALSE(client.PeerMatchesHost("10.0.0.1"));
  EXPECT_FALSE(server.PeerMatchesHost("127.0.0.1")) << "alice's certificate names alice.example only";
  ASSERT_TRUE(server.Write(std::string(100000, 'x')).ok());
  Pump(&client, &server, &at_client, &at_server, &sc, &ss);
  EXPECT_EQ(at_client.size(), 100000u);
  server.Shutdown();
  Pump(&client, &server, &at_client, &at_server, &sc, &ss);
  EXPECT_TRUE(client.peer_closed());
}

TEST_F(TlsUnitTest, WrongHostAndUnknownCaFailTheHandshake) {
  auto server_ctx = TlsContext::Create(TlsContext::Role::kServer, Files("server"));
  auto client_ctx = TlsContext::Create(TlsContext::Role::kClient, Files(""));
  auto other_ca = TlsContext::Create(TlsContext::Role::kClient, Files("", "ca2"));
  ASSERT_TRUE(server_ctx.ok() && client_ctx.ok() && other_ca.ok());
  for (auto [ctx, host] : {std::make_pair(*client_ctx, std::string("10.1.2.3")),
                           std::make_pair(*client_ctx, std::string("elsewhere.example")),
                           std::make_pair(*other_ca, std::string("127.0.0.1"))}) {
    TlsEngine server((*server_ctx)->NewSsl(), TlsEngine::Role::kServer);
    TlsEngine client(ctx->NewSsl(), TlsEngine::Role::kClient, host);
    ASSERT_TRUE(client.Start().ok());
    std::string at_client, at_server;
    Status sc, ss;
    Pump(&client, &server, &at_client, &at_server, &sc, &ss);
    EXPECT_FALSE(sc.ok()) << "the client accepted the server as " << host;
    EXPECT_NE(sc.message().find("certificate"), std::string::npos) << sc.ToString();
  }
}

TEST_F(TlsUnitTest, ReloadKeepsOldCredentialsWhenNewFilesAreBroken) {
  std::filesystem::copy_file(F("server.pem"), F("reload.pem"), std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(F("server.key"), F("reload.key"), std::filesystem::copy_options::overwrite_existing);
  TlsFiles files = Files("reload");
  auto ctx = TlsContext::Create(TlsContext::Role::kServer, files);
  ASSERT_TRUE(ctx.ok());
  // A key that does not match the certificate: refused, old ones stay.
  std::filesystem::copy_file(F("alice.key"), F("reload.key"), std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE((*ctx)->Reload().ok());
  EXPECT_EQ((*ctx)->reloads(), 0u);
  std::filesystem::copy_file(F("server2.pem"), F("reload.pem"), std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(F("server2.key"), F("reload.key"), std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE((*ctx)->Reload().ok());
  auto ca2 = TlsContext::Create(TlsContext::Role::kClient, Files("", "ca2"));
  ASSERT_TRUE(ca2.ok());
  TlsEngine server((*ctx)->NewSsl(), TlsEngine::Role::kServer);
  TlsEngine client((*ca2)->NewSsl(), TlsEngine::Role::kClient, "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  std::string at_client, at_server;
  Status sc, ss;
  Pump(&client, &server, &at_client, &at_server, &sc, &ss);
  EXPECT_TRUE(sc.ok() && client.handshake_done()) << sc.ToString();
}

TEST(X509NameTest, WritesRfc2253AsJava) {
  X509* cert = X509_new();
  X509_NAME* name = X509_get_subject_name(cert);
  auto add = [name](const char* field, const char* value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value), -1, -1,
                               0);
  };
  add("C", "US");
  add("O", "Example, Inc.");
  add("emailAddress", "x@y");
  add("CN", " a+b ");
  EXPECT_EQ(tls::SubjectName(cert), "CN=\\ a\\+b\\ ,1.2.840.113549.1.9.1=#1603784079,O=Example\\, Inc.,C=US");
  X509_free(cert);
}

std::unique_ptr<PeerTransport> MakeTls(uv_loop_t* loop, uint64_t self, int port, uint64_t peer, int peer_port,
                                       std::shared_ptr<TlsContext> server, std::shared_ptr<TlsContext> client,
                                       std::atomic<int>* got) {
  PeerTransportOptions o;
  o.self_id = self;
  o.peers[peer] = "127.0.0.1:" + std::to_string(peer_port);
  o.listen.port = port;
  o.redial_min_ms = 10;
  o.redial_max_ms = 50;
  o.secret = "a secret for the tls test";
  o.tls_server = std::move(server);
  o.tls_client = std::move(client);
  return std::make_unique<PeerTransport>(loop, o, [got](uint64_t, proto::PeerFrame&&) { ++*got; });
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Member 1 uses a certificate the CA signed, but for elsewhere.example, not
// the 127.0.0.1 that --peers gives it: member 2 refuses it; with its own
// certificate it gets through.
TEST_F(TlsUnitTest, PeerCertificateMustMatchTheMembersAddress) {
  TlsFiles need_files = Files("server");
  need_files.client_auth = tls::ClientAuth::kNeed;
  auto b_server = TlsContext::Create(TlsContext::Role::kServer, need_files);
  auto b_client = TlsContext::Create(TlsContext::Role::kClient, Files("server"));
  auto a_bad = TlsContext::Create(TlsContext::Role::kClient, Files("elsewhere"));
  auto a_good = TlsContext::Create(TlsContext::Role::kClient, Files("server"));
  ASSERT_TRUE(b_server.ok() && b_client.ok() && a_bad.ok() && a_good.ok());
  for (bool good : {false, true}) {
    LoopThread loop;
    int pa = FreePort(), pb = FreePort();
    std::atomic<int> at_a{0}, at_b{0};
    auto a = MakeTls(loop.loop(), 1, pa, 2, pb, *b_server, good ? *a_good : *a_bad, &at_a);
    auto b = MakeTls(loop.loop(), 2, pb, 1, pa, *b_server, *b_client, &at_b);
    ASSERT_TRUE(a->Start().ok());
    ASSERT_TRUE(b->Start().ok());
    loop.Start();
    proto::PeerFrame f;
    f.mutable_raft()->set_term(3);
    for (int i = 0; i < 60; ++i) {
      loop.Run([&] { a->Send(2, f); });
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (good) {
      EXPECT_GT(at_b.load(), 0) << "a member with a matching certificate was not heard";
    } else {
      EXPECT_EQ(at_b.load(), 0);
      uint64_t refused = 0;
      loop.Run([&] { refused = b->refused_connections(); });
      EXPECT_GT(refused, 0u);
    }
    loop.Run([&] {
      a->Close();
      b->Close();
    });
    loop.Stop();
  }
}

}  // namespace
}  // namespace arbor::net
