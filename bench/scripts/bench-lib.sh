# Shared by the bench scripts (sourced): checks of their flags, a run's scratch directory, a free
# loopback port, waiting for a server to accept, the bench API key with the config file the
# scripts start servers with, stopping a process and what runs below the script, and a
# server's /metrics page. The caller sets WORK (make_work_dir) and SERVER_THREADS before
# write_config.

# --data-dir: the directory a run's scratch goes under (the servers' data and logs, Redis's
# AOF, the config files), by default /tmp on the machine's disk. On tmpfs (/dev/shm) an
# fdatasync costs next to nothing and makes nothing durable: the same runs with the device
# taken out, so what is left of a gap is the software's (docs/benchmarks-history.md, session 21).
make_work_dir() {  # $1 parent directory (empty: /tmp), $2 name prefix -> the new directory
  local parent=${1:-/tmp}
  if [ ! -d "$parent" ] || [ ! -w "$parent" ]; then
    echo "$(basename "$0" .sh): --data-dir $parent is not a writable directory" >&2
    return 2
  fi
  mktemp -d "$parent/$2.XXXXXX"
}

data_fs() {  # $1 a directory: its file system's type (ext2/ext3, tmpfs, ...)
  stat -f -c %T "$1"
}

data_in_memory() {  # $1 a directory: true when its file system keeps it in memory only
  case "$(data_fs "$1")" in tmpfs|ramfs) return 0 ;; *) return 1 ;; esac
}

# One line on where the data went; a warning when nothing reached a disk.
data_dir_note() {  # $1 the run's scratch directory
  echo "data: $(dirname "$1") ($(data_fs "$1"))"
  if data_in_memory "$1"; then
    echo "note: data in memory: sync and AOF always fdatasync'd to no disk; these figures are the software's alone, not durable ones"
  fi
}

# -h / --help: the script's opening comment, from the line after #! to the first line that
# is not a comment.
print_usage() {
  awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"
}

# Exits 2 with "NAME: unknown argument ARG".
unknown_argument() {  # $1 the script's name, $2 the argument
  echo "$1: unknown argument $2" >&2
  exit 2
}

# Exits 2 with "NAME: FLAG needs a value" when a flag that takes one ends the command line.
need_value() {  # $1 the script's name, $2 the flag, $3 the arguments left ($#, the flag's own included)
  [ "$3" -ge 2 ] || { echo "$1: $2 needs a value" >&2; exit 2; }
}

# Exits 2 with "NAME: FLAG must be a whole number[ of UNIT], MIN..MAX" unless VALUE is one.
require_whole() {  # $1 the script's name, $2 flag, $3 value, $4 min, $5 max, $6 unit (optional)
  if ! [[ "$3" =~ ^(0|[1-9][0-9]{0,17})$ ]] || [ "$3" -lt "$4" ] || [ "$3" -gt "$5" ]; then
    echo "$1: $2 must be a whole number${6:+ of $6}, $4..$5" >&2
    exit 2
  fi
}

# ledger-load's own limits (bench/load/options.h), so a script refuses up front what every
# one of its runs would fail on.
LOAD_CODES_MAX=10000000      # --codes: codes one run sets up
LOAD_RATE_MAX=10000000       # --rate: requests a second

# Exits 2 with "NAME: bad FLAG VALUE (one of A|B|...)" unless VALUE is one of the choices.
require_choice() {  # $1 the script's name, $2 flag, $3 value, $4 the choices, |-separated
  [[ "|$4|" == *"|$3|"* ]] && [ -n "$3" ] && return 0
  echo "$1: bad $2 $3 (one of $4)" >&2
  exit 2
}

