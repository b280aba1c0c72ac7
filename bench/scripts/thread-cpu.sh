#!/usr/bin/env bash
# One load run against one server, with the CPU each of its threads used: where the time
# goes (is http-io saturated, or waiting?). Starts the server (the ceiling or codeledgerd in
# one durability mode, 1 io thread, the config side-by-side.sh writes) on a free loopback
# port, runs ledger-load with 64 connections (--connections) and 1 client thread, samples
# /proc/PID/task/*/stat for 2 s once the load has started, and stops the server on exit.
#
# usage: bench/scripts/thread-cpu.sh [--target ceiling|none|async|sync] [--scenario S]
#          [--requests N] [--codes N] [--rate R] [--connections N] [--daemon PATH]
#          [--load PATH] [--build-dir DIR] [--vcpu-gaps] [--data-dir DIR]
#          [--pin SERVER_CPUS:LOAD_CPUS] [--pool]
# --codes: codes set up for the run (default: as many as --requests; fewer suit lookup, to
# see whether the ledger's memory footprint matters; at most 10,000,000, ledger-load's limit,
# so --requests above that needs --codes). Every flag is checked before the server starts.
# Prints where the data went (data_dir_note, bench-lib.sh), then one line: target, scenario,
# rps, p99, p99.9, then NAME=CPU% per thread (and for the load generator), and for
# codeledgerd the log's figures over the same 2 s from /metrics: records per batch,
# fdatasyncs a second, their mean time, group-commit waits.
# Two builds in turns: run it with --daemon OLD, then --daemon NEW (--daemon is the binary
# to start: codeledgerd, or ceiling-server with --target ceiling).
# --load: the ledger-load binary to drive it with (default: the build's), so two builds of the
# load generator can take turns against the same server the same way.
# --vcpu-gaps: also record every CPU's cpu-clock at 1 kHz over the whole load run (perf,
# from linux-perf) and print, per second, the load's p99 beside the time each vCPU was taken
# by the host (bench/scripts/vcpu-gaps.py): is a latency tail the server's or the machine's?
# --data-dir: where the server's data goes (default /tmp, the machine's disk; /dev/shm takes
# the disk out of sync's fdatasyncs, and the data line then warns that nothing was durable).
# --pin: the server on SERVER_CPUS and the load generator on LOAD_CPUS (taskset lists, e.g.
# 1:0; bench-lib.sh, set_pin). With --rate, a load generator pinned to a CPU of its own spins
# to its send times (ledger-load --spin), so its CPU below reads 100 %.
# --pool: with --rate, each send goes on any idle connection (ledger-load --pool) instead of
# each connection keeping its own share of the schedule. With --rate the line also gives the
# time in flight's p99 and the send lag's (ledger-load's RESULT line).
# GROUP_COMMIT_WAIT_US, _QUIET_US and _MIN_RECORDS in the environment set
# durability.group_commit_* (bench-lib.sh); SERVER_THREADS sets the io threads (default 1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
TARGET=sync
SCENARIO=redeem
REQUESTS=300000
CODES=
RATE=
CONNECTIONS=64
DAEMON=
LOAD=
VCPU_GAPS=0
POOL=0
DATA_DIR=
PIN=
# print_usage, unknown_argument, need_value, require_whole, require_choice,
# require_build_dir, ledger-load's limits (LOAD_CODES_MAX, LOAD_RATE_MAX), make_work_dir,
# data_dir_note, free_port, wait_port, stop_pid, metrics, the bench key (KEY, SECRET),
# write_config, config_durability, server_binary, require_binaries, wait_load_ready,
# load_failed, set_pin and pin_note
source "$ROOT/bench/scripts/bench-lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --target|--scenario|--requests|--rate|--connections|--daemon|--load|--build-dir|--codes|\
    --data-dir|--pin) need_value thread-cpu "$1" $# ;;
  esac
  case "$1" in
    --target) TARGET=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --requests) REQUESTS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --load) LOAD=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --codes) CODES=$2; shift ;;
    --vcpu-gaps) VCPU_GAPS=1 ;;
    --pool) POOL=1 ;;
    --data-dir) DATA_DIR=$2; shift ;;
    --pin) PIN=$2; shift ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument thread-cpu "$1" ;;
  esac
  shift
done

# Every flag is checked before a server starts: a typo should cost a line, not a server
# started for a load that cannot run.
require_choice thread-cpu --target "$TARGET" "ceiling|none|async|sync"
require_choice thread-cpu --scenario "$SCENARIO" "link|redeem|lookup|hot-code|peak-sale"
require_whole thread-cpu --requests "$REQUESTS" 1 1000000000
if [ -z "$CODES" ] && [ "$REQUESTS" -gt "$LOAD_CODES_MAX" ]; then
  # By default every request gets a code of its own; a lookup run may share fewer.
  echo "thread-cpu: --requests above $LOAD_CODES_MAX needs --codes (a run sets up at most $LOAD_CODES_MAX codes)" >&2
  exit 2
fi
CODES=${CODES:-$REQUESTS}
require_whole thread-cpu --codes "$CODES" 1 "$LOAD_CODES_MAX"
[ -z "$RATE" ] || require_whole thread-cpu --rate "$RATE" 1 "$LOAD_RATE_MAX" "requests per second"
require_whole thread-cpu --connections "$CONNECTIONS" 1 4096

