#!/usr/bin/env bash
# Installs the Debian 12 packages Arbor's build and tests need. Idempotent:
# packages already present are left as they are. Run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libprotobuf-dev protobuf-compiler liblmdb-dev
  libgflags-dev libgoogle-glog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libedit-dev
)

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
