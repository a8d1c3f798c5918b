#!/usr/bin/env bash
# compare.sh: Arbor against Apache ZooKeeper 3.8 on this machine, in one run,
# with one tool (arbor-bench on ZooKeeper's wire protocol, so both servers see
# the same bytes), fsync on in both (ZooKeeper's default forceSync=yes; Arbor
# always syncs before acknowledging).
#
#   test/bench/compare.sh                  # every workload (~25 min)
#   WORKLOADS="W1 R1" SECS=10 test/bench/compare.sh
#
# Workloads (WORKLOADS, default "L1 W1 R1 M1 lock S1 C1"; "SWEEP" adds the
# client-thread sweep):
#   L1    1 session x 1 in flight, every op in turn (create set get exists
#         children delete multi lock watch): latency per op
#   W1    16 sessions x 32 in flight, setData 256 B over 10,000 keys
#   R1    the same with getData
#   M1    90% getData / 10% setData
#   lock  ephemeral-sequential create + delete (zkload's lock)
#   S1    fresh clusters: 1,000,000 znodes (64-byte paths, 256 B data); memory
#         per znode beyond data and names (Arbor: process anonymous memory;
#         ZooKeeper: live heap after a full GC), snapshot size and time,
#         longest request stall under W1 while snapshots are written, restart
#         time of the whole ensemble to serving
#   C1    10,000 idle sessions (heartbeats only, 10 s timeout) on one server
#         plus W1: sessions lost, W1 against W1 alone, memory per idle session
#   SWEEP W1 and R1 with 1, 2 and 4 client threads (is the client the limit?)
# Pairs run back to back (ZooKeeper, then Arbor) so both see the same machine
# load; every result is a JSON line in $OUT/results.jsonl, which report.py
# turns into the ratio table and the SVG charts ($OUT/table.md, $OUT/*.svg).
#
# Env: BUILD (build), OUT (/tmp/arbor-compare), SECS (15), WARM (5),
#      ZK_HEAP (2g, fixed: -Xms = -Xmx), ZKREF (../shared/zkref),
#      S1_NODES (1000000), C1_IDLE (10000), THREADS (2, client threads).
# Servers listen on 127.0.0.1 only. Only pids this script started are
# signalled; everything is stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
BENCH="$BUILD/bin/arbor-bench"
ARBORD="$BUILD/bin/arbord"
ZKREF="${ZKREF:-$ROOT/../shared/zkref}"
OUT="${OUT:-/tmp/arbor-compare}"
SECS="${SECS:-15}"
WARM="${WARM:-5}"
THREADS="${THREADS:-2}"
WORKLOADS="${WORKLOADS:-L1 W1 R1 M1 lock S1 C1}"
S1_NODES="${S1_NODES:-1000000}"
C1_IDLE="${C1_IDLE:-10000}"
export ZK_HEAP="${ZK_HEAP:-2g}"
export ZK_JVM_OPTS="${ZK_JVM_OPTS:--Xms$ZK_HEAP}"
export ZK_BASE="$OUT/zk"
export ZK_CLIENT_PORT_BASE=32181 ZK_PEER_PORT_BASE=32880 ZK_ELECTION_PORT_BASE=33880
ARBOR_BASE=31000  # node i: client BASE+10i+1, peer +2, ZooKeeper port +3
ZK_HOSTS="127.0.0.1:32181,127.0.0.1:32182,127.0.0.1:32183"
ARBOR_HOSTS="127.0.0.1:31013,127.0.0.1:31023,127.0.0.1:31033"
ARBOR_DATA="$OUT/arbor"
RES="$OUT/results.jsonl"

