// ZkClientCodec: Apache ZooKeeper's client protocol as a net::ClientCodec,
// on top of the jute codec in common/zk_wire (docs/PROTOCOL-ZK.md). One
// object per connection. It turns ZooKeeper frames into the internal
// ConnectRequest / Request and answers back in ZooKeeper's form; nothing past
// it knows the client speaks ZooKeeper.
//
// Per-connection state:
//   - whether the first 4 bytes were a four-letter word (answered as plain
//     text, then the connection closes);
//   - the handshake form (with or without the readOnly byte), to answer in it;
//   - a FIFO of (xid, ZkOpContext) for requests handed to the server: the
//     session pipeline answers strictly in request order, so the front is the
//     one being answered (a search by xid covers the error paths);
//   - requests the jute decoder rejects (sasl, reconfig, malformed bodies)
//     are answered with an error the codec makes (Decoded::kAnswered), which
//     takes the request's place in the session's pipeline: one FIFO, so
//     replies keep request order (the C client checks) and the pipeline's
//     bound covers them too. An unknown opcode is answered at once and
//     closes the connection, as ZooKeeper does (replies still pending are
//     lost with the connection).
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "server/net/client_codec.h"
#include "server/zk/four_letter_words.h"
#include "server/zk/server_facts.h"

namespace arbor::zk {

struct ZkCodecOptions {
  // jute.maxbuffer: a larger (or negative) frame closes the connection.
  size_t max_frame_bytes = 0xfffff;
  // Four-letter words answered (others get ZooKeeper's refusal text).
  std::set<std::string> four_letter_words;
  // Server facts for four-letter words; called only when one arrives, with
  // that word (lists such as watches are filled only for words showing them).
  std::function<ServerFacts(std::string_view word)> facts;
  // Shared by all connections of one listener; must outlive the codecs
  // (the options themselves are copied into each codec).
  ZkCounters* counters = nullptr;
};

std::unique_ptr<net::ClientCodec> NewZkCodec(const ZkCodecOptions& options);

}  // namespace arbor::zk
