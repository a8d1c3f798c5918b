#!/bin/bash
# js_compat.sh HOSTS DIR : node-zookeeper-client (npm) against HOSTS.
# Installs the package into DIR (a build-local folder) once. Exits 77 (skip) only
# when npm cannot fetch it, with the reason.
set -u
HOSTS=$1
DIR=$2
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$DIR"
if [ ! -d "$DIR/node_modules/node-zookeeper-client" ]; then
  cp "$HERE/js_package.json" "$DIR/package.json"
  if ! (cd "$DIR" && timeout 120 npm install --silent --no-audit --no-fund >"$DIR/npm.log" 2>&1); then
    echo "SKIP: npm could not install node-zookeeper-client (registry unreachable?):"
    tail -5 "$DIR/npm.log"
    exit 77
  fi
fi
cd "$DIR" && exec node "$HERE/js_compat.js" "$HOSTS"
