#!/usr/bin/env bash
# Side by side on this machine, in one run, with the same connection and request counts:
#   the ceiling (codeledgerd's HTTP stack, fixed answers), codeledgerd with durability
#   none / async / sync, and Redis + Lua with AOF off / everysec / always;
# then an open-loop redeem run at half of codeledgerd sync's measured redeem rate, the same
# open loop at the same rate against the ceiling, codeledgerd none and async, and Redis with
# AOF always (what this machine allows at that rate), and a peak-sale run.
# Prints each throughput and p99 and the ratios codeledgerd/ceiling and codeledgerd/Redis.
# Exits 1 when any run failed or had errors: the summary judges no ratio or target from those.
# Every process it starts is stopped on exit (trap EXIT). Loopback only.
#
# usage: bench/scripts/side-by-side.sh [--quick] [--requests N] [--connections N]
#          [--peak-duration S] [--build-dir DIR] [--out DIR] [--two-lanes-too]
#          [--only TARGETS] [--daemon PATH] [--closed-only] [--open-rate R] [--rounds N]
#          [--data-dir DIR] [--pin SERVER_CPUS:LOAD_CPUS] [--peak-only] [--pool]
# --two-lanes-too: also runs sync link/redeem with durability.sync_lanes 2 (two fdatasyncs
#          in flight), right after the default (1 lane), as codeledgerd-sync2-*.
# --only:  a comma-separated subset of ceiling,none,async,sync,redis (default: all).
# --daemon: the codeledgerd binary to measure (default: the build dir's). Two builds side by
#          side: run `--only ceiling,sync --closed-only --daemon OLD`, then the same with
#          NEW, in turns, and compare each against the ceiling of its own turn.
# --closed-only: skip the open-loop and peak-sale runs (so it takes none of their options:
#          --open-rate, --pool, --peak-duration).
# --peak-only: only the peak sale, on codeledgerd with sync durability (--peak-duration,
#          60 s unless given): a peak sale reproduced with one command. Exits 1 unless it
#          had zero errors, zero double redemptions and zero lost acks; the picture is
#          OUT/codeledgerd-sync-peak-sale.html. Takes none of the closed-loop options.
# --open-rate: the open-loop rate (default: half of the sync redeem rate this run measured).
# --rounds: the closed-loop runs N times over (1..30, default 1), every target once per round,
#          named NAME-rK; each ratio is taken within a round and a target judged on the
#          median of the rounds (side-by-side-summary.py). The open loop and the peak sale
#          run once, after the last round; the open-loop rate is half the median sync rate.
#          Many short rounds (--rounds 8 --requests 50000) show how far the rounds agree.
# --data-dir: where the servers' data and Redis's AOF go (default /tmp, the machine's disk).
#          /dev/shm (tmpfs) takes the disk out: an fdatasync there makes nothing durable, so
#          the runs show how much of each gap is the software's and how much the device's.
# --pin:   every server on SERVER_CPUS and the load generator on LOAD_CPUS (taskset lists,
#          e.g. 1:0; bench-lib.sh, set_pin): the same placement for every target. When the
#          load generator's CPUs are its own, one a client thread, its open-loop runs spin to
#          each send time (ledger-load --spin) instead of arming a timer a request.
# --pool:  the open loop sends each request on whichever connection is idle, as a pooled
#          client does (ledger-load --pool), instead of each connection keeping every 64th
#          slot of the schedule (wrk2's model, the default).
# env:   SERVER_THREADS (default 1), CLIENT_THREADS (default 1): on a 2-core machine one core
#        each for the server and the load generator, as single-threaded Redis gets.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
OUT=$ROOT/build/bench-report
REQUESTS=200000          # per closed-loop run (each target and scenario)
CONNECTIONS=64
RUN_CAP_S=30             # a closed-loop run stops at this many seconds even if short of REQUESTS
OPEN_DURATION_S=10
OPEN_WARMUP_S=3          # unmeasured open loop first: a fresh server's first second is slow
PEAK_DURATION_S=20
PEAK_DURATION_GIVEN=0
SERVER_THREADS=${SERVER_THREADS:-1}
CLIENT_THREADS=${CLIENT_THREADS:-1}
TWO_LANES_TOO=0
ALL_TARGETS=ceiling,none,async,sync,redis
ONLY=$ALL_TARGETS
DAEMON=
CLOSED_ONLY=0
PEAK_ONLY=0
OPEN_RATE=
ROUNDS=1
ROUND_NO=1
SUFFIX=                  # -rK on closed-loop run names when there are several rounds
DATA_DIR=                # parent of the run's scratch directory (empty: /tmp)
PIN=                     # --pin SERVER_CPUS:LOAD_CPUS (empty: not pinned)
POOL=                    # --pool: ledger-load's open loop sends on any idle connection
REQUESTS_FLAG=0          # --requests was given (--quick sets the count without it)
PEAK_DURATION_FLAG=0     # --peak-duration was given (--quick sets the duration without it)

