// A scriptable stand-in for arbord speaking the native protocol, for client
// tests: plain sockets on 127.0.0.1 (OS-chosen port), one thread per server,
// a tiny non-atomic in-memory tree. Several FakeServers can share one
// FakeEnsemble (sessions, tree, zxid), so a client can move between them
// with the same session.
//
// Scripting: a request hook can answer normally, delay the answer (later
// answers wait behind it: order is kept), stay silent, or drop the
// connection; tests can also push watch events, drop connections, expire
// sessions and make a server refuse handshakes (as one behind the client's
// zxid would). Everything it received is recorded for assertions.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proto/client.pb.h"

namespace arbor::client::testing {

struct FakeEnsemble {
  struct Node {
    std::string data;
    int32_t version = 0;
    int32_t cversion = 0;
    int64_t czxid = 0, mzxid = 0;
    int64_t ephemeral_owner = 0;
  };
  std::mutex mu;
  std::map<std::string, Node> nodes{{"/", Node{}}};
  int64_t zxid = 0;
  std::map<int64_t, std::string> sessions;  // live sessions: id -> password
  int64_t next_session_id = 0x1000;

  // Forgets the session: its next handshake is answered SESSIONEXPIRED.
  void Expire(int64_t session_id);
};

class FakeServer {
 public:
  enum class Reply { kAnswer, kDelay, kSilent, kDrop };
  struct Action {
    Reply reply = Reply::kAnswer;
    int delay_ms = 0;
  };
  // Called on the server thread for every request, pings included.
  using Hook = std::function<Action(const proto::Request&)>;

  explicit FakeServer(std::shared_ptr<FakeEnsemble> ensemble);
  ~FakeServer();  // Stop()
  void Stop();    // closes the listener and every connection, joins the thread

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // ---- Scripting (any thread) ----
  void SetHook(Hook hook);
  // Queues `event` to every attached connection and returns once the server
  // thread has queued it (so a request sent afterwards is answered after it).
  void SendEvent(const proto::WatchEvent& event);
  void DropConnections();
  void set_negotiated_timeout_ms(int32_t ms) { negotiated_timeout_ms_ = ms; }
  // Refuse every handshake with CONNECTIONLOSS and close (a stale server).
  void set_refuse_handshakes(bool on) { refuse_handshakes_ = on; }
  // Accept connections but never answer handshakes.
  void set_ignore_handshakes(bool on) { ignore_handshakes_ = on; }

  // ---- Observations (any thread) ----
  std::vector<proto::Request> requests() const;  // every request but pings, in arrival order
  std::vector<proto::ConnectRequest> handshakes() const;
  int pings() const { return pings_.load(); }
  int attached_connections() const { return attached_.load(); }
  // Waits until pred() holds (re-checked as frames arrive), up to timeout_ms.
  bool WaitUntil(const std::function<bool()>& pred, int64_t timeout_ms) const;

 private:
  struct Conn;
  void Run();
  void Wake();
  void Accept();
  bool ReadFrom(Conn* c);
  bool HandleFrame(Conn* c, const std::string& payload);
  bool HandleHandshake(Conn* c, const proto::ConnectRequest& req);
  proto::Response Execute(const proto::Request& req, int64_t session_id);
  void Queue(Conn* c, const std::string& frame_payload, int delay_ms);
  bool Flush(Conn* c, int64_t now_ms);
  int64_t NextDue() const;
  void CloseConn(Conn* c);

  std::shared_ptr<FakeEnsemble> ens_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int32_t> negotiated_timeout_ms_{0};  // 0: grant what was asked
  std::atomic<bool> refuse_handshakes_{false};
  std::atomic<bool> ignore_handshakes_{false};
  std::atomic<int> pings_{0};
  std::atomic<int> attached_{0};

  mutable std::mutex mu_;  // guards the fields below and commands
  mutable std::condition_variable cv_;
  Hook hook_;
  std::vector<proto::Request> requests_;
  std::vector<proto::ConnectRequest> handshakes_;
  std::vector<proto::WatchEvent> pending_events_;
  uint64_t events_requested_ = 0;
  uint64_t events_queued_ = 0;
  bool drop_requested_ = false;

  std::vector<std::unique_ptr<Conn>> conns_;  // server thread only
};

}  // namespace arbor::client::testing
