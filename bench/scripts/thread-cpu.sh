#!/usr/bin/env bash
# One load run against one server, with the CPU each of its threads used: where the time
# goes (is http-io saturated, or waiting?). Starts the server (the ceiling or codeledgerd in
# one durability mode, 1 io thread, the config side-by-side.sh writes) on a free loopback
# port, runs ledger-load with 64 connections and 1 client thread, samples
# /proc/PID/task/*/stat for 2 s once the load has started, and stops the server on exit.
#
# usage: bench/scripts/thread-cpu.sh [--target ceiling|none|async|sync] [--scenario S]
#          [--requests N] [--rate R] [--daemon PATH] [--build-dir DIR]
# Prints one line: target, scenario, rps, p99, p99.9, then NAME=CPU% per thread (and for
# the load generator). Two builds in turns: run it with --daemon OLD, then --daemon NEW.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
TARGET=sync
SCENARIO=redeem
REQUESTS=300000
RATE=
DAEMON=
while [ $# -gt 0 ]; do
  case "$1" in
    --target) TARGET=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --requests) REQUESTS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --daemon) DAEMON=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "thread-cpu: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$TARGET" in ceiling|none|async|sync) ;; *) echo "thread-cpu: bad --target $TARGET" >&2; exit 2 ;; esac

WORK=$(mktemp -d /tmp/codeledger-thread-cpu.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT

KEY=benchk
SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
SALT=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
SECRET_SHA=$(python3 -c 'import hashlib,sys; s=bytes.fromhex(sys.argv[1]); m=hashlib.md5(sys.argv[2].encode()).hexdigest(); print(hashlib.sha256(s+m.encode()).hexdigest())' "$SALT" "$SECRET")
MODE=$TARGET; [ "$MODE" = ceiling ] && MODE=none
cat > "$WORK/config.json" <<JSON
{"threads": 1, "data_dir": "$WORK/data", "demo": false,
 "durability": {"mode": "$MODE", "fsync_interval_ms": 5, "sync_lanes": 1},
 "organisations": [{"org_id": 100737, "time_zone": "UTC"}],
 "api_keys": [{"name": "$KEY", "org_id": 100737, "scopes": ["read", "write", "admin"],
               "salt": "$SALT", "secret_sha256": "$SECRET_SHA",
               "rate_limit_per_minute": 4000000000, "rate_limit_burst": 100000000}]}
JSON
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$TARGET" = ceiling ]; then
  SERVER=("$BUILD/bench/ceiling/ceiling-server")
else
  SERVER=("${DAEMON:-$BUILD/server/codeledgerd}")
fi
for bin in "$BUILD/bench/ledger-load" "${SERVER[0]}"; do
  [ -x "$bin" ] || { echo "thread-cpu: $bin is missing (build it: docs/benchmarks.md, Build)" >&2; exit 2; }
done
"${SERVER[0]}" --config "$WORK/config.json" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done

LOAD_ARGS=(--port "$PORT" --key "$KEY" --secret "$SECRET" --scenario "$SCENARIO"
           --requests "$REQUESTS" --codes "$REQUESTS" --duration 30 --connections 64 --threads 1
           --no-progress --json "$WORK/load.json" --html /dev/null)
[ -n "$RATE" ] && LOAD_ARGS+=(--rate "$RATE")
[ "$TARGET" = ceiling ] && LOAD_ARGS+=(--no-verify)
"$BUILD/bench/ledger-load" "${LOAD_ARGS[@]}" > "$WORK/load.out" 2>&1 &
LOAD_PID=$!
for _ in $(seq 1 600); do grep -q "codes ready" "$WORK/load.out" && break; sleep 0.1; done
sleep 1.5

# utime + stime (clock ticks) of every server thread and of the load generator
ticks() {
  for t in /proc/"$SERVER_PID"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done
  if [ -r /proc/"$LOAD_PID"/stat ]; then echo "ledger-load $(awk '{print $14 + $15}' /proc/"$LOAD_PID"/stat)"; fi
}
ticks > "$WORK/t0"; sleep 2; ticks > "$WORK/t1"
SHORT=
kill -0 "$LOAD_PID" 2>/dev/null || SHORT=" (the run ended inside the 2 s sample: raise --requests)"
wait "$LOAD_PID" || true
HZ=$(getconf CLK_TCK)
CPU=$(paste "$WORK/t0" "$WORK/t1" | awk -v hz="$HZ" '{p = ($4 - $2) * 100 / hz / 2; if (p > 0) printf "%s=%.0f%% ", $1, p}')
RESULT=$(grep '^RESULT' "$WORK/load.out" | grep -oE 'rps=[0-9]+|p99_us=[0-9.]+|p999_us=[0-9.]+|errors=[0-9]+' | tr '\n' ' ')
echo "$TARGET $SCENARIO ${RESULT:-failed} cpu: $CPU$SHORT"