# make_work_dir, data_dir_note, free_port, wait_port, metrics, the bench key (KEY, SECRET),
# write_config, launch_redis, set_pin, pin_note, print_usage, unknown_argument, need_value,
# require_whole, require_build_dir, require_binaries and ledger-load's limits
# (LOAD_CODES_MAX, LOAD_RATE_MAX)
source "$ROOT/bench/scripts/bench-lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --requests|--connections|--peak-duration|--build-dir|--out|--only|--daemon|--open-rate|\
    --rounds|--data-dir|--pin) need_value side-by-side "$1" $# ;;
  esac
  case "$1" in
    --quick) REQUESTS=20000; CONNECTIONS=16; RUN_CAP_S=5; OPEN_DURATION_S=3; OPEN_WARMUP_S=1
             PEAK_DURATION_S=3; PEAK_DURATION_GIVEN=1 ;;
    --requests) REQUESTS=$2; REQUESTS_FLAG=1; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --peak-duration) PEAK_DURATION_S=$2; PEAK_DURATION_GIVEN=1; PEAK_DURATION_FLAG=1; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --out) OUT=$2; shift ;;
    --two-lanes-too) TWO_LANES_TOO=1 ;;
    --only) ONLY=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --closed-only) CLOSED_ONLY=1 ;;
    --peak-only) PEAK_ONLY=1 ;;
    --pool) POOL=--pool ;;
    --open-rate) OPEN_RATE=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --data-dir) DATA_DIR=$2; shift ;;
    --pin) PIN=$2; shift ;;
    -h|--help) print_usage; exit 0 ;;
    *) unknown_argument side-by-side "$1" ;;
  esac
  shift
done

