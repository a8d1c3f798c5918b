#!/bin/bash
# kazoo's own test suite (Debian's python3-kazoo, all of it) against a 3-node
# Arbor started by kazoo_suite_plugin.py with the arbord given as $1.
# ctest runs it (ZkCompat.KazooOwnSuite); by hand:
#   test/compat/kazoo_suite.sh build/bin/arbord [extra pytest args, e.g. -k null_data]
# Exit 77 (ctest: skipped) when a needed Python module is missing.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ARBORD="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
PY=/usr/bin/python3
SUITE=/usr/lib/python3/dist-packages/kazoo/tests
for module in kazoo pytest mock objgraph; do
  if ! "$PY" -c "import $module" 2>/dev/null; then
    echo "SKIP: python3 module $module missing (deploy/install-deps.sh installs python3-$module)"
    exit 77
  fi
done
[ -d "$SUITE" ] || { echo "SKIP: $SUITE missing (Debian package python3-kazoo)"; exit 77; }
OUT="$(mktemp -d "${TMPDIR:-/tmp}/arbor-kazoo-run-XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
cd "$OUT"
ARBORD="$ARBORD" PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m pytest -p kazoo_suite_plugin -p no:cacheprovider --rootdir="$OUT" \
  -q -rfEsxX --durations=10 "$SUITE" "$@"
