#!/usr/bin/env bash
# A 3-node Arbor cluster on 127.0.0.1 from conf/cluster-N.flags.
#
#   deploy/local-cluster.sh start|stop|status
#   deploy/local-cluster.sh start-one N|stop-one N|kill-one N
#
# Data and logs go under $ARBOR_DATA (default ./data): node N keeps its data in
# $ARBOR_DATA/nodeN, its log in $ARBOR_DATA/nodeN.log and its pid in
# $ARBOR_DATA/nodeN.pid. Only recorded pids are ever signalled. Build first
# (./test/run.sh or deploy/quickstart.sh); $ARBORD overrides the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

ARBOR_DATA="${ARBOR_DATA:-./data}"
ARBORD="${ARBORD:-build/bin/arbord}"
NODES=(1 2 3)

pidfile() { echo "$ARBOR_DATA/node$1.pid"; }
alive() { local f; f=$(pidfile "$1"); [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
client_port() { sed -n 's/^--client_port=//p' "conf/cluster-$1.flags"; }

start_one() {
  local n=$1
  if alive "$n"; then echo "node $n already running (pid $(cat "$(pidfile "$n")"))"; return; fi
  [ -x "$ARBORD" ] || { echo "no $ARBORD: build first (./test/run.sh)"; exit 1; }
  mkdir -p "$ARBOR_DATA"
  nohup "$ARBORD" --flagfile="conf/cluster-$n.flags" --data_dir="$ARBOR_DATA/node$n" \
    >>"$ARBOR_DATA/node$n.log" 2>&1 &
  echo $! >"$(pidfile "$n")"
  echo "node $n started (pid $!, client port $(client_port "$n"), log $ARBOR_DATA/node$n.log)"
}

stop_one() {
  local n=$1 sig=${2:-TERM}
  if ! alive "$n"; then echo "node $n not running"; rm -f "$(pidfile "$n")"; return; fi
  local pid; pid=$(cat "$(pidfile "$n")")
  kill "-$sig" "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$(pidfile "$n")"
  echo "node $n stopped (SIG$sig)"
}

status_one() {
  local n=$1 st="$ARBOR_DATA/node$1/status"
  if ! alive "$n"; then echo "node $n: down"; return; fi
  if [ -f "$st" ]; then echo "node $n: $(cat "$st") (pid $(cat "$(pidfile "$n")"), client port $(client_port "$n"))"
  else echo "node $n: starting (pid $(cat "$(pidfile "$n")"))"; fi
}

case "${1:-}" in
  start) for n in "${NODES[@]}"; do start_one "$n"; done ;;
  stop) for n in "${NODES[@]}"; do stop_one "$n"; done ;;
  status) for n in "${NODES[@]}"; do status_one "$n"; done ;;
  start-one) start_one "${2:?node number}" ;;
  stop-one) stop_one "${2:?node number}" ;;
  kill-one) stop_one "${2:?node number}" KILL ;;
  *) echo "usage: $0 start|stop|status|start-one N|stop-one N|kill-one N"; exit 2 ;;
esac
