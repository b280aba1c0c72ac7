#!/usr/bin/env bash
# Instructions a request: the server's user-space instructions (all its threads) per request
# served, counted by valgrind's callgrind, with the project's functions that take the most.
# Unlike time, the count hardly moves with what else the machine does, so two builds can be
# compared on a noisy host: run it with --daemon OLD, then --daemon NEW. Kernel time (the
# socket calls, about half of a request's CPU here) is not counted.
#
# Starts the server (the ceiling or codeledgerd in one durability mode, 1 io thread, the
# config side-by-side.sh writes) under callgrind on a free loopback port, runs ledger-load
# (closed loop, 8 connections, 1 client thread, fixed seed, --no-verify), counts from the
# moment its set-up is done to the end of the load, and stops the server on exit. The server
# runs about 50 times slower under callgrind: keep --requests small.
#
# --count load counts the load generator instead: the server runs as it is, ledger-load under
# callgrind, counting its event loop only (Asio's scheduler::run: every request's
# send, read, answer check and timing; not its set-up, which makes blocking calls, nor its
# report), per answer taken (Connection::finish). The load generator shares the machine's
# CPUs with the server, so what it spends a request is taken from the server; --target redis
# (only here: Redis is not built with symbols to count) shows what it spends on Redis's
# answers against codeledgerd's. --load PATH counts another ledger-load build.
#
# usage: bench/scripts/instructions.sh [--target ceiling|none|async|sync|redis] [--scenario S]
#          [--requests N] [--top N] [--count server|load] [--daemon PATH] [--load PATH]
#          [--build-dir DIR] [--dump FILE]
# Prints one line: target, scenario, requests=N (Dispatcher::handle calls in the window, or
# Connection::finish calls with --count load), instructions_per_request=X,
# allocations_per_request=Y (heap allocations: libc malloc, calloc and realloc calls, which
# operator new makes too); then the --top (default 12) codeledger functions by instructions
# per request, callees included. --dump FILE keeps callgrind's dump there, to read by
# function or by caller (callgrind_annotate --tree=caller FILE, or kcachegrind).
# Needs valgrind (apt-get install valgrind; its callgrind_control and callgrind_annotate),
# and redis-server for --target redis.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
TARGET=none
SCENARIO=link
REQUESTS=10000
TOP=12
COUNT=server
DAEMON=
LOAD=
DUMP_TO=
# print_usage, unknown_argument, need_value, require_whole, make_work_dir, free_port,
# wait_port, stop_pid, the bench key (KEY, SECRET), write_config, config_durability,
# server_binary, launch_redis, require_binaries, wait_load_ready
source "$ROOT/bench/scripts/bench-lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --target|--scenario|--requests|--top|--count|--daemon|--load|--build-dir|--dump) need_value instructions "$1" $# ;;
  esac
  case "$1" in
    --target) TARGET=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --requests) REQUESTS=$2; shift ;;
    --top) TOP=$2; shift ;;
    --count) COUNT=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --load) LOAD=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --dump) DUMP_TO=$2; shift ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument instructions "$1" ;;
  esac
  shift
done
case "$COUNT" in server|load) ;; *) echo "instructions: bad --count $COUNT (server or load)" >&2; exit 2 ;; esac
case "$TARGET" in
  ceiling|none|async|sync) ;;
  redis) [ "$COUNT" = load ] || { echo "instructions: --target redis needs --count load" >&2; exit 2; } ;;
  *) echo "instructions: bad --target $TARGET" >&2; exit 2 ;;
esac
case "$SCENARIO" in link|redeem|lookup|hot-code|peak-sale) ;; *) echo "instructions: bad --scenario $SCENARIO" >&2; exit 2 ;; esac
require_whole instructions --requests "$REQUESTS" 100 1000000
require_whole instructions --top "$TOP" 0 100
if [ -n "$DUMP_TO" ] && { [ -d "$DUMP_TO" ] || [ ! -w "$(dirname "$DUMP_TO")" ]; }; then
  echo "instructions: --dump $DUMP_TO is not a file name in a writable directory" >&2; exit 2