SERVER_THREADS=${SERVER_THREADS:-1}
[ -n "$PIN" ] && set_pin thread-cpu "$PIN"
WORK=$(make_work_dir "$DATA_DIR" codeledger-thread-cpu)
SERVER_PID=
PERF_PID=
cleanup() {
  if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; fi
  stop_descendants
  if [ -n "$SERVER_PID" ]; then stop_pid "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap_exit cleanup

CONFIG=$(write_config "$(config_durability "$TARGET")" "$WORK/data")
PORT=$(free_port)
SERVER=$(server_binary "$TARGET" "$BUILD" "$DAEMON")
LOAD=${LOAD:-$BUILD/bench/ledger-load}
require_build_dir thread-cpu "$BUILD" "$ROOT/build/release" "$LOAD" "$SERVER"
require_binaries thread-cpu "$LOAD" "$SERVER"
"${SERVER_PIN[@]}" "$SERVER" --config "$CONFIG" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_port "$PORT" "$SERVER_PID" 10 "$WORK/server.log"

LOAD_ARGS=(--port "$PORT" --key "$KEY" --secret "$SECRET" --scenario "$SCENARIO"
           --requests "$REQUESTS" --codes "$CODES" --duration 30 --connections "$CONNECTIONS" --threads 1
           --no-progress --json "$WORK/load.json" --html /dev/null)
if [ -n "$RATE" ]; then
  LOAD_ARGS+=(--rate "$RATE")
  PACE=$(open_loop_pace 1)
  [ -n "$PACE" ] && LOAD_ARGS+=("$PACE")
  [ "$POOL" = 1 ] && LOAD_ARGS+=(--pool)
fi
[ "$TARGET" = ceiling ] && LOAD_ARGS+=(--no-verify)
if [ "$VCPU_GAPS" = 1 ]; then
  command -v perf >/dev/null || { echo "thread-cpu: --vcpu-gaps needs perf (apt-get install linux-perf)" >&2; exit 2; }
  perf record -q -a -k CLOCK_MONOTONIC -e cpu-clock -F 1000 -o "$WORK/gaps.data" > "$WORK/perf.log" 2>&1 &
  PERF_PID=$!
  sleep 0.5
fi
"${LOAD_PIN[@]}" "$LOAD" "${LOAD_ARGS[@]}" > "$WORK/load.out" 2>&1 &
LOAD_PID=$!
wait_load_ready "$WORK/load.out" "$LOAD_PID" ||
  load_failed thread-cpu "the load's set-up failed" "$WORK/load.out"
sleep 1.5

# utime + stime (clock ticks) of every server thread and of the load generator
ticks() {
  for t in /proc/"$SERVER_PID"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done
  if [ -r /proc/"$LOAD_PID"/stat ]; then echo "ledger-load $(awk '{print $14 + $15}' /proc/"$LOAD_PID"/stat)"; fi
}
# The log's counters from /metrics (codeledgerd only; sync and async fdatasync, none does not).
wal_counters() {
  [ "$TARGET" = ceiling ] && return 0
  metrics "$PORT" |
    awk '/^codeledger_wal_(batches_total|records_total|fsyncs_total|group_commit_waits_total|fsync_seconds_sum) / {print $1, $2}'
}
wal_counters > "$WORK/w0"; ticks > "$WORK/t0"; sleep 2; ticks > "$WORK/t1"; wal_counters > "$WORK/w1"
SHORT=
kill -0 "$LOAD_PID" 2>/dev/null || SHORT=" (the run ended inside the 2 s sample: raise --requests)"
wait "$LOAD_PID" || true  # errors in the answers show in the RESULT line
grep -q '^RESULT' "$WORK/load.out" || load_failed thread-cpu "the load gave no result" "$WORK/load.out"
HZ=$(getconf CLK_TCK)
CPU=$(paste "$WORK/t0" "$WORK/t1" | awk -v hz="$HZ" '{p = ($4 - $2) * 100 / hz / 2; if (p > 0) printf "%s=%.0f%% ", $1, p}')
RESULT=$(grep '^RESULT' "$WORK/load.out" | grep -oE '\b(rps=[0-9]+|p99_us=[0-9.]+|p999_us=[0-9.]+|in_flight_p99_us=[0-9.]+|send_lag_p99_us=[0-9.]+|errors=[0-9]+)' | tr '\n' ' ')
WAL=$(paste "$WORK/w0" "$WORK/w1" | awk '{d[$1] = $4 - $2}
  END {b = d["codeledger_wal_batches_total"]; f = d["codeledger_wal_fsyncs_total"]
       if (b > 0) printf "wal: records/batch=%.1f fdatasyncs/s=%.0f fdatasync_mean_us=%.0f group_commit_waits=%d",
         d["codeledger_wal_records_total"] / b, f / 2, (f > 0 ? 1e6 * d["codeledger_wal_fsync_seconds_sum"] / f : 0),
         d["codeledger_wal_group_commit_waits_total"]}')
data_dir_note "$WORK"
pin_note
echo "$TARGET $SCENARIO ${RESULT:-failed} cpu: $CPU$WAL$SHORT"
if [ "$VCPU_GAPS" = 1 ]; then
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=
  python3 "$ROOT/bench/scripts/vcpu-gaps.py" "$WORK/gaps.data" "$WORK/load.json"
fi
