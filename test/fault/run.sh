#!/usr/bin/env bash
# The fault suite (docs/RELIABILITY.md "Fault suite"). Run as root (network
# namespaces, iptables); needs deploy/install-deps.sh's packages.
#
#   test/fault/run.sh --short               # the CI run: ~1.5 min, every nemesis
#   test/fault/run.sh --minutes 30          # the long run: 5 nodes, every nemesis mixed at random
#   test/fault/run.sh --seed 1234 ...       # replay a run's fault schedule
#   test/fault/run.sh --minutes 2 --nemeses partition-leader,pause-follower-session --workloads lock
#
# Other arguments go to harness/fault_run.py (--help). Results: --out, by
# default /tmp/arbor-fault/<seed>/ (report.md, report.json, plot.svg,
# faults.jsonl, history/, cluster/ with every server's log).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${ARBOR_BUILD_DIR:-$repo/build}"
args=()
profile=long
while [ $# -gt 0 ]; do
  case "$1" in
    --short) profile=short ;;
    --bin) shift; build="$(cd "$1/.." && pwd)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
for tool in ip iptables; do
  command -v "$tool" >/dev/null || echo "fault: $tool missing (apt-get install iproute2 iptables); falling back to TCP proxies"
done
if [ ! -x "$build/bin/arbor-fault-native" ] || [ ! -x "$build/bin/arbord" ] || [ ! -x "$build/bin/arbor-fault-check" ]; then
  cmake --build "$build" --target arbord arbor-fault-native arbor-fault-check
fi
if [ "$profile" = short ]; then
  set -- --seconds 60 --nodes 3 --nemeses ci "${args[@]+"${args[@]}"}"
else
  set -- --nodes 5 --nemeses all "${args[@]+"${args[@]}"}"
fi
exec /usr/bin/python3 "$here/harness/fault_run.py" --bin "$build/bin" "$@"