fi
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "instructions: $tool is missing (apt-get install valgrind)" >&2; exit 2; }
done
if [ "$TARGET" = redis ] && ! command -v redis-server >/dev/null; then
  echo "instructions: redis-server is missing (apt-get install redis-server)" >&2; exit 2
fi

SERVER_THREADS=1
WORK=$(make_work_dir "" codeledger-instructions)
SERVER_PID=
cleanup() {
  stop_descendants
  if [ -n "$SERVER_PID" ]; then stop_pid "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap_exit cleanup

PORT=$(free_port)
LOAD=${LOAD:-$BUILD/bench/ledger-load}
if [ "$TARGET" = redis ]; then
  require_binaries instructions "$LOAD"
  launch_redis off "$PORT" "$WORK"  # what the load spends on an answer does not depend on AOF
  SERVER_PID=$!
  wait_port "$PORT" "$SERVER_PID"
  TARGET_FLAGS=(--target redis --port "$PORT")
else
  CONFIG=$(write_config "$(config_durability "$TARGET")" "$WORK/data")
  SERVER=$(server_binary "$TARGET" "$BUILD" "$DAEMON")
  require_binaries instructions "$LOAD" "$SERVER"
  UNDER=()
  [ "$COUNT" = server ] && UNDER=(valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out")
  "${UNDER[@]}" "$SERVER" --config "$CONFIG" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  # Under valgrind the start takes seconds.
  wait_port "$PORT" "$SERVER_PID" 120 || { cat "$WORK/server.log" >&2; exit 1; }
  TARGET_FLAGS=(--port "$PORT" --key "$KEY" --secret "$SECRET")
fi
LOAD_ARGS=("${TARGET_FLAGS[@]}" --scenario "$SCENARIO" --requests "$REQUESTS" --codes "$REQUESTS"
           --duration 3600 --connections 8 --threads 1 --seed 1 --no-verify --no-progress
           --json "$WORK/load.json" --html /dev/null)

echo "instructions: $COUNT of $TARGET $SCENARIO, $REQUESTS requests under callgrind (a minute or more)..." >&2
if [ "$COUNT" = server ]; then
  "$LOAD" "${LOAD_ARGS[@]}" > "$WORK/load.out" 2>&1 &
  LOAD_PID=$!
  wait_load_ready "$WORK/load.out" "$LOAD_PID" 300 ||
    load_failed instructions "the load's set-up failed" "$WORK/load.out"
  callgrind_control -z "$SERVER_PID" > /dev/null 2>&1  # count from here
  wait "$LOAD_PID" || load_failed instructions "the load failed" "$WORK/load.out"
  callgrind_control -d "$SERVER_PID" > /dev/null 2>&1  # to here: written as cg.out.1
  DUMP=$WORK/cg.out.1
  for _ in $(seq 1 100); do [ -s "$DUMP" ] && break; sleep 0.1; done
  REQUEST_FUNCTION="Dispatcher::handle"
else
  run_interruptible valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" --toggle-collect='*scheduler::run(*' \
    "$LOAD" "${LOAD_ARGS[@]}" > "$WORK/load.out" 2>&1 ||
    load_failed instructions "the load failed" "$WORK/load.out"
  DUMP=$WORK/cg.out  # written as the load exits
  REQUEST_FUNCTION="Connection::finish"
fi
[ -s "$DUMP" ] || { echo "instructions: callgrind wrote no dump" >&2; exit 1; }
if [ -n "$DUMP_TO" ]; then
  cp "$DUMP" "$DUMP_TO" || { echo "instructions: cannot write --dump $DUMP_TO" >&2; exit 1; }
fi

callgrind_annotate --inclusive=yes --tree=calling --threshold=100 --auto=no "$DUMP" > "$WORK/annotated" 2>/dev/null
python3 "$ROOT/bench/scripts/instructions-summary.py" "$WORK/annotated" "$TARGET" "$SCENARIO" "$TOP" "$REQUEST_FUNCTION"
