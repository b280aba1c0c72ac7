#!/usr/bin/env python3
"""The summary side-by-side.sh prints: every run's throughput and latency, the ratios
codeledgerd/ceiling and codeledgerd/Redis, and where issue 6's targets stand.

usage: side-by-side-summary.py [--not-durable] [--peak-only] [--html FILE] RESULTS [OPEN_FSYNCS]
--not-durable: the logs were in memory (side-by-side.sh --data-dir on tmpfs), so sync and
AOF always made nothing durable: every figure is printed, no target is judged.
--peak-only: only the peak sale ran (side-by-side.sh --peak-only): its figures and its
verdict, without the ratios and targets of runs that were not made; exits 1 unless it had
zero errors, zero double redemptions and zero lost acks.
--html FILE: also writes the summary as a page with a bar chart per scenario (the median
requests a second and p99 of every target over its clean runs, a target's runs that failed
or had errors named beside it; side_by_side_chart.py).
RESULTS holds one line per run: NAME RESULT k=v ... (ledger-load's RESULT line, with
load_exit=N, ledger-load's exit status, when side-by-side.sh added it). A run that failed
(no figures) or had errors judges nothing: every ratio and target that takes it says "not
judged" and names it with its error count, and the script exits 1. With
--rounds N the closed-loop runs are named NAME-rK (round K); a ratio is then taken within
each round (codeledgerd against the ceiling or Redis of the same round, minutes apart on
this noisy machine) and a target is judged on the median of the rounds' ratios; from four
rounds on the middle half of them is shown too.
"""
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import side_by_side_chart  # noqa: E402  (beside this script)

ROUND = re.compile(r"^(.*)-r([0-9]+)$")
MODES = (("none", "off"), ("async", "everysec"), ("sync", "always"))
# The closed-loop targets in the order the charts draw them.
CHART_TARGETS = ("ceiling", "codeledgerd-none", "codeledgerd-async", "codeledgerd-sync",
                 "codeledgerd-sync2", "redis-aof-off", "redis-aof-everysec", "redis-aof-always")
OPEN_TARGETS = ("codeledgerd-sync", "ceiling", "codeledgerd-none", "codeledgerd-async",
                "redis-aof-always")
# ledger-load's busiest thread at or above this share of a CPU: the run may have measured the
# load generator (which shares the machine with the server) as much as the server.
CLIENT_BOUND_PCT = 90


def parse(lines):
    """NAME -> {key: value} from the RESULTS lines, in file order."""
    rows = {}
    for line in lines:
        name, _, rest = line.strip().partition(" ")
        if name:
            rows[name] = dict(p.split("=", 1) for p in rest.split()[1:] if "=" in p)
    return rows


def number(kv, key):
    try:
        return float(kv[key])
    except (KeyError, TypeError, ValueError):
        return None


def base_and_round(name):
    """("ceiling-link", 3) for ceiling-link-r3; a name without -rK is round 1."""
    m = ROUND.match(name)
    return (m.group(1), int(m.group(2))) if m else (name, 1)


def trouble(kv):
    """Why a run's figures judge nothing, or None when they may: it failed (ledger-load gave no
    RESULT line, or exited for another reason than what its counts show) or had errors.
    Double redemptions and lost acks are not trouble here: they are what the peak sale's
    verdict judges, and ledger-load's exit 1 for them is explained by its counts."""
    errors = number(kv, "errors")
    if kv.get("failed") == "1" or number(kv, "rps") is None or errors is None:
        return "failed, no figures"
    if errors > 0:
        return "%d errors" % errors
    # Newer ledger-loads count these apart from the errors (and exit 1 for them).
    if (number(kv, "connect_failures") or 0) > 0:
        return "%d failed connects" % number(kv, "connect_failures")
    if kv.get("verify_failed") == "1":
        return "its verify failed"
    status = kv.get("load_exit", "0")
    wrong = any((number(kv, k) or 0) > 0 for k in ("double_redemptions", "lost_acks"))
    if status != "0" and not (status == "1" and wrong):
        return "ledger-load exited %s" % status
    return None


