// The admin port's JSON documents (nlohmann::json). Two kinds:
//  - from an AdminState snapshot (any thread): status, members, history;
//  - from the live replica (the loop thread only, through LoopBridge jobs):
//    a znode, the sessions with their ephemerals, watches, connections.
// Every listing is bounded (limit/offset) so one request never makes the
// loop copy an unbounded table.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "server/admin/admin_state.h"
#include "server/core/replica.h"

namespace arbor::admin {

using Json = nlohmann::json;

Json StatusJson(const AdminState& s);
Json MembersJson(const AdminState& s);
Json HistoryJson(const AdminState& s);

// Who is asking, for ACL decisions on znode data.
struct Viewer {
  std::string ip;     // the HTTP client's address (ZooKeeper's ip scheme)
  bool admin = false;  // authenticated with --admin_credentials_file: reads everything
};

struct Page {
  size_t offset = 0;
  size_t limit = 1000;
};

// ---- loop thread only ----
// 404-style {"error": ...} with the "status" member set when the path is
// invalid or missing. Data is included only when `viewer` may READ it.
Json ZnodeJson(const core::Replica& r, const std::string& path, const Viewer& viewer, const Page& children);
Json SessionsJson(const core::Replica& r, const Page& page);
Json WatchesJson(const core::Replica& r, const Page& page);
Json ConnectionsJson(const core::Replica& r);

}  // namespace arbor::admin
