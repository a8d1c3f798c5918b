// What the server does with identities: the ones a connection starts with,
// auth packets (ZooKeeper's ServerCnxn auth info and
// ZooKeeperServer.processPacket for OpCode.auth), the super user, and the
// whoAmI answer. Pure: the server keeps one Ids per connection and passes it
// along; nothing here touches sockets or clocks.
//
// Identities belong to a connection, as on ZooKeeper: a reconnecting client
// (same session, new connection) starts again from ConnectionIdentities and
// re-sends its auth packets (ZooKeeper's and Arbor's client libraries do).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/client.pb.h"
#include "server/auth/acl.h"

namespace arbor::auth {

struct AuthConfig {
  // "user:base64(sha1(user:password))", as ZooKeeper's
  // zookeeper.DigestAuthenticationProvider.superDigest (e.g. the digest of
  // "super:test" is "super:D/InIHSb7yEEbrWz8b9l71RjZJU="). Empty: no super user.
  std::string superdigest;
  // The certificate subject DN (RFC 2253) that is the super user on TLS
  // connections, as ZooKeeper's zookeeper.X509AuthenticationProvider.superUser.
  // Empty: none.
  std::string x509_superuser;
  // Whether ACLs may name the x509 scheme: true while the server serves a
  // TLS client port (ZooKeeper registers its x509 provider with TLS only).
  // The leader's check before proposing (UsesX509Acl), never Apply's.
  bool x509_acls = false;
};

// Most identities one connection may hold: each one travels in every write's
// log entry. An auth packet that would exceed it answers AUTHFAILED.
constexpr int kMaxIdentities = 64;
// Longest auth packet payload accepted (a digest identity embeds the user
// name, and identities ride in every log entry). Longer: AUTHFAILED.
// ZooKeeper has no such bound below jute.maxbuffer.
constexpr size_t kMaxAuthBytes = 4096;

// InvalidArgument (saying what is wrong) unless `superdigest` is empty or
// "user:" + 28 base64 characters (a SHA-1). For checking the flag at startup:
// ZooKeeper silently never matches a malformed one.
Status ValidateSuperDigest(std::string_view superdigest);

// The identities a new connection from `remote_address` (IPv4 dotted, or the
// IPv6 text, without port) starts with: ip:<remote_address>.
Ids ConnectionIdentities(std::string_view remote_address);
// The same for a TLS connection whose client certificate verified with
// subject DN `x509_subject` (non-empty): ip:<address>, x509:<subject>, and
// super:<subject> first when it is config.x509_superuser — what ZooKeeper's
// X509AuthenticationProvider adds when the TLS handshake completes.
Ids ConnectionIdentities(std::string_view remote_address, std::string_view x509_subject, const AuthConfig& config);

// Applies one auth packet to a connection's identities *ids:
//  - "digest", auth "user:password": adds digest:GenerateDigest(auth), and
//    super:"" first when that digest equals config.superdigest. Always OK
//    (any bytes are a valid, if useless, identity: ZooKeeper does the same);
//  - "ip": adds ip:<remote_address> (already present: no change). OK;
//  - "x509": the connection's verified certificate subject (x509_subject,
//    and super as above); AUTHFAILED without one (no TLS, no certificate);
//  - any other scheme (sasl, unknown, empty): AUTHFAILED, *ids unchanged.
//  - AUTHFAILED too if `auth` is longer than kMaxAuthBytes or the result
//    would exceed kMaxIdentities.
// Identities already present are not added twice. On AUTHFAILED ZooKeeper
// answers the packet (xid -4, error AUTHFAILED) and then closes the
// connection; the server should do the same.
proto::ErrorCode Authenticate(const AuthConfig& config, std::string_view scheme, std::string_view auth,
                              std::string_view remote_address, Ids* ids, std::string_view x509_subject = {});

// The whoAmI answer (ZooKeeper's AuthUtil.getClientInfos): one entry per
// identity, in order, scheme plus user: digest -> the user name (before the
// first ':'), ip -> the address, anything else (super) -> "".
void WhoAmI(const Ids& ids, proto::WhoAmIResponse* out);

}  // namespace arbor::auth
