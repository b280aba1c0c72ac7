#!/usr/bin/env python3
"""The disk's own fdatasync latency, without codeledgerd: N times a 4 KiB pwrite into a
preallocated 64 MiB file (in place, as the WAL writes) followed by fdatasync; prints the
percentiles, and the CPU time the calling thread was charged per write + fdatasync. Compare
with codeledger_wal_fsync_seconds on /metrics under load. Why the CPU time: on a VM whose
hypervisor completes the flush while the guest's vCPU waits (the benchmark machine), an
fdatasync is not free for the other threads: its vCPU runs nothing else meanwhile.

With BUSY=K in the environment, K processes spin on the CPU meanwhile (the load generator and
the io thread of a loaded server): the time then includes the wait for a vCPU once the flush
is done (session 13: p99 0.4 ms idle, 4.4 ms with BUSY=2 on the 2-vCPU benchmark machine).

With BUSY_DUTY=SPIN_US/IDLE_US as well, each spinner spins SPIN_US then sleeps IDLE_US, over
and over: how long a vCPU may stay busy before the flushes slow down (session 18: on the
benchmark machine one spinner that never sleeps gave a p99.9 of 16-17 ms, one that sleeps as
long as it spins 1.4-1.6 ms, about what an idle machine gives).

usage: [BUSY=K [BUSY_DUTY=S/I]] bench/scripts/fsync-probe.py [PATH] [N]
       (default build/fsync-probe.bin, 4000; PATH must not exist: the probe makes that file,
       fills it and removes it afterwards, and N is 1..10000000)
"""
import os
import signal
import sys
import time

SIZE = 64 << 20
BLOCK = b"x" * 4096


def start_spinners(count, duty, pids):
    """Adds to pids count child processes that burn CPU until killed, or until this process
    is gone (so a killed probe leaves nothing spinning). duty: None to spin without a pause,
    or (spin_us, idle_us)."""
    parent = os.getpid()
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            spin(parent, duty)
            os._exit(0)
        pids.append(pid)


def spin(parent, duty):
    if duty is None:
        while os.getppid() == parent:
            pass
        return
    spin_ns, idle_s = duty[0] * 1000, duty[1] / 1e6
    while os.getppid() == parent:
        until = time.monotonic_ns() + spin_ns
        while time.monotonic_ns() < until:
            pass
        time.sleep(idle_s)


def parse_duty(text):
    """"SPIN_US/IDLE_US" -> (spin_us, idle_us); "" -> None. Exits on anything else."""
    if not text:
        return None
    parts = text.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) == 0 \
            or max(int(p) for p in parts) > 10_000_000:
        sys.exit("fsync-probe: BUSY_DUTY must be SPIN_US/IDLE_US, whole microseconds, spin > 0,"
                 " each at most 10000000")
    return int(parts[0]), int(parts[1])


def stop(pids):
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def parse_args(args):
    """(path, n) from the command line, or exit: -h prints the usage; an option, a third
    argument, a count that is not 1..10000000, or a PATH that exists is refused. Why the last:
    the probe overwrites and then deletes its file, and `fsync-probe.py --help` once took
    "--help" for the file to make."""
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    usage = "usage: [BUSY=K [BUSY_DUTY=S/I]] fsync-probe.py [PATH] [N] (--help for more)"
    options = [a for a in args if a.startswith("-")]
    if options or len(args) > 2:
        sys.exit("fsync-probe: unexpected argument %r; %s" % ((options or args[2:])[0], usage))
    path = args[0] if args else "build/fsync-probe.bin"
    count = args[1] if len(args) > 1 else "4000"
    if not count.isdigit() or not 1 <= int(count) <= 10_000_000:
        sys.exit("fsync-probe: N must be a whole number from 1 to 10000000, not %r" % count)
    if os.path.lexists(path):
        sys.exit("fsync-probe: %s exists; the probe makes its own file there and removes it "
                 "afterwards, so name a path that does not exist" % path)
    return path, int(count)


def main():
    path, n = parse_args(sys.argv[1:])
    busy_text = os.environ.get("BUSY", "0")
    if not busy_text.isdigit() or int(busy_text) > 64:
        sys.exit("fsync-probe: BUSY must be a whole number 0..64")
    busy = int(busy_text)
    duty_text = os.environ.get("BUSY_DUTY", "")
    duty = parse_duty(duty_text)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)  # never someone else's file
    spinners = []
    try:
        os.write(fd, b"\0" * SIZE)
        os.fsync(fd)
        start_spinners(busy, duty, spinners)
        lat = []
        cpu_started = time.thread_time()
        for i in range(n):
            started = time.perf_counter()
            os.pwrite(fd, BLOCK, (i * len(BLOCK)) % SIZE)
            os.fdatasync(fd)
            lat.append((time.perf_counter() - started) * 1e6)
        cpu_us = (time.thread_time() - cpu_started) * 1e6 / n
    finally:
        stop(spinners)
        os.close(fd)
        os.unlink(path)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    duty_label = " duty=" + duty_text if duty else ""
    print("fdatasync busy=%d%s n=%d p50=%.0fus p90=%.0fus p99=%.0fus p99.9=%.0fus max=%.0fus"
          " mean=%.0fus thread_cpu_per_sync=%.0fus"
          % (busy, duty_label, n, pct(.5), pct(.9), pct(.99), pct(.999), lat[-1], sum(lat) / n,
             cpu_us))


if __name__ == "__main__":
    main()
