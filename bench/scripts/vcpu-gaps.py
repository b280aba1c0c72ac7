#!/usr/bin/env python3
"""Was a load run's latency tail the server's, or the host's?

Reads a `perf record -a -k CLOCK_MONOTONIC -e cpu-clock -F 1000` trace taken beside a
ledger-load run, and that run's JSON report. The cpu-clock event samples every CPU every
millisecond, idle or busy, so a longer gap between two samples of one CPU means that vCPU
ran nothing at all, not even the idle loop: the host had taken it away (a VM's steal time
that the guest's own accounting does not see here). Prints, for each second of the run,
the load's p99 beside each vCPU's time lost in such gaps, and how often the slow seconds
had one.

usage: bench/scripts/vcpu-gaps.py PERF_DATA LOAD_JSON [--gap-ms 2]
(bench/scripts/thread-cpu.sh --vcpu-gaps records both and calls this.)
"""
import argparse
import json
import subprocess
import sys
from collections import defaultdict

SAMPLE_MS = 1.0   # perf record -F 1000


def sample_times(perf_data):
    """cpu -> sorted sample times (seconds, CLOCK_MONOTONIC)."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "cpu,time"],
                         capture_output=True, text=True, check=True).stdout
    times = defaultdict(list)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            cpu = int(parts[0].strip("[]"))
            times[cpu].append(float(parts[1].rstrip(":")))
        except ValueError:
            continue
    for cpu in times:
        times[cpu].sort()
    return times


def gaps(times, begin, end, gap_ms):
    """cpu -> [(start, length_ms)] of sample gaps of at least gap_ms inside [begin, end]."""
    found = defaultdict(list)
    for cpu, ts in times.items():
        for a, b in zip(ts, ts[1:]):
            length_ms = (b - a) * 1000 - SAMPLE_MS
            if length_ms >= gap_ms and b >= begin and a <= end:
                found[cpu].append((a, length_ms))
    return found


def analyse(times, report, gap_ms, slow_ms):
    """Per second of the report's timeline: (t_s, requests, p99_ms, {cpu: (lost, longest)});
    then the counts (slow, slow with a gap, fast, fast with a gap) and the run's gaps."""
    start = report["start_monotonic_s"]
    timeline = report["timeline"]
    found = gaps(times, start, start + len(timeline), gap_ms)
    lost = defaultdict(float)
    longest = defaultdict(float)
    for cpu, items in found.items():
        for at, length_ms in items:
            s = int(at - start)   # the timeline's t_s = s + 1 covers [start + s, start + s + 1)
            if 0 <= s < len(timeline):
                lost[(s, cpu)] += length_ms
                longest[(s, cpu)] = max(longest[(s, cpu)], length_ms)
    rows = []
    counts = [0, 0, 0, 0]   # slow, slow with a gap, fast, fast with a gap
    for s, point in enumerate(timeline):
        p99_ms = point["p99_us"] / 1000.0
        per_cpu = {c: (lost[(s, c)], longest[(s, c)]) for c in sorted(times)}
        rows.append((point["t_s"], point["requests"], p99_ms, per_cpu))
        hit = any(longest[(s, c)] >= gap_ms for c in times)
        base = 0 if p99_ms > slow_ms else 2
        counts[base] += 1
        counts[base + 1] += hit
    return rows, counts, found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("perf_data")
    ap.add_argument("load_json")
    ap.add_argument("--gap-ms", type=float, default=2.0,
                    help="a sample gap at least this long counts as the vCPU taken (default 2)")
    ap.add_argument("--slow-ms", type=float, default=2.0,
                    help="a second whose p99 is above this is slow (default 2, issue 6's target)")
    a = ap.parse_args()

    report = json.load(open(a.load_json))
    if not report.get("start_monotonic_s"):
        sys.exit("vcpu-gaps: %s has no start_monotonic_s (a ledger-load older than this script)"
                 % a.load_json)
    times = sample_times(a.perf_data)
    if not times:
        sys.exit("vcpu-gaps: no cpu-clock samples in %s" % a.perf_data)
    rows, (slow, slow_hit, fast, fast_hit), found = analyse(times, report, a.gap_ms, a.slow_ms)
    cpus = sorted(times)
    print("%6s %8s %9s" % ("second", "requests", "p99 ms") +
          "".join("  cpu%d lost/longest ms" % c for c in cpus))
    for t_s, requests, p99_ms, per_cpu in rows:
        print("%6d %8d %9.2f" % (t_s, requests, p99_ms) +
              "".join("  %9.1f / %-9.1f" % per_cpu[c] for c in cpus))
    print("seconds with p99 > %.1f ms: %d, of which %d had a vCPU taken for >= %.1f ms"
          % (a.slow_ms, slow, slow_hit, a.gap_ms))
    print("seconds with p99 <= %.1f ms: %d, of which %d had one" % (a.slow_ms, fast, fast_hit))
    for c in cpus:
        items = found.get(c, [])
        print("cpu%d: %d gaps >= %.1f ms in the run, %.1f ms lost, longest %.1f ms"
              % (c, len(items), a.gap_ms, sum(x for _, x in items),
                 max((x for _, x in items), default=0)))


if __name__ == "__main__":
    main()
