#!/usr/bin/env python3
"""What a segment zero fill does to the log's fdatasync latency, without codeledgerd.

One thread pwrites 200 bytes in place into a preallocated file and fdatasyncs, as the WAL
writer does, while another zero-fills a 64 MiB file in 256 KiB pieces (PIECE_KIB in the environment; pwrite, then
sync_file_range WAIT_BEFORE|WRITE|WAIT_AFTER, as PosixFs::create_zeroed does), then fsyncs it.
Each turn runs three ways: no fill (the disk alone), the fill unpaced, and the fill paced as
SegmentPreallocator paces it (after each piece a rest of 3x the piece's time, within 1-20
ms; wal/preallocator.h). Prints the fdatasync percentiles while each ran.

usage: bench/scripts/zero-fill-probe.py [DIR] [TURNS]   (default build, 2)
"""
import ctypes
import os
import sys
import threading
import time

FILL_BYTES = 64 << 20
PIECE = int(os.environ.get("PIECE_KIB", "256")) << 10
LOG_BYTES = 8 << 20
SFR_WAIT_WRITE_WAIT = 1 | 2 | 4
libc = ctypes.CDLL(None, use_errno=True)


def write_out(fd, offset, n):
    if libc.sync_file_range(fd, ctypes.c_longlong(offset), ctypes.c_longlong(n),
                            SFR_WAIT_WRITE_WAIT) != 0:
        raise OSError(ctypes.get_errno(), "sync_file_range")


def zero_fill(path, paced):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    zeros = b"\0" * PIECE
    try:
        for at in range(0, FILL_BYTES, PIECE):
            started = time.perf_counter()
            os.pwrite(fd, zeros, at)
            write_out(fd, at, PIECE)
            if paced:
                time.sleep(min(max(3 * (time.perf_counter() - started), 0.001), 0.020))
        os.fsync(fd)
    finally:
        os.close(fd)


def log_syncs(fd, stop, lat):
    offset = 0
    while not stop.is_set():
        os.pwrite(fd, b"x" * 200, offset)
        offset = (offset + 200) % LOG_BYTES
        started = time.perf_counter()
        os.fdatasync(fd)
        lat.append((time.perf_counter() - started) * 1e3)


def one(log_fd, fill_path, way):
    stop, lat = threading.Event(), []
    prober = threading.Thread(target=log_syncs, args=(log_fd, stop, lat))
    prober.start()
    started = time.perf_counter()
    try:
        if way == "no fill":
            time.sleep(1.0)
        else:
            zero_fill(fill_path, paced=(way == "paced"))
    finally:
        took = time.perf_counter() - started
        stop.set()
        prober.join()
    if way != "no fill":
        os.unlink(fill_path)  # after the probe: freeing 64 MiB is a journal commit of its own
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("%-8s %5.0f ms  fdatasync n=%d p50=%.2f p99=%.2f p99.9=%.2f max=%.2f ms"
          % (way, took * 1e3, len(lat), pct(.5), pct(.99), pct(.999), lat[-1]), flush=True)


def main():
    args = sys.argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return
    directory = args[0] if args else "build"
    turns = args[1] if len(args) > 1 else "2"
    if len(args) > 2 or directory.startswith("-") or not os.path.isdir(directory) \
            or not turns.isdigit() or not 1 <= int(turns) <= 1000:
        sys.exit("zero-fill-probe: usage: zero-fill-probe.py [DIR] [TURNS] (an existing "
                 "directory, TURNS 1..1000; --help for more)")
    turns = int(turns)
    log_path = os.path.join(directory, "zero-fill-probe.log")
    fill_path = os.path.join(directory, "zero-fill-probe.fill")
    log_fd = os.open(log_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(log_fd, b"\0" * LOG_BYTES)
        os.fsync(log_fd)
        for turn in range(turns):
            print("turn %d" % (turn + 1))
            for way in ("no fill", "unpaced", "paced"):
                one(log_fd, fill_path, way)
    finally:
        os.close(log_fd)
        os.unlink(log_path)


if __name__ == "__main__":
    main()