def troubled(rows, *bases):
    """"NAME (REASON)" for each run of these bases (any round) whose figures judge nothing."""
    out = []
    for name, kv in rows.items():
        why = trouble(kv)
        if why and base_and_round(name)[0] in bases:
            out.append("%s (%s)" % (name, why))
    return out


def not_judged_because(runs):
    return "not judged: " + ", ".join(runs)


def by_round(rows, base, key="rps"):
    """{round: value} of the clean runs named base (round 1) or base-rK."""
    out = {}
    for name, kv in rows.items():
        run_base, rnd = base_and_round(name)
        value = number(kv, key)
        if run_base == base and value and not trouble(kv):
            out[rnd] = value
    return out


def ratios(rows, top, bottom):
    """top / bottom within each round both ran, in round order."""
    a, b = by_round(rows, top), by_round(rows, bottom)
    return [a[r] / b[r] for r in sorted(a) if r in b]


def median(values):
    return statistics.median(values) if values else None


def show_ratio(values):
    if not values:
        return "n/a"
    if len(values) == 1:
        return "%.2fx" % values[0]
    spread = ""
    if len(values) >= 4:  # how far the rounds agree: the middle half of them
        q1, _, q3 = statistics.quantiles(values, n=4)
        spread = "middle half %.2f-%.2f, " % (q1, q3)
    return "%.2fx (%srounds %s)" % (median(values), spread, " ".join("%.2f" % v for v in values))


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def not_judged(_ok):
    return "not judged"


def meets(values, floor):
    m = median(values)
    return None if m is None else m >= floor


def ran(rows, base):
    return any(base_and_round(name)[0] == base for name in rows)


def compare(rows, top, bottom):
    """top / bottom as show_ratio prints it, unless a run of either had trouble."""
    bad = troubled(rows, top, bottom) if ran(rows, top) and ran(rows, bottom) else []
    return not_judged_because(bad) if bad else show_ratio(ratios(rows, top, bottom))


def judge_ratio(rows, judge, top, bottom, floor):
    """The verdict on top / bottom >= floor, unless a run of either had trouble."""
    bad = troubled(rows, top, bottom) if ran(rows, top) and ran(rows, bottom) else []
    return not_judged_because(bad) if bad else judge(meets(ratios(rows, top, bottom), floor))


def render(rows, open_fsyncs=None, durable=True, peak_only=False):
    out = render_runs(rows)
    judge = verdict if durable else not_judged
    if peak_only:
        return "\n".join(out + [""] + render_peak_sale(rows, judge))
    out.append("")
    for op in ("link", "redeem"):
        if ran(rows, "codeledgerd-sync2-" + op):
            out.append("%-6s durability=sync  2 sync lanes / 1 sync lane %s"
                       % (op, compare(rows, "codeledgerd-sync2-" + op, "codeledgerd-sync-" + op)))
    for op in ("link", "redeem"):
        for mode, aof in MODES:
            ours = "codeledgerd-%s-%s" % (mode, op)
            out.append("%-6s durability=%-5s codeledgerd/ceiling %-6s codeledgerd/redis(aof=%s) %s"
                       % (op, mode, compare(rows, ours, "ceiling-" + op), aof,
                          compare(rows, ours, "redis-aof-%s-%s" % (aof, op))))
    out.append("\nissue 6 targets:" if durable else
               "\nissue 6 targets (not judged: the logs were in memory, nothing was durable):")
    for op in ("link", "redeem"):
        ours = "codeledgerd-sync-" + op
        out.append("  %-6s sync >= 0.8x ceiling: %-7s  sync >= 1.2x redis aof=always: %s"
                   % (op, judge_ratio(rows, judge, ours, "ceiling-" + op, 0.8),
                      judge_ratio(rows, judge, ours, "redis-aof-always-" + op, 1.2)))
    out.extend(render_open_loop(rows, open_fsyncs, judge))
    out.extend(render_peak_sale(rows, judge))
    out.extend(render_troubled(rows))
    return "\n".join(out)


