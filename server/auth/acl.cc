#include "server/auth/acl.h"

#include <algorithm>

#include "server/auth/ip_acl.h"
#include "server/auth/java_text.h"

namespace arbor::auth {
namespace {

bool SameAcl(const proto::Acl& a, const proto::Acl& b) {
  return a.perms() == b.perms() && a.id().scheme() == b.id().scheme() && a.id().id() == b.id().id();
}

// ZooKeeper's KerberosName parse: a name with '@' must be
// "[service][/host]@realm" with no further '/' or '@'; without '@' anything goes.
bool IsValidKerberosName(std::string_view name) {
  size_t at = name.find('@');
  if (at == std::string_view::npos) return true;
  std::string_view before = name.substr(0, at), realm = name.substr(at + 1);
  if (realm.find_first_of("/@") != std::string_view::npos) return false;
  size_t slash = before.find('/');
  return slash == std::string_view::npos || before.find('/', slash + 1) == std::string_view::npos;
}

// Whether an identity of `scheme` counts for `auth` expansion (the
// provider's isAuthenticated()).
bool IsAuthenticatedScheme(const std::string& scheme) {
  return scheme == "digest" || scheme == "sasl" || scheme == "x509";
}

// X500Principal's parse, loosely: one or more type=value attributes.
bool IsValidDistinguishedName(std::string_view dn) {
  return !dn.empty() && dn.find('=') != std::string_view::npos && dn.front() != '=' && dn.front() != ',';
}

// The provider's matches(): the identity `who` against the ACL id `acl_id`.
bool Matches(const std::string& scheme, const std::string& who, const std::string& acl_id) {
  if (scheme == "ip") return IpMatches(who, acl_id);
  if (scheme == "digest" || scheme == "sasl" || scheme == "x509") return who == acl_id;
  return false;  // no provider: nothing matches
}

// Java's "." in a regex: anything but a line terminator (\n, \r, U+0085,
// U+2028, U+2029). Returns the terminator's byte length at s[i], or 0.
size_t LineTerminatorAt(std::string_view s, size_t i) {
  if (s[i] == '\n' || s[i] == '\r') return 1;
  if (s.compare(i, 2, "\xC2\x85") == 0) return 2;
  if (s.compare(i, 3, "\xE2\x80\xA8") == 0 || s.compare(i, 3, "\xE2\x80\xA9") == 0) return 3;
  return 0;
}

}  // namespace

bool IsSuper(const Ids& ids) {
  return std::any_of(ids.begin(), ids.end(), [](const proto::Id& id) { return id.scheme() == "super"; });
}

bool CheckAcl(const AclList& acl, int32_t perm, const Ids& ids) {
  if (acl.empty() || IsSuper(ids)) return true;
  for (const proto::Acl& a : acl) {
    if ((a.perms() & perm) == 0) continue;
    const std::string& scheme = a.id().scheme();
    if (scheme == "world" && a.id().id() == "anyone") return true;
    for (const proto::Id& who : ids) {
      if (who.scheme() == scheme && Matches(scheme, who.id(), a.id().id())) return true;
    }
  }
  return false;
}

bool IsValidAclId(const proto::Id& id) {
  const std::string& scheme = id.scheme();
  if (scheme == "digest") return JavaSplit(id.id(), ':', 0).size() == 2;
  if (scheme == "ip") return IsValidIpAclId(id.id());
  if (scheme == "sasl") return IsValidKerberosName(id.id());
  // Always valid here, so every replica applies alike whatever its flags;
  // the leader refuses x509 ACLs while no TLS port is served (UsesX509Acl).
  if (scheme == "x509") return IsValidDistinguishedName(id.id());
  return false;
}

bool UsesX509Acl(const proto::Request& r) {
  auto in = [](const google::protobuf::RepeatedPtrField<proto::Acl>& acl) {
    return std::any_of(acl.begin(), acl.end(), [](const proto::Acl& a) { return a.id().scheme() == "x509"; });
  };
  if (r.has_create()) return in(r.create().acl());
  if (r.has_set_acl()) return in(r.set_acl().acl());
  if (r.has_multi()) {
    for (const auto& op : r.multi().ops()) {
      if (op.has_create() && in(op.create().acl())) return true;
    }
  }
  return false;
}

proto::ErrorCode FixupAcl(const google::protobuf::RepeatedPtrField<proto::Acl>& in, const Ids& ids,
                          AclList* out) {
  out->clear();
  AclList unique;
  for (const proto::Acl& a : in) {
    auto same = [&a](const proto::Acl& b) { return SameAcl(a, b); };
    if (std::none_of(unique.begin(), unique.end(), same)) unique.push_back(a);
  }
  if (unique.empty()) return proto::INVALIDACL;
  for (const proto::Acl& a : unique) {
    const proto::Id& id = a.id();
    if (id.scheme() == "world" && id.id() == "anyone") {
      out->push_back(a);
    } else if (id.scheme() == "auth") {
      // Expansion happens after de-duplication, so (as on ZooKeeper) the
      // result may hold the same entry twice.
      bool any = false;
      for (const proto::Id& who : ids) {
        if (!IsAuthenticatedScheme(who.scheme())) continue;
        proto::Acl expanded;
        expanded.set_perms(a.perms());
        *expanded.mutable_id() = who;
        out->push_back(std::move(expanded));
        any = true;
      }
      if (!any) return proto::INVALIDACL;
    } else if (IsValidAclId(id)) {
      out->push_back(a);
    } else {
      return proto::INVALIDACL;
    }
  }
  return proto::OK;
}

std::string MaskDigestId(std::string_view id) {
  std::string out;
  size_t i = 0;
  while (i < id.size()) {
    size_t colon = id.find(':', i);
    if (colon == std::string_view::npos) break;
    out.append(id.substr(i, colon - i));
    out.append(":x");
    i = colon + 1;
    while (i < id.size() && LineTerminatorAt(id, i) == 0) ++i;  // ".*" stops at a line end
  }
  if (i < id.size()) out.append(id.substr(i));
  return out;
}

void MaskDigests(google::protobuf::RepeatedPtrField<proto::Acl>* acl) {
  for (proto::Acl& a : *acl) {
    if (a.id().scheme() == "digest") a.mutable_id()->set_id(MaskDigestId(a.id().id()));
  }
}

}  // namespace arbor::auth
