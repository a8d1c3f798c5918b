// Proof of cluster membership on the peer port: a challenge-response over a
// shared secret (--peer_secret_file), with OpenSSL's HMAC-SHA256.
//
//   dialer A -> acceptor B: PeerHello{A, cluster, nonce_a, to=B}
//   B -> A: PeerChallenge{B, nonce_b, proof_b}   B checks A is a member first
//   A -> B: PeerProof{proof_a}                   A checks proof_b first
//   proof_x = HMAC-SHA256(secret, "arbor-peer-v1" | role x | cluster | A | B | nonce_a | nonce_b)
//
// Both nonces make a proof useless on any other connection (no replay);
// both ids and the role make it useless for any other pair or direction (a
// member cannot reflect B's proof back to B, nor pass A's off as C's).
// The secret never crosses the wire. This authenticates, it does not
// encrypt: use --peer_tls for confidentiality (docs/SECURITY.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor::net {

constexpr size_t kPeerNonceBytes = 32;
// Shortest secret accepted: 128 bits even if it is random bytes.
constexpr size_t kMinPeerSecretBytes = 16;

enum class PeerRole { kDialer, kAcceptor };

// What both proofs cover.
struct PeerTranscript {
  std::string cluster_name;
  uint64_t dialer_id = 0;
  uint64_t acceptor_id = 0;
  std::string dialer_nonce;
  std::string acceptor_nonce;
};

// The 32-byte HMAC-SHA256 proof of `role` over `t` keyed with `secret`.
std::string ComputePeerProof(std::string_view secret, const PeerTranscript& t, PeerRole role);

// Constant-time comparison of a received proof with the expected one.
bool PeerProofMatches(std::string_view expected, std::string_view received);

// kPeerNonceBytes fresh random bytes (OpenSSL's CSPRNG).
std::string NewPeerNonce();

// Reads the secret from `path`: its bytes without trailing whitespace (a
// file written with echo works). InvalidArgument if the file cannot be read,
// is shorter than kMinPeerSecretBytes, or can be read by group or others
// (the secret lets its holder act as any member).
Result<std::string> LoadPeerSecret(const std::string& path);

}  // namespace arbor::net
