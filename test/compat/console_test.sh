#!/bin/bash
# console_test.sh DIR SCREENSHOT URL... : the admin web console in headless
# Chromium (Debian's chromium, driven by playwright-core from npm, installed
# into DIR, a build-local folder, once). Exits 77 (skip) only when chromium
# is not installed, with the reason.
set -u
DIR=$1
shift
HERE="$(cd "$(dirname "$0")" && pwd)"
CHROMIUM=${ARBOR_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "SKIP: $CHROMIUM is not installed (deploy/install-deps.sh installs Debian's chromium)"
  exit 77
fi
mkdir -p "$DIR"
if [ ! -d "$DIR/node_modules/playwright-core" ]; then
  cp "$HERE/console_package.json" "$DIR/package.json"
  if ! (cd "$DIR" && timeout 180 npm install --silent --no-audit --no-fund >"$DIR/npm.log" 2>&1); then
    echo "FAIL: npm could not install playwright-core:"
    tail -5 "$DIR/npm.log"
    exit 1
  fi
fi
cd "$DIR" && exec node "$HERE/console_test.js" "$CHROMIUM" "$@"
