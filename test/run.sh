#!/usr/bin/env bash
# Installs dependencies, configures, builds and runs Arbor's test suite.
#
#   ./test/run.sh                 # everything CI runs
#   ./test/run.sh -L unit         # extra arguments go to ctest (here: only unit tests)
#   ARBOR_SANITIZE=ON ./test/run.sh   # ASan + UBSan build in build-asan/
#   ARBOR_SOAK=1 ./test/run.sh -L sim  # long seeded simulations
#   ARBOR_FUZZ=OFF ./test/run.sh  # skip the clang fuzz build (its ctests, label fuzz, then skip)
#
# Under CI=true warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

SANITIZE="${ARBOR_SANITIZE:-OFF}"
BUILD_DIR="${BUILD_DIR:-build}"
[ "$SANITIZE" = "ON" ] && BUILD_DIR="${BUILD_DIR}-asan"
WERROR=OFF
[ "${CI:-}" = "true" ] && WERROR=ON

cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DARBOR_WERROR="$WERROR" -DARBOR_SANITIZE="$SANITIZE"
cmake --build "$BUILD_DIR" -j "$(nproc)"
# The libFuzzer targets (clang, ASan + UBSan) in build-fuzz/: the ctests
# labelled fuzz run each for a short time when it exists (docs/SECURITY.md).
if [ "${ARBOR_FUZZ:-ON}" = "ON" ]; then
  ./test/fuzz/run.sh --build-only
fi

if [ "$SANITIZE" = "ON" ]; then
  # Known third-party leaks only (see the file); everything else still fails.
  export LSAN_OPTIONS="suppressions=$(pwd)/test/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