# A mistyped --build-dir must cost a line, not a configure and a full build in a new
# directory. A script builds what is missing only in the default build dir the docs name (the
# one-command runs) or in one already configured (CMakeCache.txt); elsewhere every binary
# must be there already.
require_build_dir() {  # $1 the script's name, $2 the build dir, $3 the default one, rest: binaries
  local script=$1 dir=$2 default=$3 bin
  shift 3
  [ "$(realpath -m "$dir")" = "$(realpath -m "$default")" ] && return 0
  [ -f "$dir/CMakeCache.txt" ] && return 0
  if [ ! -d "$dir" ]; then
    echo "$script: --build-dir $dir does not exist (only the default, $default, is built when missing)" >&2
    exit 2
  fi
  for bin in "$@"; do
    [ -x "$bin" ] || { echo "$script: $bin is missing, and $dir is not a configured build to make it in (build it: docs/benchmarks.md, Build)" >&2; exit 2; }
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

metrics() {  # $1 port: the page codeledgerd serves without credentials
  curl -s "http://127.0.0.1:$1/metrics"
}

# True when process $1 itself holds a socket listening on port $2: the port open is not
# enough, another process may hold it (our server then exits with "Address already in use").
holds_listener() {  # $1 pid, $2 port
  local port_hex inode
  port_hex=$(printf '%04X' "$2")
  # /proc/net/tcp*: local address ADDR:PORT (hex) in field 2, state 0A is LISTEN, inode field 10
  for inode in $(awk -v port=":$port_hex" 'substr($2, length($2) - 4) == port && $4 == "0A" { print $10 }' \
                   /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    ls -l "/proc/$1/fd" 2>/dev/null | grep -qF "socket:[$inode]" && return 0
  done
  return 1
}

# The last lines of a server's log, where it says why it stopped: the log goes with the
# run's scratch directory when the script exits.
show_log_tail() {  # $1 the log file (may be empty or missing)
  [ -s "${1:-}" ] || return 0
  echo "$(basename "$0"): the end of its log:" >&2
  tail -n 20 "$1" | sed 's/^/  /' >&2
}

# Until process $2 listens on port $1, or it died (its log's end shown), or $3 seconds passed.
wait_port() {  # $1 port, $2 pid, $3 seconds (default 10), $4 the process's log (optional)
  for _ in $(seq 1 $((${3:-10} * 20))); do
    if holds_listener "$2" "$1"; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "$(basename "$0"): process $2 exited before it listened on port $1" >&2
      show_log_tail "${4:-}"
      return 1
    fi
    sleep 0.05
  done
  echo "$(basename "$0"): process $2 never listened on port $1" >&2
  show_log_tail "${4:-}"
  return 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Every process below $1, each before its own children, into DESCENDANTS (read from /proc,
# with no subshell that would list itself).
collect_descendants() {  # $1 pid
  local kids=() kid
  read -ra kids < "/proc/$1/task/$1/children" 2>/dev/null || true
  for kid in "${kids[@]}"; do
    DESCENDANTS+=("$kid")
    collect_descendants "$kid"
  done
}

# For the scripts' EXIT traps. A TERM (kill, timeout) ends bash at once and runs its EXIT
# trap, but not the command it was waiting on: a ledger-load would go on loading a server
# that is gone until its duration ran out. This stops everything still running below us.
stop_descendants() {
  DESCENDANTS=()
  collect_descendants $$
  local pid
  for pid in "${DESCENDANTS[@]}"; do kill "$pid" 2>/dev/null || true; done
}

# Every script's exit: $1 (a command, which should call stop_descendants) runs however the
# script ends. An INT sent to the script alone (kill -INT, not Ctrl-C, which signals the whole
# group) would otherwise be ignored: bash acts on it only once its foreground command has
# ended, and then only if that command died of it too. Trapped, it ends the script as a TERM
# does, and the EXIT trap stops what was running.
trap_exit() {  # $1 the command to run on exit
  trap "$1" EXIT
  trap 'exit 130' INT
}

# Runs "$@" in the background and waits for it. A trapped signal ends a wait at once, where
# bash runs the trap for a foreground command only once it is done: so an INT to the script
# alone stops a long load now, not when it ends (the fill's --duration is 600 s).
run_interruptible() {
  "$@" &
  wait $!
}

# True while process $1 runs: it exists and is not a zombie (dead, its status not yet taken).
running() {
  local stat
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# Waits up to $1 seconds for the processes stop_descendants signalled to be gone; those that
# are not our children cannot be waited for, only watched.
descendants_gone() {
  local pid left
  for _ in $(seq 1 $(($1 * 20))); do
    left=0
    for pid in "${DESCENDANTS[@]}"; do running "$pid" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.05
  done
  return 1
}

# A key of our own with rate limits far above any load here: the demo key is limited to
# 1000 requests a minute, which would measure the limiter, not the ledger.
KEY=benchk
# The secret, its salt and the salted SHA-256 of its MD5 (docs/operations.md), in one Python
# start: each start costs a few hundred ms on a busy small VM.
read -r SECRET SALT SECRET_SHA < <(python3 -c '
import hashlib, secrets
secret, salt = secrets.token_hex(12), secrets.token_hex(16)
md5 = hashlib.md5(secret.encode()).hexdigest()
print(secret, salt, hashlib.sha256(bytes.fromhex(salt) + md5.encode()).hexdigest())')

# The organisation may hold as many codes as the server allows (codes_max 2^40), so that
# runs against one server are never cut short by the default 10,000,000.
# GROUP_COMMIT_WAIT_US, GROUP_COMMIT_QUIET_US, GROUP_COMMIT_MIN_RECORDS and
# GROUP_COMMIT_SPACING_US, when set, go in as durability.group_commit_wait_us, _quiet_us,
# _min_records and _spacing_us (unset: the defaults).
write_config() {  # $1 durability mode, $2 data dir, $3 sync lanes (default 1) -> config path
  local path=$WORK/config-$1-${3:-1}.json
  local group_commit=""
  [ -n "${GROUP_COMMIT_WAIT_US:-}" ] && group_commit=", \"group_commit_wait_us\": $GROUP_COMMIT_WAIT_US"
  [ -n "${GROUP_COMMIT_QUIET_US:-}" ] && group_commit+=", \"group_commit_quiet_us\": $GROUP_COMMIT_QUIET_US"
  [ -n "${GROUP_COMMIT_MIN_RECORDS:-}" ] && group_commit+=", \"group_commit_min_records\": $GROUP_COMMIT_MIN_RECORDS"
  [ -n "${GROUP_COMMIT_SPACING_US:-}" ] && group_commit+=", \"group_commit_spacing_us\": $GROUP_COMMIT_SPACING_US"
  cat > "$path" <<JSON
{"threads": $SERVER_THREADS, "data_dir": "$2", "demo": false,
 "durability": {"mode": "$1", "fsync_interval_ms": 5, "sync_lanes": ${3:-1}$group_commit},
 "organisations": [{"org_id": 100737, "time_zone": "UTC", "codes_max": 1099511627776}],
 "api_keys": [{"name": "$KEY", "org_id": 100737, "scopes": ["read", "write", "admin"],
               "salt": "$SALT", "secret_sha256": "$SECRET_SHA",
               "rate_limit_per_minute": 4000000000, "rate_limit_burst": 100000000}]}
JSON
  echo "$path"
}

# The durability mode in --target $1's config: the ceiling answers without a ledger or a log,
# so none; none, async and sync are their own.
config_durability() {
  if [ "$1" = ceiling ]; then echo none; else echo "$1"; fi
}

# The binary that serves --target $1 (ceiling: ceiling-server; none, async, sync:
# codeledgerd) in build dir $2, unless $3 (a --daemon path) names another.
server_binary() {
  if [ -n "${3:-}" ]; then echo "$3"
  elif [ "$1" = ceiling ]; then echo "$2/bench/ceiling/ceiling-server"
  else echo "$2/server/codeledgerd"
  fi
}

# --pin SERVER_CPUS:LOAD_CPUS (taskset lists, e.g. 1:0): set_pin sets SERVER_PIN and
# LOAD_PIN, the prefixes that start every server (the ceiling, codeledgerd, Redis alike) and
# the load generator on those CPUs; unpinned, both are empty. Put the servers on the CPU that
# takes the data disk's interrupts (its queue's line in /proc/interrupts): there the
# fdatasync's completion finds the log's thread and the io thread on the CPU it interrupts,
# instead of waking a halted second vCPU (docs/benchmarks-history.md, session 24).
SERVER_PIN=()
LOAD_PIN=()
set_pin() {  # $1 the script's name, $2 the spec; exits 2 on a malformed spec or a missing CPU
  local list='[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*' cpu last
  if ! [[ "$2" =~ ^${list}:${list}$ ]]; then
    echo "$1: --pin must be SERVER_CPUS:LOAD_CPUS (taskset lists), e.g. 1:0" >&2; exit 2
  fi
  last=$(( $(getconf _NPROCESSORS_ONLN) - 1 ))
  for cpu in ${2//[:,-]/ }; do
    [ "$cpu" -le "$last" ] || { echo "$1: --pin names CPU $cpu; this machine has CPUs 0..$last" >&2; exit 2; }
  done
  command -v taskset >/dev/null || { echo "$1: --pin needs taskset (apt-get install util-linux)" >&2; exit 2; }
  SERVER_PIN=(taskset -c "${2%%:*}")
  LOAD_PIN=(taskset -c "${2##*:}")
}

cpu_list() {  # a taskset list (1,3-5) as one CPU a line
  local part
  for part in ${1//,/ }; do seq "${part%-*}" "${part#*-}"; done
}

# The open loop's pacing flag for ledger-load: --spin (ledger-load's client threads spin to
# each send time instead of arming a timer a request, bench/load/pacer.h) when --pin gave the
# load generator CPUs of its own, at least one a client thread ($1), so the spinning takes
# nothing from the servers; nothing otherwise.
open_loop_pace() {
  [ ${#LOAD_PIN[@]} -gt 0 ] || return 0
  local load server
  load=$(cpu_list "${LOAD_PIN[2]}" | sort -u)
  server=$(cpu_list "${SERVER_PIN[2]}" | sort -u)
  [ -z "$(comm -12 <(echo "$load") <(echo "$server"))" ] || return 0
  [ "$(echo "$load" | wc -l)" -ge "$1" ] && echo --spin
  return 0
}

pin_note() {  # one line on where the servers and the load generator ran
  if [ ${#SERVER_PIN[@]} -eq 0 ]; then echo "cpus: not pinned"
  else echo "cpus: servers on ${SERVER_PIN[2]}, the load generator on ${LOAD_PIN[2]} (--pin)"; fi
}

# Starts redis-server in the background (the caller takes its pid from $!) on 127.0.0.1:$2,
# with its files in directory $3 and AOF $1: off, everysec or always; no RDB snapshots.
launch_redis() {
  local aof=(--appendonly no)
  [ "$1" != off ] && aof=(--appendonly yes --appendfsync "$1")
  "${SERVER_PIN[@]}" redis-server --bind 127.0.0.1 --port "$2" --save '' "${aof[@]}" --dir "$3" \
    --daemonize no --logfile "$3/redis.log" &
}

# Exits 2 naming the first of $2.. that is not an executable; $1 is the script's name.
require_binaries() {
  local script=$1 bin
  shift
  for bin in "$@"; do
    [ -x "$bin" ] || { echo "$script: $bin is missing (build it: docs/benchmarks.md, Build)" >&2; exit 2; }
  done
}

# Ends the script with ledger-load's own words (its output file) when the load failed.
load_failed() {  # $1 the script's name, $2 what failed, $3 ledger-load's output file
  echo "$1: $2:" >&2
  cat "$3" >&2
  exit 1
}

# One codeledgerd (durability $2, one io thread) for script $1 on a free loopback port, pinned
# by SERVER_PIN, with its data and log in a new WORK directory that goes, with the server, on
# exit, with whatever else the script started (stop_scratch_server). Takes BUILD, ROOT and
# DAEMON (empty: BUILD's codeledgerd); sets WORK, PORT, SERVER, LOAD, SERVER_PID and metric
# (a /metrics value by name).
start_scratch_server() {  # $1 the script's name, $2 durability mode
  SERVER_THREADS=1
  WORK=$(make_work_dir "" "codeledger-$1")
  SERVER_PID=
  trap_exit stop_scratch_server
  local config
  config=$(write_config "$2" "$WORK/data")
  PORT=$(free_port)
  SERVER=${DAEMON:-$BUILD/server/codeledgerd}
  LOAD=$BUILD/bench/ledger-load
  require_build_dir "$1" "$BUILD" "$ROOT/build/release" "$LOAD" "$SERVER"
  require_binaries "$1" "$LOAD" "$SERVER"
  "${SERVER_PIN[@]}" "$SERVER" --config "$config" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_port "$PORT" "$SERVER_PID" 10 "$WORK/server.log"
}

# start_scratch_server's EXIT trap: the load it was waiting on first (stop_descendants), so no
# ledger-load goes on loading a server that is gone, then the server and its directory.
stop_scratch_server() {
  stop_descendants
  if [ -n "$SERVER_PID" ]; then stop_pid "$SERVER_PID"; fi
  rm -rf "$WORK"
}

metric() { metrics "$PORT" | awk -v name="$1" '$1 == name { print $2 }'; }

# Fills the server start_scratch_server started with $2 codes, each linked (ledger-load's link
# scenario, 16 connections), pinned by LOAD_PIN; exits 1 with ledger-load's output on failure.
fill_linked() {  # $1 the script's name, $2 codes
  run_interruptible "${LOAD_PIN[@]}" "$LOAD" --port "$PORT" --key "$KEY" --secret "$SECRET" --scenario link \
    --requests "$2" --codes "$2" --duration 600 --connections 16 --threads 1 --no-progress \
    --no-verify --json /dev/null --html /dev/null > "$WORK/fill.out" 2>&1 ||
    load_failed "$1" "the fill" "$WORK/fill.out"
}

# Waits up to $3 seconds (default 60) until the ledger-load writing to $1 (pid $2) reports its
# set-up done ("codes ready"); false if it exited or the time ran out first.
wait_load_ready() {
  for _ in $(seq 1 $((${3:-60} * 10))); do
    grep -q "codes ready" "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "codes ready" "$1"
}