def render_troubled(rows):
    """The closing line naming every run whose figures judge nothing (the exit status is 1)."""
    bad = ["%s (%s)" % (name, trouble(kv)) for name, kv in rows.items() if trouble(kv)]
    if not bad:
        return []
    return ["", "runs that failed or had errors (nothing above is judged from them): " + ", ".join(bad)]


def render_runs(rows):
    """Every run's throughput, latency, errors and load-generator CPU, in file order."""
    out = ["", "%-36s %10s %10s %10s %8s %11s" % ("run", "req/s", "p99 us", "p99.9 us", "errors",
                                                  "client cpu")]
    for name, kv in rows.items():
        cpu = kv.get("client_cpu_pct")
        out.append("%-36s %10s %10s %10s %8s %11s" % (name, kv.get("rps", "-"), kv.get("p99_us", "-"),
                                                      kv.get("p999_us", "-"), kv.get("errors", "-"),
                                                      cpu + " %" if cpu else "-"))
    out.extend(render_client_bound(rows))
    return out


def peak_sale_clean(rows):
    """True with zero errors, double redemptions and lost acks, False with any of them (errors
    are part of this target); None when it did not run, or failed and counted nothing."""
    peak = rows.get("codeledgerd-sync-peak-sale", {})
    counts = ("errors", "double_redemptions", "lost_acks")
    if any((number(peak, k) or 0) > 0 for k in counts):
        return False
    if not peak or trouble(peak):
        return None
    return all(peak.get(k) == "0" for k in counts)


def render_peak_sale(rows, judge=verdict):
    peak = rows.get("codeledgerd-sync-peak-sale", {})
    clean = peak_sale_clean(rows)
    why = trouble(peak) if peak else None
    shown = "not judged: " + why if clean is None and why else judge(clean)
    return ["  peak-sale: errors %s, double redemptions %s, lost acks %s (zero: %s)"
            % (peak.get("errors", "-"), peak.get("double_redemptions", "-"),
               peak.get("lost_acks", "-"), shown)]


def render_client_bound(rows):
    """A line naming the runs whose load generator was (nearly) saturated, if any."""
    shares = ((name, number(kv, "client_cpu_pct")) for name, kv in rows.items())
    bound = ["%s (%.0f %%)" % (name, pct) for name, pct in shares
             if pct is not None and pct >= CLIENT_BOUND_PCT]
    if not bound:
        return []
    return ["client-bound (ledger-load's busiest thread at >= %d %% CPU; the server may have had "
            "more to give): %s" % (CLIENT_BOUND_PCT, ", ".join(bound))]


def judge_latency(kv, judge, key, bound):
    """The verdict on kv[key] <= bound, unless the run had trouble."""
    why = trouble(kv) if kv else None
    if why:
        return "not judged: " + why
    value = number(kv, key)
    return judge(value <= bound if value is not None else None)


def render_open_loop(rows, open_fsyncs, judge=verdict):
    sync_open = rows.get("codeledgerd-sync-redeem-open", {})
    out = ["  open loop (sync redeem at %s req/s): p99 %s us (<= 2000: %s), p99.9 %s us (<= 5000: %s)"
           % (sync_open.get("rps", "-"), sync_open.get("p99_us", "-"),
              judge_latency(sync_open, judge, "p99_us", 2000), sync_open.get("p999_us", "-"),
              judge_latency(sync_open, judge, "p999_us", 5000))]
    if sync_open.get("pace") == "spin":
        out.append("    the load generator spun to each send time on CPUs of its own (ledger-load --spin)")
    if sync_open.get("dispatch") == "pool":
        out.append("    each request went on whichever connection was idle (ledger-load --pool), not on"
                   " its connection's own share of the schedule")
    if open_fsyncs and len(open_fsyncs) == 2:
        total, slow = open_fsyncs
        out.append("    its fdatasyncs: %s, of which %s took over 10 ms" % (total, slow))
    # in flight: from the actual send to the answer; the rest of a request's latency is the
    # send lag behind its connection's previous answer (or a late client).
    out.append("    at the same rate, each after a warm-up (sync on its server after the closed runs,"
               " the others on fresh servers):")
    for other in OPEN_TARGETS:
        kv = rows.get(other + "-redeem-open")
        if kv:
            out.append("    %-18s p50 %s us, p99 %s us, p99.9 %s us; in flight p99 %s us, send lag p99 %s us"
                       % (other + ":", kv.get("p50_us", "-"), kv.get("p99_us", "-"),
                          kv.get("p999_us", "-"), kv.get("in_flight_p99_us", "-"),
                          kv.get("send_lag_p99_us", "-")))
    return out


