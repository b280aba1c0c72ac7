#!/usr/bin/env bash
# The server's resident memory across background snapshots: does each snapshot give back the
# memory of the private ledger it built? Starts codeledgerd (durability none, so the set-up
# is quick) on a free loopback port, fills it with ledger-load's link scenario (--codes codes,
# each linked), then requests --snapshots snapshots, one new link before each (a snapshot
# with nothing new is not written), and prints the resident memory (VmRSS) after the fill and
# after each snapshot, with each build's time. The server, and a fill still running, are
# stopped however the script ends (its end, a TERM, or an INT).
#
# usage: bench/scripts/snapshot-rss.sh [--codes N] [--snapshots N] [--daemon PATH]
#          [--build-dir DIR]
# Two builds in turns: run it with --daemon OLD, then --daemon NEW. Session 34 found each
# snapshot leaving its ledger's memory resident (glibc served the slabs from a malloc arena
# once its dynamic mmap threshold had risen): 141 MiB of data held 314 MiB after four
# snapshots (docs/benchmarks-history.md, session 34).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
CODES=1000000
SNAPSHOTS=6
DAEMON=
# print_usage, unknown_argument, need_value, require_whole, start_scratch_server,
# fill_linked, metric, KEY and SECRET: bench-lib.sh.
source "$ROOT/bench/scripts/bench-lib.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --codes|--snapshots|--daemon|--build-dir) need_value snapshot-rss "$1" $# ;;
  esac
  case "$1" in
    --codes) CODES=$2; shift ;;
    --snapshots) SNAPSHOTS=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument snapshot-rss "$1" ;;
  esac
  shift
done
require_whole snapshot-rss --codes "$CODES" 1 "$LOAD_CODES_MAX"
require_whole snapshot-rss --snapshots "$SNAPSHOTS" 1 100

start_scratch_server snapshot-rss none

rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
AUTH="$KEY:$(printf %s "$SECRET" | md5sum | cut -d' ' -f1)"

fill_linked snapshot-rss "$CODES"
# The one new write before each snapshot: a code imported into a promotion of our own.
PROMOTION=$(curl -s -u "$AUTH" -H 'Content-Type: application/json' \
  -d '{"name":"snapshot-rss","mode":"DISCOUNT"}' \
  "http://127.0.0.1:$PORT/api_gateway/v1/promotions" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])')

LINE="after the fill of $CODES codes: $(rss_mib) MiB; after each snapshot:"
BUILDS="build ms:"
for i in $(seq 1 "$SNAPSHOTS"); do
  written=$(metric codeledger_snapshots_written_total)
  curl -sf -o /dev/null -u "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"codes\":[\"RSSNAP$((100000 + i))\"]}" \
    "http://127.0.0.1:$PORT/api_gateway/v1/promotions/$PROMOTION/codes"
  curl -sf -o /dev/null -u "$AUTH" -X POST "http://127.0.0.1:$PORT/admin/snapshot"
  for _ in $(seq 1 600); do
    [ "$(metric codeledger_snapshots_written_total)" != "$written" ] && break
    sleep 0.1
  done
  sleep 1  # the private ledger is freed after the file is written
  LINE+=" $(rss_mib)"
  BUILDS+=" $(metric codeledger_snapshot_last_build_ms)"
done
echo "$(basename "$SERVER"): $LINE MiB; $BUILDS"