case "$OUT" in /tmp/*) ;; *) echo "OUT must be under /tmp (zkctl.sh cleans only there)" >&2; exit 2 ;; esac
for f in "$BENCH" "$ARBORD" "$ZKREF/zkctl.sh"; do
  [ -e "$f" ] || { echo "missing $f (build first: cmake --build build --target arbord arbor-bench)" >&2; exit 2; }
done
mkdir -p "$OUT"
: > "$RES"
log() { echo "[$(date +%T)] $*" >&2; }

# ---- the machine ---------------------------------------------------------------
note() { python3 - "$RES" "$@" <<'EOF'
import json, sys
out = sys.argv[1]; d = {"note": sys.argv[2]}
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    try: d[k] = json.loads(v)
    except Exception: d[k] = v
open(out, "a").write(json.dumps(d) + "\n")
EOF
}
note machine "date=$(date -u +%FT%TZ)" "host=$(hostname)" "cpus=$(nproc)" \
  "cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
  "mem_gb=$(free -g | awk '/Mem:/{print $2}')" "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)" \
  "kernel=$(uname -r)" "zk_heap=$ZK_HEAP" "secs=$SECS" "warm=$WARM" "threads=$THREADS" \
  "git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# ---- Arbor ---------------------------------------------------------------------
ARBOR_PIDS=()
arbor_start() {  # extra arbord flags...
  mkdir -p "$ARBOR_DATA"
  local peers="1=127.0.0.1:$((ARBOR_BASE + 12)),2=127.0.0.1:$((ARBOR_BASE + 22)),3=127.0.0.1:$((ARBOR_BASE + 32))"
  ARBOR_PIDS=()
  for i in 1 2 3; do
    "$ARBORD" --id=$i --data_dir="$ARBOR_DATA/node$i" --bind=127.0.0.1 \
      --client_port=$((ARBOR_BASE + 10 * i + 1)) --peer_port=$((ARBOR_BASE + 10 * i + 2)) \
      --zk_port=$((ARBOR_BASE + 10 * i + 3)) --peers="$peers" \
      --max_connections_per_ip=0 "$@" >>"$ARBOR_DATA/node$i.log" 2>&1 &  # as ZooKeeper's maxClientCnxns=0 here: C1's 10,000 sessions come from one address
    ARBOR_PIDS+=($!)
  done
  "$BENCH" -server "$ARBOR_HOSTS" -probe_serving_s 60 -label arbor_start >/dev/null ||
    { echo "Arbor did not start serving; see $ARBOR_DATA/node*.log" >&2; exit 1; }
}
arbor_stop() {
  for p in "${ARBOR_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${ARBOR_PIDS[@]:-}"; do
    [ -n "$p" ] || continue
    for _ in $(seq 1 150); do [ -e "/proc/$p" ] || break; sleep 0.1; done
    [ -e "/proc/$p" ] && kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  ARBOR_PIDS=()
}
arbor_clean() { arbor_stop; rm -rf "$ARBOR_DATA"; }
arbor_pids() { local IFS=,; echo "${ARBOR_PIDS[*]}"; }

# ---- ZooKeeper -------------------------------------------------------------------
zk_start() { "$ZKREF/zkctl.sh" start 3 >/dev/null; }
zk_stop() { "$ZKREF/zkctl.sh" stop >/dev/null 2>&1 || true; }
zk_clean() { "$ZKREF/zkctl.sh" clean >/dev/null 2>&1 || true; }
zk_pids() { "$ZKREF/zkctl.sh" pids | awk '{print $2}' | paste -sd, -; }
zk_heap_kb() {  # live heap after a full GC, per server (kB)
  for p in $(echo "$1" | tr , ' '); do
    jcmd "$p" GC.run >/dev/null 2>&1 || true
    jcmd "$p" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9
    echo
  done | paste -sd, -
}
rss_anon_kb() { for p in $(echo "$1" | tr , ' '); do awk '/RssAnon/{print $2}' "/proc/$p/status"; done | paste -sd, -; }

cleanup() { arbor_stop; zk_clean; }
trap cleanup EXIT

hosts_of() { [ "$1" = zk ] && echo "$ZK_HOSTS" || echo "$ARBOR_HOSTS"; }
pids_of() { [ "$1" = zk ] && zk_pids || arbor_pids; }

# run SYSTEM LABEL bench-args...: one measured run, its JSON appended to $RES
run() {
  local sys=$1 label=$2; shift 2
  log "$label on $sys (load average $(cut -d' ' -f1 /proc/loadavg))"
  "$BENCH" -server "$(hosts_of "$sys")" -protocol zk -server_pids "$(pids_of "$sys")" -threads "$THREADS" \
    -warmup_seconds "$WARM" -seconds "$SECS" -label "$label/$sys" -json_only -quiet \
    -cdf_out "$OUT/cdf-$label-$sys.txt" -timeline_out "$OUT/timeline-$label-$sys.txt" "$@" | tail -1 | tee -a "$RES" |
    python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("   %.0f ops/s, p50 %d us, p99 %d us, server CPU %.1f us/op, bench CPU %.0f%%, machine busy %.0f%%" % (d["ops_per_sec"], d["p50_us"], d["p99_us"], d["server_cpu_us_per_op"], 100*d["bench_cpu_share"], 100*d["machine_busy_share"]))' >&2
}

L1_ARGS=(-threads 1 -sessions 1 -depth 1 -mix create=1,set=1,get=1,exists=1,children=1,delete=1,multi=1,lock=1,watch=1)
W_ARGS=(-sessions 16 -depth 32 -value_bytes 256 -keyspace 10000)

steady() {  # workloads on long-running clusters
  local need=0
  for w in $WORKLOADS; do case $w in L1|W1|R1|M1|lock|SWEEP) need=1 ;; esac; done
  [ $need = 1 ] || return 0
  zk_clean; arbor_clean
  log "starting ZooKeeper 3.8 (3 nodes, heap $ZK_HEAP) and Arbor (3 nodes)"
  zk_start; arbor_start
  for w in $WORKLOADS; do
    for sys in zk arbor; do
      case $w in
        L1) run $sys L1 "${L1_ARGS[@]}" -seconds $((SECS + 5)) ;;
        W1) run $sys W1 "${W_ARGS[@]}" -mix set=1 ;;
        R1) run $sys R1 "${W_ARGS[@]}" -mix get=1 ;;
        M1) run $sys M1 "${W_ARGS[@]}" -mix get=9,set=1 ;;
        lock) run $sys lock "${W_ARGS[@]}" -mix lock=1 ;;
        SWEEP)
          for t in 1 2 4; do
            run $sys "W1-t$t" "${W_ARGS[@]}" -mix set=1 -threads $t
            run $sys "R1-t$t" "${W_ARGS[@]}" -mix get=1 -threads $t
          done ;;
      esac
    done
  done
  zk_clean; arbor_clean
}

newest() { ls -t $1 2>/dev/null | head -1; }

s1() {  # S1 for one system, on a fresh cluster
  local sys=$1 pids before after snapdir snap snapms
  log "S1 on $sys: $S1_NODES znodes"
  if [ "$sys" = zk ]; then zk_clean; zk_start; else arbor_clean; arbor_start; fi
  sleep 3
  pids=$(pids_of "$sys")
  if [ "$sys" = zk ]; then before=$(zk_heap_kb "$pids"); else before=$(rss_anon_kb "$pids"); fi
  run "$sys" S1-create -sessions 16 -depth 32 -mix create=1 -unique_creates -path_bytes 64 -value_bytes 256 \
    -max_ops "$S1_NODES" -seconds 1800 -root /s1
  sleep 10  # let a snapshot in progress finish
  if [ "$sys" = zk ]; then after=$(zk_heap_kb "$pids"); else after=$(rss_anon_kb "$pids"); fi
  # Snapshot files and the servers' own timings of their last snapshots.
  if [ "$sys" = zk ]; then
    snap=$(for i in 1 2 3; do f=$(newest "$ZK_BASE/node$i/data/version-2/snapshot.*"); stat -c %s "$f"; done | paste -sd, -)
    snapms=$(cat "$ZK_BASE"/node*/log/zookeeper.log | grep -o 'Snapshot taken in [0-9]* ms' | awk '{print $4}' | sort -n | tail -1)
  else
    snap=$(for i in 1 2 3; do f=$(newest "$ARBOR_DATA/node$i/snap/*.snap"); stat -c %s "$f"; done | paste -sd, -)
    snapms=$(cat "$ARBOR_DATA"/node*.log | grep -o 'snapshot at index [0-9]* is durable.* in [0-9]* ms' | grep -o '[0-9]* ms' | awk '{print $1}' | sort -n | tail -1)
  fi
  note S1 "system=$sys" "znodes=$S1_NODES" "mem_kind=$([ "$sys" = zk ] && echo live_heap_after_gc || echo rss_anon)" \
    "mem_before_kb=[$before]" "mem_after_kb=[$after]" "snapshot_bytes=[$snap]" "snapshot_ms_max=${snapms:-null}" \
    "name_bytes=$((64 - ${#S1_PREFIX}))" "data_bytes=256"
  # Requests while snapshots are written: W1 on the loaded tree long enough
  # for at least two snapshots (every 100,000 entries in both servers).
  run "$sys" S1-stall "${W_ARGS[@]}" -mix set=1 -seconds $((SECS * 2)) -root /s1
  # Restart of the whole ensemble: stop all, start all, time to serving.
  local t0 probe
  if [ "$sys" = zk ]; then
    zk_stop; t0=$(date +%s.%N); zk_start
  else
    arbor_stop; t0=$(date +%s.%N); arbor_start
  fi
  probe=$("$BENCH" -server "$(hosts_of "$sys")" -probe_serving_s 120 -label "S1-restart/$sys")
  note S1-restart "system=$sys" "seconds=$(echo "$(date +%s.%N) - $t0" | bc)" "probe=$probe"
  if [ "$sys" = zk ]; then zk_clean; else arbor_clean; fi
}
S1_PREFIX="/s1/u/"

