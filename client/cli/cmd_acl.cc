// getAcl, setAcl, addauth, whoami: passed through to the server, whose
// answer is printed as is (enforcement is the server's business).
#include "client/cli/format.h"
#include "client/cli/shell.h"

namespace arbor::cli {
namespace {

void AclJson(JsonWriter* w, const std::vector<proto::Acl>& acl) {
  w->Key("acl").BeginArray();
  for (const proto::Acl& a : acl) {
    w->BeginObject().Key("scheme").String(a.id().scheme()).Key("id").String(a.id().id());
    w->Key("perms").String(PermString(a.perms())).EndObject();
  }
  w->EndArray();
}

int GetAcl(Shell& sh, const Args& a) {
  const std::string& path = a.pos[0];
  auto r = sh.client()->GetAcl(path);
  if (!r.ok()) return sh.Fail("getAcl " + path, r.code());
  std::vector<proto::Acl> acl(r->acl().begin(), r->acl().end());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path);
    AclJson(&w, acl);
    StatJson(&w, r->stat());
    sh.OutJson(w.EndObject());
  } else {
    sh.Out((a.Has('s') ? StatText(r->stat()) : "") + AclText(acl));
  }
  return kExitOk;
}

int SetAcl(Shell& sh, const Args& a) {
  const Command& cmd = *sh.Find("setAcl");
  auto acl = ParseAcl(a.pos[1]);
  if (!acl.ok()) return sh.UsageError(cmd, acl.status().message());
  int32_t version = -1;
  if (a.Has('v')) {
    auto v = ParseInt(a.Get('v'), -1, INT32_MAX, "acl version");
    if (!v.ok()) return sh.UsageError(cmd, v.status().message());
    version = static_cast<int32_t>(*v);
  }
  const std::string& path = a.pos[0];
  auto r = sh.client()->SetAcl(path, *acl, version);
  if (!r.ok()) return sh.Fail("setAcl " + path, r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("path").String(path);
    StatJson(&w, r.value());
    sh.OutJson(w.EndObject());
  } else if (a.Has('s')) {
    sh.Out(StatText(r.value()));
  }
  return kExitOk;
}

int AddAuth(Shell& sh, const Args& a) {
  auto r = sh.client()->AddAuth(a.pos[0], a.pos.size() > 1 ? a.pos[1] : "");
  if (!r.ok()) return sh.Fail("addauth " + a.pos[0], r.code());
  if (sh.json()) {
    JsonWriter w;
    sh.OutJson(w.BeginObject().Key("ok").Bool(true).Key("scheme").String(a.pos[0]).EndObject());
  }
  return kExitOk;
}

int WhoAmI(Shell& sh, const Args&) {
  auto r = sh.client()->WhoAmI();
  if (!r.ok()) return sh.Fail("whoami", r.code());
  if (sh.json()) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("ids").BeginArray();
    for (const proto::Id& id : r.value()) w.BeginObject().Key("scheme").String(id.scheme()).Key("id").String(id.id()).EndObject();
    sh.OutJson(w.EndArray().EndObject());
    return kExitOk;
  }
  std::string text = "Auth scheme: User\n";
  for (const proto::Id& id : r.value()) text += id.scheme() + ": " + id.id() + "\n";
  sh.Out(text);
  return kExitOk;
}

}  // namespace

void AddAclCommands(std::vector<Command>* out) {
  out->push_back({"getAcl", "s", "getAcl [-s] PATH", "print a node's ACL (-s with its stat)", 1, 1, true, GetAcl});
  out->push_back({"setAcl", "sv:", "setAcl [-s] [-v ACL_VERSION] PATH SCHEME:ID:PERMS[,...]",
                  "replace a node's ACL, e.g. world:anyone:cdrwa or digest:bob:HASH:cdr", 2, 2, true, SetAcl});
  out->push_back({"addauth", "", "addauth SCHEME AUTH", "add credentials to the session, e.g. addauth digest bob:secret",
                  1, 2, true, AddAuth});
  out->push_back({"whoami", "", "whoami", "list the identities of this session", 0, 0, true, WhoAmI});
}

}  // namespace arbor::cli
