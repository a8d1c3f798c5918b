// Group membership: each live member owns an EPHEMERAL node `<dir>/<id>`
// (so a member whose session ends leaves by itself), and watchers keep the
// current member list with a change callback.
//
//   GroupMember me(client, "/svc/members", "host-a", "10.0.0.5:8080");
//   me.Join();
//   GroupWatcher w(client, events.get(), "/svc/members", [](const std::vector<std::string>& ids) {...});
//   w.Start();
//
// A member whose session EXPIRED is out of the group; it must Join again
// with a new Client. Two members with one id: the second Join gets NODEEXISTS.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/recipes/session_events.h"

namespace arbor::client::recipes {

class GroupMember {
 public:
  GroupMember(Client* client, std::string dir, std::string id, std::string data = "")
      : client_(client), dir_(std::move(dir)), id_(std::move(id)), data_(std::move(data)) {}
  ~GroupMember();  // leaves if joined (best effort)

  // NODEEXISTS when the id is taken by another session; OK when this
  // session already owns it (a create whose answer was lost).
  proto::ErrorCode Join();
  proto::ErrorCode Leave();
  const std::string& id() const { return id_; }

  // The members' ids, sorted; NONODE-free (an absent dir is an empty group).
  static OpResult<std::vector<std::string>> Members(Client* client, const std::string& dir);

 private:
  Client* const client_;
  const std::string dir_;
  const std::string id_;
  const std::string data_;
  bool joined_ = false;
};

class GroupWatcher {
 public:
  // Runs on the event thread (or the Start caller's thread) after each
  // change, with the full sorted member list.
  using Listener = std::function<void(const std::vector<std::string>& members)>;

  GroupWatcher(Client* client, SessionEvents* events, std::string dir, Listener listener);
  ~GroupWatcher();

  proto::ErrorCode Start();
  std::vector<std::string> Current() const;

 private:
  struct State;
  static proto::ErrorCode Refresh(Client* client, const std::shared_ptr<State>& state);

  Client* const client_;
  SessionEvents* const events_;
  std::shared_ptr<State> state_;
  int64_t subscription_ = 0;
};

}  // namespace arbor::client::recipes
