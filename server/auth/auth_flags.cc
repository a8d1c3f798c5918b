#include "server/auth/auth_flags.h"

#include <gflags/gflags.h>

DEFINE_string(superdigest, "",
              "Super user digest \"user:base64(sha1(user:password))\", as ZooKeeper's "
              "zookeeper.DigestAuthenticationProvider.superDigest (super:test is "
              "super:D/InIHSb7yEEbrWz8b9l71RjZJU=). A client that authenticates with the "
              "matching digest passes every ACL check. Empty: no super user. Give every "
              "server of a cluster the same value.");

DEFINE_string(x509_superuser, "",
              "subject DN (RFC 2253, e.g. CN=admin,O=Example) of the client certificate that is the super user "
              "on TLS ports, as ZooKeeper's zookeeper.X509AuthenticationProvider.superUser. Empty: none.");

namespace arbor::auth {

Result<AuthConfig> AuthConfigFromFlags() {
  Status s = ValidateSuperDigest(FLAGS_superdigest);
  if (!s.ok()) return Status::InvalidArgument("--superdigest: " + s.message());
  AuthConfig config;
  config.superdigest = FLAGS_superdigest;
  config.x509_superuser = FLAGS_x509_superuser;
  return config;
}

}  // namespace arbor::auth
