// Everything a Client is configured with. Defaults suit a production
// ensemble; tests shorten the timeouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "client/session_state_machine.h"
#include "client/watch_registry.h"

namespace arbor::client {

// Called on the event thread for every session state change, in order.
using SessionListener = std::function<void(SessionState from, SessionState to)>;

struct ClientOptions {
  // "host1:port,host2:port[/chroot]".
  std::string connect_string;
  // Overrides a chroot given in the connect string ("" = keep that one).
  std::string chroot;
  // Requested session timeout; the server may negotiate it.
  int32_t session_timeout_ms = 10000;
  // Seed for shuffling the hosts; 0 picks a random one.
  uint64_t shuffle_seed = 0;
  // Resume an existing session (0 = start a new one).
  int64_t session_id = 0;
  std::string session_password;

  SessionListener session_listener;

  // Requests submitted and not yet answered. Past it a submission waits up
  // to in_flight_wait_ms for a slot, then fails with THROTTLEDOP.
  size_t max_in_flight = 4096;
  int64_t in_flight_wait_ms = 10000;
  // Largest frame sent or accepted (requests larger fail with BADARGUMENTS;
  // a larger frame from a server drops the connection).
  size_t max_frame_bytes = (1 << 20) + (64 << 10);
  size_t max_watches = 1 << 20;
  // How many times an idempotent read is re-sent after connection losses
  // before it fails with CONNECTIONLOSS.
  int max_read_retries = 3;
  // A request that could not even be sent (no connection) for this long
  // fails with CONNECTIONLOSS; 0 means the session timeout. Requests already
  // sent are answered, or fail when their connection drops.
  int64_t unsent_timeout_ms = 0;

  // Reconnect pacing (see SessionTiming). attempt_timeout_ms = 0 derives it
  // from the session timeout and host count, as ZooKeeper does.
  int64_t attempt_timeout_ms = 0;
  int64_t backoff_initial_ms = 20;
  int64_t backoff_max_ms = 1000;
  // Timer granularity of the loop; 0 derives it from the session timeout.
  int64_t tick_ms = 0;

  // TLS to the servers' --secure_client_port (docs/SECURITY.md). The
  // server's certificate must verify against tls_ca_file (the system's CAs
  // when empty) and be valid for the host named in the connect string.
  // A client certificate (cert and key) becomes the session's x509 identity.
  bool tls = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

}  // namespace arbor::client