# Every count is checked before a server starts: a typo should cost a line, not a run whose
# every part fails.
require_whole side-by-side --rounds "$ROUNDS" 1 30
require_whole side-by-side --peak-duration "$PEAK_DURATION_S" 1 3600 seconds
# Each link or redeem takes a code of its own (--codes is --requests): a request past the
# last code would redeem a used one and measure the 1004 answer instead.
require_whole side-by-side --requests "$REQUESTS" 1 "$LOAD_CODES_MAX"
require_whole side-by-side --connections "$CONNECTIONS" 1 4096
for target in ${ONLY//,/ }; do
  [[ ",$ALL_TARGETS," == *",$target,"* ]] ||
    { echo "side-by-side: --only takes a comma-separated subset of $ALL_TARGETS, not '$target'" >&2; exit 2; }
done
[ -n "${ONLY//,/}" ] || { echo "side-by-side: --only names no target" >&2; exit 2; }
if [ "$PEAK_ONLY" = 1 ]; then
  if [ "$CLOSED_ONLY" = 1 ] || [ "$ROUNDS" != 1 ] || [ "$TWO_LANES_TOO" = 1 ] || [ -n "$OPEN_RATE" ] ||
     [ "$ONLY" != "$ALL_TARGETS" ] || [ -n "$POOL" ] || [ "$REQUESTS_FLAG" = 1 ]; then
    echo "side-by-side: --peak-only runs the peak sale alone; it takes none of --closed-only," \
         "--rounds, --two-lanes-too, --open-rate, --only, --pool and --requests" >&2
    exit 2
  fi
  ONLY=sync
  [ "$PEAK_DURATION_GIVEN" = 1 ] || PEAK_DURATION_S=60
fi
# --closed-only runs neither the open loop nor the peak sale: their flags would be ignored.
if [ "$CLOSED_ONLY" = 1 ] && { [ -n "$OPEN_RATE" ] || [ -n "$POOL" ] || [ "$PEAK_DURATION_FLAG" = 1 ]; }; then
  echo "side-by-side: --closed-only runs neither the open loop nor the peak sale; it takes none of" \
       "--open-rate, --pool and --peak-duration" >&2
  exit 2
fi
# The open loop sets up a fresh code for every request it may send (open_run).
[ -z "$OPEN_RATE" ] ||
  require_whole side-by-side --open-rate "$OPEN_RATE" 1 $(( (LOAD_CODES_MAX - 1000) / OPEN_DURATION_S )) \
    "requests per second"
[ -n "$PIN" ] && set_pin side-by-side "$PIN"

LOAD=$BUILD/bench/ledger-load
CEILING=$BUILD/bench/ceiling/ceiling-server
DAEMON=${DAEMON:-$BUILD/server/codeledgerd}
PIDS=()
WORK=

cleanup() {
  stop_descendants
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$WORK" ] || rm -rf "$WORK"
}
trap_exit cleanup  # before the scratch directory is made, so no exit can leave it behind
WORK=$(make_work_dir "$DATA_DIR" codeledger-bench)
if ! mkdir -p "$OUT" 2>/dev/null || [ ! -w "$OUT" ]; then
  echo "side-by-side: --out $OUT is not a directory it can write" >&2
  exit 2
fi
require_build_dir side-by-side "$BUILD" "$ROOT/build/release" "$LOAD" "$CEILING" "$DAEMON"
RESULTS=$OUT/results.txt
: > "$RESULTS"
rm -f "$OUT/open-fsyncs.txt"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_tools() {
  if [ ! -x "$LOAD" ] || [ ! -x "$CEILING" ] || [ ! -x "$DAEMON" ]; then
    echo "side-by-side: building ledger-load, ceiling-server and codeledgerd in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCODELEDGER_TESTS=OFF >/dev/null
    cmake --build "$BUILD" --target ledger-load ceiling-server codeledgerd -j "$(nproc)"
  fi
  require_binaries side-by-side "$LOAD" "$CEILING" "$DAEMON"  # a --daemon PATH is not built
  if wanted redis && ! command -v redis-server >/dev/null; then
    echo "side-by-side: installing redis-server"
    as_root apt-get install -y -qq redis-server >/dev/null
  fi
}

# A run's --label names its server's settings as KEY:VALUE,...: ledger-load refuses spaces and
# '=' in a label, which would break its RESULT line's NAME=VALUE pairs.
ledger_load() {  # ledger-load with this run's connection and thread counts, no progress line
  "${LOAD_PIN[@]}" "$LOAD" --connections "$CONNECTIONS" --threads "$CLIENT_THREADS" --no-progress "$@"
}

# $1 name, rest: ledger-load flags; appends the RESULT line and ledger-load's exit status
# (load_exit=N) to $RESULTS: the summary judges nothing from a run that failed or had errors.
load() {
  local name=$1; shift
  echo "== $name"
  local line status=0
  # Through a file, not $(...): a command substitution is waited on in the foreground, where
  # an INT to the script alone would wait for the whole run (run_interruptible).
  run_interruptible ledger_load --json "$OUT/$name.json" --html "$OUT/$name.html" "$@" \
    > "$WORK/load.out" || status=$?
  line=$(grep '^RESULT' "$WORK/load.out" || true)
  [ -n "$line" ] || line="RESULT failed=1"
  echo "$line"
  echo "$name $line load_exit=$status" >> "$RESULTS"
}

closed_runs() {  # $1 target name, rest: connection flags
  local name=$1; shift
  local scenario
  for scenario in link redeem; do
    load "$name-$scenario$SUFFIX" "$@" --scenario "$scenario" --requests "$REQUESTS" \
      --duration "$RUN_CAP_S" --codes "$REQUESTS"
  done
}

# start_*: a server in the background on a free loopback port; sets PORT, PID and FLAGS
# (what points ledger-load at it).
start_ceiling() {
  local cfg
  PORT=$(free_port); cfg=$(write_config none "$WORK/ceiling")
  "${SERVER_PIN[@]}" "$CEILING" --config "$cfg" --listen "127.0.0.1:$PORT" > "$WORK/ceiling.log" 2>&1 &
  PID=$!; PIDS+=("$PID"); wait_port "$PORT" "$PID" 10 "$WORK/ceiling.log"
  FLAGS=(--port "$PORT" --key "$KEY" --secret "$SECRET" --no-verify)
}

start_codeledgerd() {  # $1 durability, $2 sync lanes; a fresh data directory each time
  local data cfg
  data=$(mktemp -d "$WORK/data-$1-$2.XXXX")
  PORT=$(free_port); cfg=$(write_config "$1" "$data" "$2")
  "${SERVER_PIN[@]}" "$DAEMON" --config "$cfg" --listen "127.0.0.1:$PORT" > "$data.log" 2>&1 &
  PID=$!; PIDS+=("$PID"); wait_port "$PORT" "$PID" 10 "$data.log"
  FLAGS=(--port "$PORT" --key "$KEY" --secret "$SECRET")
}

start_redis() {  # $1 off|everysec|always
  local dir
  dir=$(mktemp -d "$WORK/redis-$1.XXXX")
  PORT=$(free_port)
  launch_redis "$1" "$PORT" "$dir"
  PID=$!; PIDS+=("$PID"); wait_port "$PORT" "$PID" 10 "$dir/redis.log"
  FLAGS=(--target redis --port "$PORT")
}

open_run() {  # $1 target name; redeem at OPEN_RATE for OPEN_DURATION_S against FLAGS
  local pace
  pace=$(open_loop_pace "$CLIENT_THREADS")
  # The same load unmeasured first, so every target is measured warm (the sync server has
  # its closed runs behind it; the others start fresh).
  run_interruptible ledger_load "${FLAGS[@]}" $pace $POOL --no-verify --json /dev/null --html /dev/null --scenario redeem \
    --rate "$OPEN_RATE" --duration "$OPEN_WARMUP_S" \
    --codes "$(( OPEN_RATE * OPEN_WARMUP_S + 1000 ))" > /dev/null 2>&1 || true
  load "$1-redeem-open" "${FLAGS[@]}" $pace $POOL --scenario redeem --rate "$OPEN_RATE" \
    --duration "$OPEN_DURATION_S" --codes "$(( OPEN_RATE * OPEN_DURATION_S + 1000 ))" \
    --label "open-loop:$OPEN_RATE/s"
}

run_ceiling() {
  start_ceiling
  closed_runs ceiling "${FLAGS[@]}"
  stop_pid "$PID"
}

# "TOTAL SLOW": codeledgerd's fdatasyncs so far, and those that took over 10 ms (/metrics);
# nothing, and status 1, when the server did not answer with them.
fsync_counts() {
  metrics "$1" | awk '
    /^codeledger_wal_fsyncs_total / { total = $2 }
    /^codeledger_wal_fsync_seconds_bucket\{le="0.01"\} / { fast = $2 }
    END { if (total == "" || fast == "") exit 1; printf "%d %d\n", total, total - fast }'
}

# Half of the sync redeem rate this run measured (the median over rounds), unless
# --open-rate set one.
pick_open_rate() {
  [ -n "$OPEN_RATE" ] && return 0
  local rps
  rps=$(awk '$1 ~ /^codeledgerd-sync-redeem(-r[0-9]+)?$/ {for(i=2;i<=NF;i++) if ($i ~ /^rps=/) print substr($i,5)}' "$RESULTS" |
        sort -n | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}')
  OPEN_RATE=$(awk -v r="${rps:-0}" 'BEGIN {printf "%d", r / 2}')
  [ "$OPEN_RATE" -gt 0 ] || OPEN_RATE=
}

# The sync server also gets the open loop (with its fdatasync count) and the peak-sale run.
sync_open_and_peak() {
  pick_open_rate
  if [ -n "$OPEN_RATE" ]; then
    local before after
    before=$(fsync_counts "$PORT") || before=
    open_run codeledgerd-sync
    # Each slow fdatasync holds every request that arrives meanwhile: the tail's cause.
    # A server that stopped answering gives no counts, and the summary none.
    after=$(fsync_counts "$PORT") || after=
    if [ -n "$before" ] && [ -n "$after" ]; then
      read -ra before <<< "$before"
      read -ra after <<< "$after"
      echo "$(( after[0] - before[0] )) $(( after[1] - before[1] ))" > "$OUT/open-fsyncs.txt"
    fi
  fi
  peak_sale
}

peak_sale() {  # on the sync server FLAGS point at
  load codeledgerd-sync-peak-sale "${FLAGS[@]}" \
    --scenario peak-sale --duration "$PEAK_DURATION_S" --codes 100000 --label "durability:sync"
}

run_codeledgerd() {  # $1 durability, $2 sync lanes (default 1; 2 adds only the closed runs)
  local lanes=${2:-1} name=codeledgerd-$1
  [ "$lanes" = 1 ] || name=codeledgerd-$1$lanes
  start_codeledgerd "$1" "$lanes"
  if [ "$PEAK_ONLY" = 1 ]; then
    peak_sale
    stop_pid "$PID"
    return 0
  fi
  closed_runs "$name" "${FLAGS[@]}" --label "durability:$1,sync_lanes:$lanes"
  if [ "$1" = sync ] && [ "$lanes" = 1 ] && [ "$CLOSED_ONLY" = 0 ] && [ "$ROUND_NO" = "$ROUNDS" ]; then
    sync_open_and_peak
  fi
  stop_pid "$PID"
}

run_redis() {  # $1 off|everysec|always
  start_redis "$1"
  closed_runs "redis-aof-$1" "${FLAGS[@]}" --label "aof:$1"
  stop_pid "$PID"
}

# The sync open loop's rate against the others, each on a fresh server: what this machine
# allows at that rate with no ledger (the ceiling), no log wait (none, async), or Redis's
# own fsync per event-loop turn (AOF always).
open_loop_beside_sync() {
  pick_open_rate
  if [ -z "$OPEN_RATE" ]; then
    echo "side-by-side: no open-loop rate (no sync redeem run and no --open-rate); skipped"
    return 0
  fi
  if wanted ceiling; then start_ceiling; open_run ceiling; stop_pid "$PID"; fi
  local mode
  for mode in none async; do
    if wanted "$mode"; then
      start_codeledgerd "$mode" 1; open_run "codeledgerd-$mode"; stop_pid "$PID"
    fi
  done
  if wanted redis; then start_redis always; open_run redis-aof-always; stop_pid "$PID"; fi
}

summary() {  # targets judged only when the logs were on a disk
  local flags=()
  data_in_memory "$WORK" && flags+=(--not-durable)
  [ "$PEAK_ONLY" = 1 ] && flags+=(--peak-only)
  python3 "$ROOT/bench/scripts/side-by-side-summary.py" "${flags[@]}" --html "$OUT/summary.html" \
    "$RESULTS" "$OUT/open-fsyncs.txt"
}

wanted() { [[ ",$ONLY," == *",$1,"* ]]; }
ensure_tools
if [ "$PEAK_ONLY" = 1 ]; then
  echo "side-by-side: the peak sale alone, $PEAK_DURATION_S s on codeledgerd (sync), $CONNECTIONS connections, report in $OUT"
else
  echo "side-by-side: $CONNECTIONS connections, $REQUESTS requests per closed-loop run, $ROUNDS round(s), reports in $OUT"
fi
data_dir_note "$WORK"
pin_note
for ((ROUND_NO = 1; ROUND_NO <= ROUNDS; ROUND_NO++)); do
  if [ "$ROUNDS" -gt 1 ]; then SUFFIX=-r$ROUND_NO; echo "== round $ROUND_NO of $ROUNDS"; fi
  if wanted ceiling; then run_ceiling; fi
  for mode in none async sync; do
    if wanted "$mode"; then run_codeledgerd "$mode"; fi
  done
  if [ "$TWO_LANES_TOO" = 1 ]; then run_codeledgerd sync 2; fi
  if wanted redis; then
    for aof in off everysec always; do run_redis "$aof"; done
  fi
done
if [ "$CLOSED_ONLY" = 0 ] && [ "$PEAK_ONLY" = 0 ]; then open_loop_beside_sync; fi
# The summary's status: 1 when a run failed or had errors; with --peak-only, 1 unless the
# peak sale was clean.
status=0
{ data_dir_note "$WORK"; pin_note; summary; } | tee "$OUT/summary.txt" || status=$?
if [ "$PEAK_ONLY" = 1 ]; then
  echo "side-by-side: the peak sale's report: $OUT/codeledgerd-sync-peak-sale.html (and .json)"
else
  echo "side-by-side: the summary as a picture: $OUT/summary.html; each run's report: $OUT/NAME.html"
fi
exit "$status"
