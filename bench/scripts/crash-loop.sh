#!/usr/bin/env bash
# The long crash loop (issue 3): the Release codeledgerd under concurrent link / redeem /
# issueBulk load, SIGKILLed at a random moment each cycle, restarted on the same data dir and
# checked against the clients' log of acknowledged operations (tests/crash/crash_loop_test.cc).
# Builds the Release codeledgerd and crash_tests when missing (or with --build), then runs
# the sync crash loop for N cycles. Prints the totals line that goes into docs/benchmarks.md;
# the exit status is the test's (non-zero on any violation). Loopback only; the test kills
# every server it starts. Interrupted (Ctrl-C, kill, timeout), the script stops the test and
# its server and removes the test's data (kept in a scratch directory of the script's own).
#
# usage: bench/scripts/crash-loop.sh [--cycles N] [--seconds S] [--build-dir DIR] [--build]
#          [--two-lanes]
#   --cycles N     crash cycles (1..999999, default 1000)
#   --seconds S    stop starting new cycles after S seconds (1..86400, default 3600)
#   --build-dir    default build/release (configured Release, tests on, when missing); another
#                  one must hold the binaries or a configured build
#   --build        rebuild even when the binaries exist
#   --two-lanes    the server runs with durability.sync_lanes 2 (two fdatasyncs in flight)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
CYCLES=1000
SECONDS_MAX=3600
FORCE_BUILD=0
TEST=CrashLoop.AcknowledgedOperationsSurviveSigkill

# print_usage, unknown_argument, need_value, require_whole, require_build_dir, make_work_dir
# and stop_descendants
source "$ROOT/bench/scripts/bench-lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in --cycles|--seconds|--build-dir) need_value crash-loop "$1" $# ;; esac
  case "$1" in
    --cycles) CYCLES=$2; shift ;;
    --seconds) SECONDS_MAX=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --build) FORCE_BUILD=1 ;;
    --two-lanes) TEST=CrashLoop.AcknowledgedOperationsSurviveSigkillWithTwoSyncLanes ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument crash-loop "$1" ;;
  esac
  shift
done

# Checked before anything is built: a typo should cost a line, not a build.
require_whole crash-loop --cycles "$CYCLES" 1 999999
require_whole crash-loop --seconds "$SECONDS_MAX" 1 86400
require_build_dir crash-loop "$BUILD" "$ROOT/build/release" "$BUILD/server/codeledgerd" "$BUILD/tests/crash_tests"

if [ $FORCE_BUILD = 1 ] || [ ! -x "$BUILD/server/codeledgerd" ] || [ ! -x "$BUILD/tests/crash_tests" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$BUILD" --target codeledgerd crash_tests -j2
fi

# The test makes its data directories under $TMPDIR: pointed at a directory of our own, they
# go with it however the script ends. An INT or TERM ends the script and its EXIT trap stops
# the test and the server it was crashing (stop_descendants, as side-by-side.sh does).
WORK=
# The servers the test started on data under $1: a server outlives a test that was killed on
# its own (it is then no longer our descendant), but its command line still names its data.
stop_servers_under() {  # $1 the scratch directory
  local proc cmdline
  for proc in /proc/[0-9]*; do
    # 2>/dev/null first: redirections apply left to right, and the < of a process that exited
    # during the scan must fail quietly.
    cmdline=$(tr '\0' ' ' 2>/dev/null < "$proc/cmdline") || continue
    if [[ "$cmdline" == *" --data-dir $1/"* ]]; then
      DESCENDANTS+=("${proc#/proc/}")
      kill "${proc#/proc/}" 2>/dev/null || true
    fi
  done
}
cleanup() {
  stop_descendants
  [ -z "$WORK" ] || stop_servers_under "$WORK"
  descendants_gone 10  # a server still shutting down could write into the directory
  [ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK=$(make_work_dir "${TMPDIR:-/tmp}" codeledger-crash-loop)

echo "crash-loop: $CYCLES cycles (at most $SECONDS_MAX s), binaries from $BUILD"
start=$(date +%s)
set +e
# In the background: bash runs a trap only once the foreground command is done, but a trapped
# signal ends a wait at once, so an INT to the script alone (not its group) stops it too.
CODELEDGER_CRASH_CYCLES=$CYCLES CODELEDGER_CRASH_SECONDS=$SECONDS_MAX CODELEDGER_BIN_DIR=$BUILD TMPDIR=$WORK \
  "$BUILD/tests/crash_tests" --gtest_filter="$TEST" &
wait $!
rc=$?
set -e
echo "crash-loop: exit status $rc, wall time $(( $(date +%s) - start )) s"
exit $rc
