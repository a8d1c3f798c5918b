#!/usr/bin/env bash
# Installs the Debian 12 packages Arbor's build and tests need. Idempotent:
# packages already present are left as they are. Run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libprotobuf-dev protobuf-compiler liblmdb-dev
  libgflags-dev libgoogle-glog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libedit-dev
  # the admin HTTP port (server/admin): HTTP server, Prometheus text serializer, JSON
  libcpp-httplib-dev prometheus-cpp-dev nlohmann-json3-dev
  libssl-dev openssl  # TLS, peer challenge (HMAC), SHA-1; the openssl CLI makes test certificates
  # test/compat: real ZooKeeper clients (zkCli.sh, the C client, kazoo)
  zookeeper zookeeper-bin libzookeeper-mt-dev python3-kazoo python3-pytest python3-mock
  python3-objgraph  # kazoo's test_cache.py (ZkCompat.KazooOwnSuite)
  # test/fault: network namespaces, partitions and loss (iproute2, iptables), clock skew (faketime)
  iproute2 iptables faketime
  # test/fuzz: libFuzzer targets, built with clang in build-fuzz/ (docs/SECURITY.md)
  clang libfuzzer-14-dev
  # the admin port's tests: a second Prometheus text parser, and headless
  # Chromium for the web console test (test/compat/console_test.*)
  python3-prometheus-client chromium
)
# The JavaScript compat test needs node and npm; a NodeSource nodejs already
# ships npm (and conflicts with Debian's npm package), so add them only if absent.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
