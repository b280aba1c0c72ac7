#!/usr/bin/env bash
# The long crash loop (issue 3): the Release codeledgerd under concurrent link / redeem /
# issueBulk load, SIGKILLed at a random moment each cycle, restarted on the same data dir and
# checked against the clients' log of acknowledged operations (tests/crash/crash_loop_test.cc).
# Builds the Release codeledgerd and crash_tests when missing (or with --build), then runs
# the sync crash loop for N cycles. Prints the totals line that goes into docs/benchmarks.md;
# the exit status is the test's (non-zero on any violation). Loopback only; the test kills
# every server it starts.
#
# usage: bench/scripts/crash-loop.sh [--cycles N] [--seconds S] [--build-dir DIR] [--build]
#          [--two-lanes]
#   --cycles N     crash cycles (1..999999, default 1000)
#   --seconds S    stop starting new cycles after S seconds (1..86400, default 3600)
#   --build-dir    default build/release (configured Release, tests on)
#   --build        rebuild even when the binaries exist
#   --two-lanes    the server runs with durability.sync_lanes 2 (two fdatasyncs in flight)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
CYCLES=1000
SECONDS_MAX=3600
FORCE_BUILD=0
TEST=CrashLoop.AcknowledgedOperationsSurviveSigkill

# need_value and require_whole
source "$ROOT/bench/scripts/bench-lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in --cycles|--seconds|--build-dir) need_value crash-loop "$1" $# ;; esac
  case "$1" in
    --cycles) CYCLES=$2; shift ;;
    --seconds) SECONDS_MAX=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --build) FORCE_BUILD=1 ;;
    --two-lanes) TEST=CrashLoop.AcknowledgedOperationsSurviveSigkillWithTwoSyncLanes ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "crash-loop: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# Checked before anything is built: a typo should cost a line, not a build.
require_whole crash-loop --cycles "$CYCLES" 1 999999
require_whole crash-loop --seconds "$SECONDS_MAX" 1 86400

if [ $FORCE_BUILD = 1 ] || [ ! -x "$BUILD/server/codeledgerd" ] || [ ! -x "$BUILD/tests/crash_tests" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$BUILD" --target codeledgerd crash_tests -j2
fi

echo "crash-loop: $CYCLES cycles (at most $SECONDS_MAX s), binaries from $BUILD"
start=$(date +%s)
set +e
CODELEDGER_CRASH_CYCLES=$CYCLES CODELEDGER_CRASH_SECONDS=$SECONDS_MAX CODELEDGER_BIN_DIR=$BUILD \
  "$BUILD/tests/crash_tests" --gtest_filter="$TEST"
rc=$?
set -e
echo "crash-loop: exit status $rc, wall time $(( $(date +%s) - start )) s"
exit $rc
