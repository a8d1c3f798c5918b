#!/usr/bin/env bash
# Runs Arbor's libFuzzer targets (test/fuzz/, docs/SECURITY.md "Fuzzing").
#
#   test/fuzz/run.sh                      # build build-fuzz/ if needed, fuzz every target 30 s
#   test/fuzz/run.sh --seconds 600 jute   # one target, longer
#   test/fuzz/run.sh --no-build ...       # use build-fuzz/ as it is (ctest label fuzz)
#   test/fuzz/run.sh --build-only         # configure and build build-fuzz/ only (test/run.sh)
#
# New inputs go to <build-dir>/fuzz-work/<target>/ (the checked-in corpus is
# read, never written); extra libFuzzer flags come from $FUZZ_FLAGS
# (e.g. FUZZ_FLAGS="-jobs=2 -workers=2"); crashes, leaks and timeouts to
# <build-dir>/fuzz-artifacts/<target>/. Exits 77 (ctest: skipped) when a
# target's binary is missing and --no-build was given, 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC="$(pwd)"

SECONDS_EACH=30
BUILD_DIR="$SRC/build-fuzz"
BUILD=1
RUN=1
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --build-only) RUN=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if [ "${#TARGETS[@]}" -eq 0 ]; then
  TARGETS=($(sed -n '/^set(ARBOR_FUZZ_TARGETS/,/)/p' test/fuzz/CMakeLists.txt | tr -d '()' |
             tr ' ' '\n' | grep -v -e '^set$' -e '^ARBOR_FUZZ_TARGETS$' -e '^$'))
fi

if [ "$BUILD" = 1 ]; then
  WERROR=OFF
  [ "${CI:-}" = "true" ] && WERROR=ON
  # -O1 -gline-tables-only: the usual fuzzing build; stack traces keep their
  # lines and it compiles in about 2 minutes on two cores instead of 4.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DARBOR_FUZZ=ON -DARBOR_BUILD_TESTS=OFF -DARBOR_WERROR="$WERROR" >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target arbor_fuzz
fi
[ "$RUN" = 1 ] || exit 0

# Third-party leaks known to the suite (test/lsan.supp); everything else is a finding.
export LSAN_OPTIONS="suppressions=$SRC/test/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD_DIR/bin/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz $t: $bin not built (test/fuzz/run.sh builds it; or ARBOR_FUZZ=ON in $BUILD_DIR)"
    [ "$BUILD" = 0 ] && exit 77
    exit 1
  fi
  work="$BUILD_DIR/fuzz-work/$t"
  artifacts="$BUILD_DIR/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  log="$BUILD_DIR/fuzz-artifacts/$t.log"
  # -error_exitcode: libFuzzer's default (77) would read as "skipped" to ctest.
  # -malloc_limit_mb: no input here justifies one allocation of 128 MiB.
  # -entropic=0: its per-feature bookkeeping took half the time of these
  # targets (thousands of features per run), for three times the exec/s.
  # shellcheck disable=SC2086
  if "$bin" "$work" "$SRC/test/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
      -timeout=10 -rss_limit_mb=2048 -max_len=8192 -malloc_limit_mb=128 -entropic=0 -error_exitcode=1 -timeout_exitcode=1 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} >"$log" 2>&1; then
    runs=$(grep -a '^stat::number_of_executed_units:' "$log" | tail -1 | tr -dc '0-9')
    rate=$(grep -a '^stat::average_exec_per_sec:' "$log" | tail -1 | tr -dc '0-9')
    cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz $t: ok, ${SECONDS_EACH}s, $runs runs, $rate exec/s, $cov"
  else
    status=1
    echo "fuzz $t: FAILED (log: $log, inputs: $artifacts/)"
    grep -aE 'ERROR|SUMMARY|invariant failed|runtime error|Test unit written' "$log" | head -20 || true
  fi
done
exit $status
