// How the shell shows znode metadata, ACLs, events and errors, in text
// (zkCli's layout) and JSON.
#pragma once

#include <string>
#include <vector>

#include "client/cli/json_writer.h"
#include "common/status.h"
#include "proto/client.pb.h"

namespace arbor::cli {

// zkCli's "cZxid = 0x..." block, one field per line.
std::string StatText(const proto::Stat& s);
// Adds "stat": {...} to an open object.
void StatJson(JsonWriter* w, const proto::Stat& s);

// "cdrwa" letters of a permission mask (ZooKeeper's order).
std::string PermString(int32_t perms);
// "'world,'anyone\n: cdrwa\n" per entry, as zkCli prints getAcl.
std::string AclText(const std::vector<proto::Acl>& acl);
// "scheme:id:perms[,scheme:id:perms...]"; the id may itself contain ':'
// (digest user:hash), so the scheme ends at the first ':' and the perms
// start after the last one.
Result<std::vector<proto::Acl>> ParseAcl(const std::string& spec);

// "WatchedEvent state:SyncConnected type:NodeDataChanged path:/a zxid:0x5".
std::string EventText(const proto::WatchEvent& e);
std::string EventTypeName(proto::EventType t);

// A hint of what to do after `code`, in shell terms ("" when the code's own
// message already says it).
std::string Hint(proto::ErrorCode code);

}  // namespace arbor::cli
