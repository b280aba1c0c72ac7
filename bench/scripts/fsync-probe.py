#!/usr/bin/env python3
"""The disk's own fdatasync latency, without codeledgerd: N times a 4 KiB pwrite into a
preallocated 64 MiB file (in place, as the WAL writes) followed by fdatasync; prints the
percentiles. Compare with codeledger_wal_fsync_seconds on /metrics under load.

usage: bench/scripts/fsync-probe.py [PATH] [N]   (default build/fsync-probe.bin, 4000)
"""
import os
import sys
import time

SIZE = 64 << 20
BLOCK = b"x" * 4096


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "build/fsync-probe.bin"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"\0" * SIZE)
        os.fsync(fd)
        lat = []
        for i in range(n):
            started = time.perf_counter()
            os.pwrite(fd, BLOCK, (i * len(BLOCK)) % SIZE)
            os.fdatasync(fd)
            lat.append((time.perf_counter() - started) * 1e6)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("fdatasync n=%d p50=%.0fus p90=%.0fus p99=%.0fus p99.9=%.0fus max=%.0fus mean=%.0fus"
          % (n, pct(.5), pct(.9), pct(.99), pct(.999), lat[-1], sum(lat) / n))


if __name__ == "__main__":
    main()
