// Builds AuthConfig from command-line flags (--superdigest). Kept apart from
// arbor_auth so the rules stay free of gflags; only the server binary links it.
#pragma once

#include "common/status.h"
#include "server/auth/authenticator.h"

namespace arbor::auth {

// The config from --superdigest, or InvalidArgument (see ValidateSuperDigest)
// when the flag is malformed: the server should refuse to start with it.
Result<AuthConfig> AuthConfigFromFlags();

}  // namespace arbor::auth
