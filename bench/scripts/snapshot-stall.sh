#!/usr/bin/env bash
# What a background snapshot does to the sync requests beside it. Starts codeledgerd
# (durability sync) on a free loopback port, fills it with --codes linked codes (the
# snapshot's size: about 40 bytes a code), then runs an open-loop redeem at --rate for
# --duration seconds twice: alone, then with POST /admin/snapshot --at seconds in. Prints each
# run's p99 and longest answer, second by second, and the snapshot's size and build time. The
# load has one client thread; it spins to its send times (ledger-load --spin) only when --pin
# gives it a CPU apart from the server's (bench-lib.sh, open_loop_pace), and arms a timer a
# request otherwise. The server, and a load still running, are stopped however the script
# ends (its end, a TERM, or an INT).
#
# usage: bench/scripts/snapshot-stall.sh [--codes N] [--rate R] [--duration S] [--at S]
#          [--daemon PATH] [--build-dir DIR] [--pin SERVER_CPUS:LOAD_CPUS]
# Two builds in turns: --daemon OLD, then --daemon NEW, then OLD again. Session 40: with the
# server on one vCPU, a build of 1M codes (81 MB, 7.8 s) raised the sync p99 from about 5 ms
# to 12-23 ms while it ran (docs/benchmarks-history.md, session 40).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
CODES=1000000
RATE=4000
DURATION=30
AT=20
DAEMON=
# print_usage, unknown_argument, need_value, require_whole, set_pin, pin_note, open_loop_pace,
# start_scratch_server, fill_linked, run_interruptible, metric, load_failed, KEY and SECRET:
# bench-lib.sh.
source "$ROOT/bench/scripts/bench-lib.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --codes|--rate|--duration|--at|--daemon|--build-dir|--pin) need_value snapshot-stall "$1" $# ;;
  esac
  case "$1" in
    --codes) CODES=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --at) AT=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --pin) set_pin snapshot-stall "$2"; shift ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument snapshot-stall "$1" ;;
  esac
  shift
done
require_whole snapshot-stall --codes "$CODES" 1 "$LOAD_CODES_MAX"
require_whole snapshot-stall --rate "$RATE" 1 "$LOAD_RATE_MAX"
require_whole snapshot-stall --duration "$DURATION" 2 3600 seconds
require_whole snapshot-stall --at "$AT" 1 $((DURATION - 1)) seconds

start_scratch_server snapshot-stall sync
AUTH="$KEY:$(printf %s "$SECRET" | md5sum | cut -d' ' -f1)"

fill_linked snapshot-stall "$CODES"

# One open-loop redeem run, $1 its name; with $2 = snapshot, POST /admin/snapshot once the
# load's progress line for second AT is out. One client thread, as thread-cpu.sh runs: it
# spins to its send times (--spin) only when --pin gave it a CPU of its own
# (open_loop_pace); spinning beside the server, it would take the server's CPU and measure that.
PACE=$(open_loop_pace 1)
run() {
  "${LOAD_PIN[@]}" "$LOAD" --port "$PORT" --key "$KEY" --secret "$SECRET" --scenario redeem \
    --rate "$RATE" $PACE --threads 1 --duration "$DURATION" --codes $((RATE * DURATION + 1000)) \
    --no-verify --json "$WORK/$1.json" --html /dev/null > "$WORK/$1.out" 2> "$WORK/$1.err" &
  local load_pid=$!
  if [ "${2:-}" = snapshot ]; then
    run_interruptible wait_for_second "$load_pid" "$WORK/$1.err"
    curl -sf -o /dev/null -u "$AUTH" -X POST "http://127.0.0.1:$PORT/admin/snapshot"
  fi
  wait "$load_pid" || load_failed snapshot-stall "the $1 run" "$WORK/$1.err"
}

# Until the load (pid $1) has printed its progress line for second AT to $2, or exited.
# Woken by the load's output (tail -f, inotify), not by polling: a poll loop started about 60
# processes a second, which doubled the p99 on whichever CPU it ran (session 40).
wait_for_second() {
  tail --pid="$1" -n +1 -f "$2" | grep -qm1 -F "$(printf '[%4ds]' "$AT")" || true
}

seconds() {  # $1 the run's name: p99 / longest answer (ms) of each second
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("%.1f/%.0f" % (p["p99_us"] / 1000, p["max_us"] / 1000) for p in r["timeline"]))
' "$WORK/$1.json"
}

run alone
written=$(metric codeledger_snapshots_written_total)
run beside snapshot
for _ in $(seq 1 600); do
  [ "$(metric codeledger_snapshots_written_total)" != "$written" ] && break
  sleep 0.1
done
snap=$(ls -1 "$WORK/data"/snap-*.snap 2>/dev/null | tail -1)
PACING="paced by timers"
[ -n "$PACE" ] && PACING="spinning to its slots"
echo "$(basename "$SERVER"): $CODES codes, redeem at $RATE/s (one client thread, $PACING), $(pin_note)"
echo "  snapshot at second $AT: $(stat -c %s "$snap" 2>/dev/null || echo '?') bytes, built in $(metric codeledger_snapshot_last_build_ms) ms"
echo "  p99/max ms by second, alone:   $(seconds alone)"
echo "  p99/max ms by second, beside:  $(seconds beside)"
