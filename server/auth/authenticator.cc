#include "server/auth/authenticator.h"

#include <algorithm>

#include "server/auth/digest.h"
#include "server/auth/java_text.h"

namespace arbor::auth {
namespace {

proto::Id MakeId(std::string_view scheme, std::string_view id) {
  proto::Id out;
  out.set_scheme(std::string(scheme));
  out.set_id(std::string(id));
  return out;
}

bool Contains(const Ids& ids, const proto::Id& id) {
  return std::any_of(ids.begin(), ids.end(), [&id](const proto::Id& x) {
    return x.scheme() == id.scheme() && x.id() == id.id();
  });
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

Status ValidateSuperDigest(std::string_view superdigest) {
  if (superdigest.empty()) return Status::Ok();
  size_t colon = superdigest.find(':');
  std::string_view hash = colon == std::string_view::npos ? std::string_view() : superdigest.substr(colon + 1);
  bool ok = colon != std::string_view::npos && hash.size() == 28 && hash[27] == '=' &&
            std::all_of(hash.begin(), hash.begin() + 27, IsBase64Char);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "superdigest must be \"user:\" followed by the 28-character base64 SHA-1 of \"user:password\" "
      "(e.g. super:D/InIHSb7yEEbrWz8b9l71RjZJU= for super:test); got \"" + std::string(superdigest) + "\"");
}

Ids ConnectionIdentities(std::string_view remote_address) {
  Ids ids;
  *ids.Add() = MakeId("ip", ToValidUtf8(remote_address));
  return ids;
}

Ids ConnectionIdentities(std::string_view remote_address, std::string_view x509_subject, const AuthConfig& config) {
  Ids ids = ConnectionIdentities(remote_address);
  if (!x509_subject.empty()) Authenticate(config, "x509", "", remote_address, &ids, x509_subject);
  return ids;
}

proto::ErrorCode Authenticate(const AuthConfig& config, std::string_view scheme, std::string_view auth,
                              std::string_view remote_address, Ids* ids, std::string_view x509_subject) {
  if (auth.size() > kMaxAuthBytes) return proto::AUTHFAILED;
  std::vector<proto::Id> add;
  if (scheme == "digest") {
    std::string digest = GenerateDigest(auth);
    if (!config.superdigest.empty() && digest == config.superdigest) add.push_back(MakeId("super", ""));
    add.push_back(MakeId("digest", digest));
  } else if (scheme == "ip") {
    add.push_back(MakeId("ip", ToValidUtf8(remote_address)));
  } else if (scheme == "x509") {
    // The identity comes from the TLS handshake, never from the packet.
    if (x509_subject.empty()) return proto::AUTHFAILED;
    std::string dn = ToValidUtf8(x509_subject);
    if (!config.x509_superuser.empty() && dn == config.x509_superuser) add.push_back(MakeId("super", dn));
    add.push_back(MakeId("x509", dn));
  } else {
    return proto::AUTHFAILED;  // no such provider (ZooKeeper: ap == null)
  }
  int fresh = 0;
  for (const proto::Id& id : add) fresh += Contains(*ids, id) ? 0 : 1;
  if (ids->size() + fresh > kMaxIdentities) return proto::AUTHFAILED;
  for (proto::Id& id : add) {
    if (!Contains(*ids, id)) *ids->Add() = std::move(id);
  }
  return proto::OK;
}

void WhoAmI(const Ids& ids, proto::WhoAmIResponse* out) {
  for (const proto::Id& id : ids) {
    proto::Id* info = out->add_client_info();
    info->set_scheme(id.scheme());
    if (id.scheme() == "digest") {
      info->set_id(id.id().substr(0, id.id().find(':')));
    } else if (id.scheme() == "ip" || id.scheme() == "x509") {
      info->set_id(id.id());
    }
  }
}

}  // namespace arbor::auth
