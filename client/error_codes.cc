#include "client/error_codes.h"

namespace arbor::client {

std::string ErrorCodeName(proto::ErrorCode code) {
  if (proto::ErrorCode_IsValid(code)) return proto::ErrorCode_Name(code);
  return "UNKNOWN(" + std::to_string(static_cast<int>(code)) + ")";
}

namespace {

const char* Explain(proto::ErrorCode code) {
  switch (code) {
    case proto::OK: return "the operation succeeded";
    case proto::SYSTEMERROR: return "the server hit an internal error; report it with the server log";
    case proto::RUNTIMEINCONSISTENCY: return "the server found an internal inconsistency; report it with the server log";
    case proto::DATAINCONSISTENCY: return "the server found inconsistent data; report it with the server log";
    case proto::CONNECTIONLOSS:
      return "the connection to the server was lost before the answer arrived; a write may or may not "
             "have been applied, so read the node before retrying it";
    case proto::MARSHALLINGERROR: return "a request or response could not be encoded or decoded; check client and server versions";
    case proto::UNIMPLEMENTED: return "the server does not implement this operation; upgrade the server";
    case proto::OPERATIONTIMEOUT: return "the operation timed out; it may still be applied, retry after checking";
    case proto::BADARGUMENTS: return "the request has invalid arguments (path, version, size or mode); fix the call";
    case proto::UNKNOWNSESSION: return "the server does not know this session; create a new client";
    case proto::NEWCONFIGNOQUORUM: return "the new configuration has no quorum";
    case proto::RECONFIGINPROGRESS: return "a reconfiguration is in progress; retry later";
    case proto::APIERROR: return "the API was misused";
    case proto::NONODE: return "the node does not exist (or its parent does not, for a create)";
    case proto::NOAUTH: return "not authorized: the session's identities lack the needed permission; add auth or fix the ACL";
    case proto::BADVERSION: return "the version does not match the node's current version; re-read the node and retry";
    case proto::NOCHILDRENFOREPHEMERALS: return "ephemeral nodes cannot have children";
    case proto::NODEEXISTS: return "the node already exists";
    case proto::NOTEMPTY: return "the node has children; delete them first (or use deleteall)";
    case proto::SESSIONEXPIRED:
      return "the session has expired or was closed; its ephemeral nodes and watches are gone, create a new client";
    case proto::INVALIDCALLBACK: return "invalid callback";
    case proto::INVALIDACL: return "the ACL is invalid (empty, bad scheme, or auth scheme without identities)";
    case proto::AUTHFAILED: return "authentication failed; check the scheme and credentials";
    case proto::SESSIONMOVED: return "the session moved to another server; retry";
    case proto::NOTREADONLY: return "a read-only server cannot accept writes";
    case proto::EPHEMERALONLOCALSESSION: return "ephemeral nodes cannot be created on a local session";
    case proto::NOWATCHER: return "no such watch is registered for this path";
    case proto::RECONFIGDISABLED: return "reconfiguration is disabled on this ensemble";
    case proto::SESSIONCLOSEDREQUIRESASLAUTH: return "the session was closed because SASL authentication is required";
    case proto::QUOTAEXCEEDED: return "the quota under this path is exceeded";
    case proto::THROTTLEDOP:
      return "the request was throttled (too many requests in flight); wait for answers and retry";
    default: return "unknown error code; check client and server versions";
  }
}

}  // namespace

std::string ErrorCodeMessage(proto::ErrorCode code) { return ErrorCodeName(code) + ": " + Explain(code); }

bool IsTransient(proto::ErrorCode code) {
  return code == proto::CONNECTIONLOSS || code == proto::OPERATIONTIMEOUT || code == proto::THROTTLEDOP;
}

}  // namespace arbor::client
