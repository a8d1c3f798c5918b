// One TCP connection on the server's libuv loop: moves bytes, nothing else.
//
// The connection reads into an input buffer and hands it to its
// ConnectionHandler (a protocol codec/session layer), which consumes whole
// frames and leaves partial ones. Writes are queued and coalesced: while one
// uv_write is in flight, later writes accumulate and go out together in one
// writev. Both directions are bounded: input beyond max_input_bytes without a
// complete frame, or an output queue beyond max_output_bytes, closes the
// connection; a handler applies back-pressure with PauseReading().
//
// Threading: every method runs on the loop thread. Lifetime: a Connection is
// owned by its TcpListener and freed in libuv's close callback, after the
// handler's OnClose; callers that may outlive it keep its id(), not a pointer.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/net/link.h"

namespace arbor::net {

class ClientBudget;

struct ConnectionLimits {
  // Bytes buffered from the peer that the handler has not consumed. Must
  // exceed the largest frame a protocol accepts.
  size_t max_input_bytes = (1 << 20) + (64 << 10);
  // Bytes queued for the peer and not yet written: a client that stops
  // reading is cut off here rather than growing the server's memory.
  size_t max_output_bytes = 64 << 20;
  // A graceful close waits this long for the peer to read the last replies,
  // then cuts the connection (0: no deadline).
  int close_flush_timeout_ms = 2000;
  // Shared by the server's client connections (not owned; may be null):
  // their output counts toward its total.
  ClientBudget* budget = nullptr;
};

class Connection : public Link {
 public:
  Connection(uv_loop_t* loop, Id id, ConnectionLimits limits);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Id id() const override { return id_; }
  const std::string& peer() const override { return peer_; }
  uv_tcp_t* tcp() { return &tcp_; }

  // Learns the peer's address (peer() is "?" before).
  void Accepted();
  // Installs the handler (not owned; must outlive the connection or be
  // released in OnClose) and starts reading.
  void Start(ConnectionHandler* handler);

  // Queues bytes for the peer. Returns false (and closes) if the output
  // queue would exceed its bound.
  bool Write(std::string bytes) override;

  // Flow control from the handler: stop/restart reading from the socket.
  void PauseReading() override;
  void ResumeReading() override;
  bool reading() const { return reading_; }
  // Hands input already buffered (left while the handler was applying
  // back-pressure) to the handler again, without waiting for new bytes.
  void ProcessBuffered() override;

  // Closes after queued output is written (graceful) or at once. `why` is
  // passed to the handler's OnClose.
  void Close(const Status& why, bool flush_first = false) override;
  bool closing() const override { return closing_; }

  size_t output_queued_bytes() const override { return queued_bytes_ + inflight_bytes_; }

  // The budget chose this connection as the slowest reader: its output is
  // discarded now (and no longer counted) and it closes on the next loop
  // turn, so no handler runs inside another connection's write.
  void Drop(const Status& why);
  bool dropping() const { return dropping_ || closing_; }

  // Called once libuv has released the handle; the owner frees the object.
  std::function<void(Connection*)> on_released;

 private:
  static void AllocCb(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void WriteCb(uv_write_t* req, int status);
  static void CloseCb(uv_handle_t* h);
  static void TimerCb(uv_timer_t* t);

  void StartWrite();
  void FinishClose();
  // The output leaves the budget's count (written, discarded or released).
  void Unqueue(size_t bytes);

  uv_tcp_t tcp_;
  // Closes a dropped connection on the next turn, or a graceful close that
  // the peer does not read in time.
  uv_timer_t timer_;
  int open_handles_ = 2;
  Id id_;
  ConnectionLimits limits_;
  ConnectionHandler* handler_ = nullptr;
  std::string peer_;
  std::string input_;
  char read_chunk_[64 << 10];

  std::deque<std::string> queued_;  // waiting for the next writev
  size_t queued_bytes_ = 0;
  std::vector<std::string> inflight_;  // owned by the current uv_write
  size_t inflight_bytes_ = 0;
  uv_write_t write_req_;
  bool writing_ = false;

  bool reading_ = false;
  bool closing_ = false;
  bool close_after_flush_ = false;
  bool dropping_ = false;
  bool counted_ = true;  // this connection's output is in the budget's total
  Status close_reason_;
};

}  // namespace arbor::net
