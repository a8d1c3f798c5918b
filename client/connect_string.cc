#include "client/connect_string.h"

#include <random>

namespace arbor::client {
namespace {

Status ValidateChroot(std::string_view c) {
  if (c.empty()) return Status::Ok();
  if (c.front() != '/') return Status::InvalidArgument("chroot '" + std::string(c) + "' must start with '/'");
  if (c.size() > 1 && c.back() == '/') {
    return Status::InvalidArgument("chroot '" + std::string(c) + "' must not end with '/'");
  }
  if (c.find("//") != std::string_view::npos) {
    return Status::InvalidArgument("chroot '" + std::string(c) + "' has an empty path component");
  }
  return Status::Ok();
}

Result<HostPort> ParseHost(std::string_view part) {
  size_t colon = part.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("'" + std::string(part) + "' is not host:port");
  }
  std::string_view port = part.substr(colon + 1);
  if (port.empty() || port.size() > 5) {
    return Status::InvalidArgument("'" + std::string(part) + "' has no valid port");
  }
  uint32_t p = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9') return Status::InvalidArgument("'" + std::string(part) + "' has a non-numeric port");
    p = p * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (p == 0 || p > 65535) return Status::InvalidArgument("'" + std::string(part) + "': port must be 1..65535");
  std::string_view host = part.substr(0, colon);
  // "[::1]:2181" style IPv6 literals.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return HostPort{std::string(host), static_cast<uint16_t>(p)};
}

}  // namespace

Result<ConnectString> ParseConnectString(std::string_view spec, std::string_view chroot) {
  ConnectString out;
  size_t slash = spec.find('/');
  std::string_view hosts = spec.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view c = spec.substr(slash);
    out.chroot = c == "/" ? "" : std::string(c);
  }
  if (!chroot.empty()) out.chroot = chroot == "/" ? "" : std::string(chroot);
  ARBOR_RETURN_IF_ERROR(ValidateChroot(out.chroot));
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    if (comma == std::string_view::npos) comma = hosts.size();
    std::string_view part = hosts.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) {
      Result<HostPort> hp = ParseHost(part);
      if (!hp.ok()) return hp.status();
      if (out.hosts.size() == kMaxHosts) {
        return Status::InvalidArgument("connect string lists more than " + std::to_string(kMaxHosts) + " hosts");
      }
      out.hosts.push_back(std::move(hp).value());
    }
    start = comma + 1;
  }
  if (out.hosts.empty()) {
    return Status::InvalidArgument("connect string '" + std::string(spec) + "' names no host:port");
  }
  return out;
}

void ShuffleHosts(std::vector<HostPort>* hosts, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = hosts->size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng() % i);
    std::swap((*hosts)[i - 1], (*hosts)[j]);
  }
}

std::string Chroot::ToServer(const std::string& client_path) const {
  if (root_.empty()) return client_path;
  if (client_path == "/") return root_;
  return root_ + client_path;
}

bool Chroot::IsUnder(const std::string& server_path) const {
  if (root_.empty()) return true;
  if (server_path.compare(0, root_.size(), root_) != 0) return false;
  return server_path.size() == root_.size() || server_path[root_.size()] == '/';
}

std::string Chroot::ToClient(const std::string& server_path) const {
  if (root_.empty() || !IsUnder(server_path)) return server_path;
  if (server_path.size() == root_.size()) return "/";
  return server_path.substr(root_.size());
}

}  // namespace arbor::client