def charts(rows):
    """[(title, [(target, median req/s, median p99 us, trouble)], marks)] for each closed-loop
    scenario that ran, the targets that ran in CHART_TARGETS order, with issue 6's targets as
    marks. The medians are over the clean runs (None when there is none); trouble names the
    runs left out (chart_trouble), or is None: a target whose runs failed or had errors keeps
    its row and says so (probe 34d: it dropped out of the chart without a trace)."""
    out = []
    for op in ("link", "redeem"):
        bars = []
        for target in CHART_TARGETS:
            base = "%s-%s" % (target, op)
            if not ran(rows, base):
                continue
            rps = median(list(by_round(rows, base).values()))
            p99 = median(list(by_round(rows, base, "p99_us").values()))
            bars.append((target, rps, p99, chart_trouble(rows, base)))
        if bars:
            out.append(("%s, closed loop" % op, bars,
                        target_marks(dict((t, r) for t, r, _, _ in bars if r is not None))))
    return out


def chart_trouble(rows, base):
    """The runs of base that failed or had errors, short enough for a chart row: "12 errors",
    or with rounds "r2 (3 errors), r5 (failed, no figures)"; None when there is none."""
    bad = []
    for name, kv in rows.items():
        why = trouble(kv)
        run_base, rnd = base_and_round(name)
        if why and run_base == base:
            bad.append(why if name == base else "r%d (%s)" % (rnd, why))
    return ", ".join(bad) if bad else None


def target_marks(rps):
    """Issue 6's closed-loop targets for sync as req/s, from the medians that ran."""
    marks = []
    if "ceiling" in rps:
        marks.append(("0.8x the ceiling", 0.8 * rps["ceiling"]))
    if "redis-aof-always" in rps:
        marks.append(("1.2x Redis AOF always", 1.2 * rps["redis-aof-always"]))
    return marks


def take_option(args, flag):
    """The value after flag in args (both removed), or None."""
    if flag not in args:
        return None
    at = args.index(flag)
    value = args[at + 1] if at + 1 < len(args) else None
    del args[at:at + 2]
    return value


def main(argv):
    args = argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__.strip())
        return 0
    durable = "--not-durable" not in args
    peak_only = "--peak-only" in args
    args = [a for a in args if a not in ("--not-durable", "--peak-only")]
    html_path = take_option(args, "--html") if "--html" in args else None
    if len(args) not in (1, 2) or ("--html" in argv and not html_path):
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    with open(args[0]) as f:
        rows = parse(f)
    open_fsyncs = None
    if len(args) == 2 and os.path.exists(args[1]):
        with open(args[1]) as f:
            open_fsyncs = f.read().split()
    text = render(rows, open_fsyncs, durable, peak_only)
    print(text)
    if html_path:
        with open(html_path, "w") as f:
            f.write(side_by_side_chart.render_html(charts(rows), text))
    if peak_only and not peak_sale_clean(rows):
        return 1
    # A run that failed or had errors measured something else than the server's speed: the
    # figures stand printed, but the run as a whole did not succeed.
    return 1 if any(trouble(kv) for kv in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