mem_of() {  # SYSTEM PID: ZooKeeper's live heap after a full GC, Arbor's anonymous memory (kB)
  if [ "$1" = zk ]; then zk_heap_kb "$2"; else rss_anon_kb "$2"; fi
}

c1() {  # C1 for one system
  local sys=$1 pids idle_pid before after rss0 rss1 bench_pid
  log "C1 on $sys: $C1_IDLE idle sessions on server 1, W1 alongside"
  if [ "$sys" = zk ]; then zk_clean; zk_start; else arbor_clean; arbor_start --max_connections=20000; fi
  run "$sys" C1-W1-alone "${W_ARGS[@]}" -mix set=1
  pids=$(pids_of "$sys"); idle_pid=$(echo "$pids" | cut -d, -f1)
  before=$(mem_of "$sys" "$idle_pid"); rss0=$(rss_anon_kb "$idle_pid")
  rm -f "$OUT/c1.ready"
  run "$sys" C1-W1-idle "${W_ARGS[@]}" -mix set=1 -idle_sessions "$C1_IDLE" -idle_server 0 -session_timeout_ms 10000 \
    -warmup_seconds $((WARM + 10)) -seconds $((SECS * 2)) -ready_file "$OUT/c1.ready" &
  bench_pid=$!
  for _ in $(seq 1 1200); do [ -e "$OUT/c1.ready" ] && break; kill -0 $bench_pid 2>/dev/null || break; sleep 0.1; done
  sleep 2
  after=$(mem_of "$sys" "$idle_pid"); rss1=$(rss_anon_kb "$idle_pid")
  wait $bench_pid || true
  note C1-memory "system=$sys" "idle_sessions=$C1_IDLE" "idle_server_pid=$idle_pid" \
    "mem_kind=$([ "$sys" = zk ] && echo live_heap_after_gc || echo rss_anon)" \
    "mem_before_kb=$before" "mem_after_kb=$after" "rss_anon_before_kb=$rss0" "rss_anon_after_kb=$rss1"
  if [ "$sys" = zk ]; then zk_clean; else arbor_clean; fi
}

steady
for w in $WORKLOADS; do
  case $w in
    S1) s1 zk; s1 arbor ;;
    C1) c1 zk; c1 arbor ;;
  esac
done
note end "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" "date=$(date -u +%FT%TZ)"
python3 "$HERE/report.py" "$OUT"
