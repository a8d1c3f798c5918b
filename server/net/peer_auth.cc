#include "server/net/peer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <glog/logging.h>

namespace arbor::net {
namespace {

// Length-prefixed, so no two transcripts encode alike.
void Put(std::string_view field, std::string* out) {
  uint32_t n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((n >> shift) & 0xff));
  out->append(field.data(), field.size());
}

}  // namespace

std::string ComputePeerProof(std::string_view secret, const PeerTranscript& t, PeerRole role) {
  std::string msg;
  Put("arbor-peer-v1", &msg);
  Put(role == PeerRole::kDialer ? "dialer" : "acceptor", &msg);
  Put(t.cluster_name, &msg);
  Put(std::to_string(t.dialer_id), &msg);
  Put(std::to_string(t.acceptor_id), &msg);
  Put(t.dialer_nonce, &msg);
  Put(t.acceptor_nonce, &msg);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len) == nullptr) {
    LOG(FATAL) << "HMAC-SHA256 failed";  // only without a working libcrypto
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

bool PeerProofMatches(std::string_view expected, std::string_view received) {
  return expected.size() == received.size() && !expected.empty() &&
         CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

std::string NewPeerNonce() {
  std::string nonce(kPeerNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size())) != 1) {
    LOG(FATAL) << "RAND_bytes failed: no entropy for the peer challenge";
  }
  return nonce;
}

Result<std::string> LoadPeerSecret(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::InvalidArgument("cannot read the peer secret file " + path);
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument("peer secret file " + path +
                                   " can be read by group or others: chmod 600 it (it lets its holder act as "
                                   "any member of the cluster)");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::InvalidArgument("cannot read the peer secret file " + path);
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ' ||
                             secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.size() < kMinPeerSecretBytes) {
    return Status::InvalidArgument("peer secret in " + path + " is shorter than " +
                                   std::to_string(kMinPeerSecretBytes) +
                                   " bytes (e.g. openssl rand -hex 32 > " + path + ")");
  }
  return secret;
}

}  // namespace arbor::net
