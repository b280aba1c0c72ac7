"""bench/scripts/side-by-side-summary.py: ratios are taken within a round and a target is
judged on their median, so one slow ceiling run cannot decide it; a single round reads as
it always did; what did not run is n/a, never a guess; with the logs in memory every
figure is shown and no target judged; --peak-only shows the peak sale alone and exits 1
unless it was clean; a run that failed or had errors judges no ratio and no target, is named
with its error count, and makes the script exit 1; --html writes the summary as a
self-contained page with a bar chart per scenario and issue 6's targets marked."""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "bench", "scripts", "side-by-side-summary.py")
spec = importlib.util.spec_from_file_location("side_by_side_summary", SCRIPT)
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)


def result(name, rps, **extra):
    fields = {"rps": rps, "p99_us": 1000.0, "p999_us": 2000.0, "errors": 0}
    fields.update(extra)
    return "%s RESULT scenario=x %s" % (name, " ".join("%s=%s" % kv for kv in fields.items()))


class SideBySideSummaryTest(unittest.TestCase):
    def test_one_round_reads_as_a_plain_ratio(self):
        rows = summary.parse([result("ceiling-link", 50000), result("codeledgerd-sync-link", 41000),
                              result("redis-aof-always-link", 30000)])
        text = summary.render(rows)
        self.assertIn("link   durability=sync  codeledgerd/ceiling 0.82x", text)
        self.assertIn("codeledgerd/redis(aof=always) 1.37x", text)
        self.assertIn("link   sync >= 0.8x ceiling: met      sync >= 1.2x redis aof=always: met", text)

    def test_each_ratio_is_taken_within_its_round_and_judged_on_the_median(self):
        # Round 2's ceiling ran in a slow spell: 0.95x on its own, but 0.60x and 0.62x around it.
        rows = summary.parse([
            result("ceiling-link-r1", 70000), result("codeledgerd-sync-link-r1", 42000),
            result("ceiling-link-r2", 44000), result("codeledgerd-sync-link-r2", 41800),
            result("ceiling-link-r3", 68000), result("codeledgerd-sync-link-r3", 42160),
        ])
        self.assertEqual([round(r, 2) for r in summary.ratios(rows, "codeledgerd-sync-link", "ceiling-link")],
                         [0.60, 0.95, 0.62])
        text = summary.render(rows)
        self.assertIn("codeledgerd/ceiling 0.62x (rounds 0.60 0.95 0.62)", text)
        self.assertIn("link   sync >= 0.8x ceiling: NOT met", text)

    def test_from_four_rounds_on_the_middle_half_is_shown(self):
        # Rounds in file order, a round's codeledgerd line before its ceiling's.
        lines = []
        for rnd, (ceiling, ours) in enumerate([(70000, 49000), (60000, 48000), (80000, 48000),
                                               (50000, 45000), (75000, 52500)], start=1):
            lines += [result("codeledgerd-sync-link-r%d" % rnd, ours), result("ceiling-link-r%d" % rnd, ceiling)]
        rows = summary.parse(lines)
        text = summary.render(rows)
        # ratios 0.70 0.80 0.60 0.90 0.70: median 0.70, quartiles (n=4, exclusive) 0.65 and 0.85
        self.assertIn("codeledgerd/ceiling 0.70x (middle half 0.65-0.85, rounds 0.70 0.80 0.60 0.90 0.70)", text)
        self.assertIn("link   sync >= 0.8x ceiling: NOT met", text)

    def test_a_round_missing_one_side_is_left_out(self):
        rows = summary.parse([result("ceiling-redeem-r1", 60000), result("codeledgerd-sync-redeem-r1", 30000),
                              result("codeledgerd-sync-redeem-r2", 59000)])
        self.assertEqual(summary.ratios(rows, "codeledgerd-sync-redeem", "ceiling-redeem"), [0.5])

    def test_what_did_not_run_is_not_applicable(self):
        text = summary.render(summary.parse([result("ceiling-link", 50000)]))
        self.assertIn("link   sync >= 0.8x ceiling: n/a", text)
        self.assertIn("peak-sale: errors -, double redemptions -, lost acks - (zero: n/a)", text)
        self.assertIn("open loop (sync redeem at - req/s): p99 - us (<= 2000: n/a), p99.9 - us (<= 5000: n/a)",
                      text)
        self.assertNotIn("None", text)

    def test_a_failed_run_counts_as_missing_and_says_so(self):
        rows = summary.parse(["ceiling-link RESULT failed=1", result("codeledgerd-sync-link", 40000)])
        self.assertEqual(summary.ratios(rows, "codeledgerd-sync-link", "ceiling-link"), [])
        text = summary.render(rows)
        self.assertIn("durability=sync  codeledgerd/ceiling not judged: ceiling-link (failed, no figures)", text)
        self.assertIn("sync >= 0.8x ceiling: not judged: ceiling-link (failed, no figures)", text)

    def test_a_run_with_errors_judges_no_ratio_and_no_target(self):
        # The server answered errors fast (probe 33e, D4): its rate is not the ledger's.
        rows = summary.parse([result("ceiling-link", 50000), result("redis-aof-always-link", 30000),
                              result("codeledgerd-sync-link", 90000, errors=200000)])
        text = summary.render(rows)
        self.assertIn("link   durability=sync  codeledgerd/ceiling not judged: codeledgerd-sync-link "
                      "(200000 errors) codeledgerd/redis(aof=always) not judged: codeledgerd-sync-link "
                      "(200000 errors)", text)
        self.assertIn("link   sync >= 0.8x ceiling: not judged: codeledgerd-sync-link (200000 errors)", text)
        self.assertNotIn("1.80x", text)
        self.assertNotIn(": met", text)
        self.assertIn("runs that failed or had errors (nothing above is judged from them): "
                      "codeledgerd-sync-link (200000 errors)", text)

    def test_errors_on_the_other_side_count_too(self):
        rows = summary.parse([result("ceiling-redeem", 20000, errors=15424),
                              result("codeledgerd-none-redeem", 83600)])
        text = summary.render(rows)
        self.assertIn("redeem durability=none  codeledgerd/ceiling not judged: ceiling-redeem (15424 errors)", text)
        # Where the other side did not run there is nothing to judge either way.
        self.assertIn("redeem durability=sync  codeledgerd/ceiling n/a ", text)

    def test_one_round_with_errors_keeps_the_median_from_being_judged(self):
        rows = summary.parse([
            result("ceiling-link-r1", 50000), result("codeledgerd-sync-link-r1", 45000),
            result("ceiling-link-r2", 50000), result("codeledgerd-sync-link-r2", 45000, errors=3),
            result("ceiling-link-r3", 50000), result("codeledgerd-sync-link-r3", 45000),
        ])
        text = summary.render(rows)
        self.assertIn("link   sync >= 0.8x ceiling: not judged: codeledgerd-sync-link-r2 (3 errors)", text)
        # The chart leaves the run out of the median rather than drawing its rate, and says so.
        bars = dict((t, (r, why)) for t, r, _, why in summary.charts(rows)[0][1])
        self.assertEqual(bars, {"ceiling": (50000, None), "codeledgerd-sync": (45000, "r2 (3 errors)")})
        self.assertEqual(summary.by_round(rows, "codeledgerd-sync-link"), {1: 45000, 3: 45000})

    def test_an_open_loop_with_errors_is_not_judged(self):
        rows = summary.parse([result("codeledgerd-sync-redeem-open", 100, p99_us=500.0, p999_us=900.0,
                                     errors=1000)])
        self.assertIn("p99 500.0 us (<= 2000: not judged: 1000 errors), p99.9 900.0 us "
                      "(<= 5000: not judged: 1000 errors)", summary.render(rows))

    def test_ledger_load_s_exit_status_is_trouble_unless_its_counts_explain_it(self):
        cases = [({"load_exit": 0}, None), ({}, None),  # a RESULTS file from before load_exit
                 ({"load_exit": 2}, "ledger-load exited 2"),
                 ({"load_exit": 1}, "ledger-load exited 1"),  # 1 with every count zero
                 ({"load_exit": 1, "lost_acks": 2}, None),  # the verdict's to judge, not a failure
                 ({"load_exit": 1, "double_redemptions": 1, "lost_acks": 0}, None),
                 ({"load_exit": 1, "errors": 4}, "4 errors"),
                 # counted apart from the errors by ledger-load (probe 33e's D3 fix)
                 ({"load_exit": 1, "connect_failures": 160}, "160 failed connects"),
                 ({"verify_failed": 1}, "its verify failed"),
                 ({"connect_failures": 0, "verify_failed": 0, "unsent_slots": 0}, None)]
        for extra, want in cases:
            with self.subTest(extra=extra):
                kv = summary.parse([result("codeledgerd-sync-redeem", 30000, **extra)])["codeledgerd-sync-redeem"]
                self.assertEqual(summary.trouble(kv), want)

    def test_a_peak_sale_that_failed_is_not_judged_and_one_with_errors_is_not_met(self):
        failed = summary.render(summary.parse(["codeledgerd-sync-peak-sale RESULT failed=1"]))
        self.assertIn("lost acks - (zero: not judged: failed, no figures)", failed)
        with_errors = summary.render(summary.parse([
            result("codeledgerd-sync-peak-sale", 40000, errors=7, double_redemptions=0, lost_acks=0)]))
        self.assertIn("peak-sale: errors 7, double redemptions 0, lost acks 0 (zero: NOT met)", with_errors)

    def test_the_script_exits_1_when_any_run_failed_or_had_errors(self):
        clean = [result("ceiling-link", 50000), result("codeledgerd-sync-link", 45000)]
        cases = [(clean, 0),
                 (clean + [result("codeledgerd-none-link", 60000, errors=1)], 1),
                 (clean + ["redis-aof-off-link RESULT failed=1"], 1),
                 (clean + [result("codeledgerd-sync-redeem", 30000, load_exit=2)], 1)]
        for lines, want in cases:
            with self.subTest(lines=lines[2:]), tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
                f.write("\n".join(lines))
                f.flush()
                for flags in ([], ["--not-durable"]):  # in memory or not, a broken run is broken
                    r = subprocess.run([sys.executable, SCRIPT, *flags, f.name], capture_output=True,
                                       text=True)
                    self.assertEqual(r.returncode, want, r.stdout + r.stderr)

    def test_open_loop_and_peak_sale_verdicts(self):
        rows = summary.parse([
            result("codeledgerd-sync-redeem-open", 15000, p99_us=1800.0, p999_us=5200.0),
            result("codeledgerd-sync-peak-sale", 40000, double_redemptions=0, lost_acks=0),
        ])
        text = summary.render(rows, ["900", "3"])
        self.assertIn("p99 1800.0 us (<= 2000: met), p99.9 5200.0 us (<= 5000: NOT met)", text)
        self.assertIn("its fdatasyncs: 900, of which 3 took over 10 ms", text)
        self.assertIn("lost acks 0 (zero: met)", text)
        self.assertNotIn("spun", text)
        self.assertNotIn("whichever connection was idle", text)

    def test_the_open_loop_says_when_the_load_generator_spun_and_splits_each_tail(self):
        rows = summary.parse([
            result("codeledgerd-sync-redeem-open", 15000, pace="spin"),
            result("ceiling-redeem-open", 15000, in_flight_p99_us=400.0, send_lag_p99_us=90.0, pace="spin"),
        ])
        text = summary.render(rows)
        self.assertIn("the load generator spun to each send time on CPUs of its own (ledger-load --spin)", text)
        self.assertIn("in flight p99 400.0 us, send lag p99 90.0 us", text)

    def test_the_open_loop_says_when_each_request_took_any_idle_connection(self):
        rows = summary.parse([result("codeledgerd-sync-redeem-open", 15000, pace="spin", dispatch="pool")])
        self.assertIn("each request went on whichever connection was idle (ledger-load --pool)",
                      summary.render(rows))

    def test_runs_whose_load_generator_was_saturated_are_named(self):
        rows = summary.parse([
            result("ceiling-link-r1", 76000, client_cpu_pct=99),
            result("codeledgerd-sync-link-r1", 50000, client_cpu_pct=64),
            result("codeledgerd-none-link-r1", 66000, client_cpu_pct=90),
        ])
        text = summary.render(rows)
        self.assertIn("client-bound (ledger-load's busiest thread at >= 90 % CPU; the server may have "
                      "had more to give): ceiling-link-r1 (99 %), codeledgerd-none-link-r1 (90 %)", text)
        self.assertRegex(text, r"codeledgerd-sync-link-r1 +50000 .* 64 %")

    def test_no_client_bound_line_without_a_saturated_run(self):
        rows = summary.parse([result("ceiling-link", 50000, client_cpu_pct=89),
                              result("codeledgerd-sync-link", 41000)])  # an older ledger-load
        text = summary.render(rows)
        self.assertNotIn("client-bound", text)
        self.assertRegex(text, r"codeledgerd-sync-link +41000 .* -\n")

    def in_memory_rows(self):
        return summary.parse([
            result("ceiling-link", 50000), result("codeledgerd-sync-link", 45000),
            result("redis-aof-always-link", 30000),
            result("codeledgerd-sync-redeem-open", 15000, p99_us=1800.0, p999_us=4000.0),
            result("codeledgerd-sync-peak-sale", 40000, double_redemptions=0, lost_acks=0),
        ])

    def test_logs_in_memory_show_every_figure_and_judge_no_target(self):
        text = summary.render(self.in_memory_rows(), durable=False)
        self.assertIn("codeledgerd/ceiling 0.90x", text)
        self.assertIn("issue 6 targets (not judged: the logs were in memory, nothing was durable):",
                      text)
        self.assertIn("sync >= 0.8x ceiling: not judged  sync >= 1.2x redis aof=always: not judged",
                      text)
        self.assertIn("p99 1800.0 us (<= 2000: not judged)", text)
        self.assertIn("lost acks 0 (zero: not judged)", text)
        self.assertNotIn("met", text)

    def test_the_command_line_flag_turns_judging_off(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("\n".join([result("ceiling-link", 50000), result("codeledgerd-sync-link", 45000)]))
            f.flush()
            judged = subprocess.run([sys.executable, SCRIPT, f.name], capture_output=True,
                                    text=True, check=True).stdout
            unjudged = subprocess.run([sys.executable, SCRIPT, "--not-durable", f.name],
                                      capture_output=True, text=True, check=True).stdout
        self.assertIn("sync >= 0.8x ceiling: met", judged)
        self.assertIn("sync >= 0.8x ceiling: not judged", unjudged)

    def test_peak_only_shows_the_peak_sale_and_no_ratios_of_runs_not_made(self):
        rows = summary.parse([result("codeledgerd-sync-peak-sale", 48000, double_redemptions=0, lost_acks=0)])
        text = summary.render(rows, peak_only=True)
        self.assertIn("codeledgerd-sync-peak-sale", text)
        self.assertIn("peak-sale: errors 0, double redemptions 0, lost acks 0 (zero: met)", text)
        self.assertNotIn("codeledgerd/ceiling", text)
        self.assertNotIn("issue 6 targets", text)
        self.assertNotIn("open loop", text)

    def test_peak_only_exits_1_unless_the_peak_sale_was_clean(self):
        cases = [([result("codeledgerd-sync-peak-sale", 48000, double_redemptions=0, lost_acks=0)], 0),
                 ([result("codeledgerd-sync-peak-sale", 48000, double_redemptions=1, lost_acks=0)], 1),
                 ([result("codeledgerd-sync-peak-sale", 48000, errors=3, double_redemptions=0, lost_acks=0)], 1),
                 (["codeledgerd-sync-peak-sale RESULT failed=1"], 1),
                 ([], 1)]
        for lines, want in cases:
            with self.subTest(lines=lines), tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
                f.write("\n".join(lines))
                f.flush()
                r = subprocess.run([sys.executable, SCRIPT, "--peak-only", f.name], capture_output=True,
                                   text=True)
                self.assertEqual(r.returncode, want, r.stdout)
                self.assertIn("peak-sale:", r.stdout)
        # Without --peak-only a target not met (here a double redemption) leaves the status 0:
        # the report is the verdict. Only runs that failed or had errors make it 1.
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write(result("codeledgerd-sync-peak-sale", 48000, double_redemptions=1, lost_acks=0))
            f.flush()
            self.assertEqual(subprocess.run([sys.executable, SCRIPT, f.name], capture_output=True).returncode, 0)



class SummaryPage(unittest.TestCase):
    ROWS = [result("ceiling-link-r1", 80000, p99_us=1100.0), result("ceiling-link-r2", 60000, p99_us=900.0),
            result("codeledgerd-sync-link-r1", 50000, p99_us=3000.0),
            result("codeledgerd-sync-link-r2", 44000, p99_us=2000.0),
            result("redis-aof-always-link-r1", 40000), result("redis-aof-always-link-r2", 42000)]

    def test_one_chart_per_scenario_that_ran_with_medians_and_the_targets(self):
        charts = summary.charts(summary.parse(self.ROWS))
        self.assertEqual(len(charts), 1)
        title, bars, marks = charts[0]
        self.assertEqual(title, "link, closed loop")
        self.assertEqual(bars, [("ceiling", 70000, 1000.0, None), ("codeledgerd-sync", 47000, 2500.0, None),
                                ("redis-aof-always", 41000, 1000.0, None)])
        self.assertEqual(marks, [("0.8x the ceiling", 56000.0), ("1.2x Redis AOF always", 49200.0)])

    def test_the_page_is_self_contained_and_holds_the_printed_summary(self):
        with tempfile.TemporaryDirectory() as tmp:
            results, page = os.path.join(tmp, "results.txt"), os.path.join(tmp, "summary.html")
            with open(results, "w") as f:
                f.write("\n".join(self.ROWS + [result("codeledgerd-sync-redeem", 30000)]) + "\n")
            r = subprocess.run([sys.executable, SCRIPT, "--html", page, results], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(page) as f:
                text = f.read()
        self.assertEqual(text.count("<svg"), 2)  # link, and redeem with sync alone
        self.assertIn("47.0k req/s, p99 2.5 ms", text)
        self.assertIn("0.8x the ceiling", text)
        for fetched in ("<script", "src=", "href="):
            self.assertNotIn(fetched, text)
        self.assertIn("sync &gt;= 0.8x ceiling", text)  # the printed summary, escaped
        self.assertIn("codeledgerd/ceiling", r.stdout)

    def test_a_target_whose_runs_failed_or_had_errors_keeps_its_row_and_says_why(self):
        # Probe 34d: codeledgerd-sync, the target the chart exists for, vanished from it.
        rows = summary.parse([result("ceiling-link", 90000), result("codeledgerd-sync-link", 43000, errors=12),
                              result("redis-aof-always-link", 30000)])
        title, bars, marks = summary.charts(rows)[0]
        self.assertEqual([b[0] for b in bars], ["ceiling", "codeledgerd-sync", "redis-aof-always"])
        self.assertEqual(bars[1], ("codeledgerd-sync", None, None, "12 errors"))
        svg = summary.side_by_side_chart.bar_chart(title, bars, marks)
        self.assertIn(">codeledgerd-sync</text>", svg)
        self.assertIn(">no clean run: 12 errors</text>", svg)
        # Every run failed: the chart still has its rows, and the page says there is no bar.
        failed = summary.parse(["ceiling-link RESULT failed=1 load_exit=2",
                                "codeledgerd-sync-link RESULT failed=1 load_exit=2"])
        charts = summary.charts(failed)
        self.assertEqual(charts[0][1], [("ceiling", None, None, "failed, no figures"),
                                        ("codeledgerd-sync", None, None, "failed, no figures")])
        self.assertEqual(charts[0][2], [])
        page = summary.side_by_side_chart.render_html(charts, "text")
        self.assertEqual(page.count(">no clean run: failed, no figures</text>"), 2)
        self.assertIn("no clean run has no bar", page)
        self.assertIn("No closed-loop run to draw", summary.side_by_side_chart.render_html([], "text"))

    def test_a_p99_under_a_millisecond_is_not_zero(self):
        chart = summary.side_by_side_chart
        self.assertEqual(chart.figures(42400, 35.0), "42.4k req/s, p99 35 us")  # was "p99 0.0 ms"
        self.assertEqual(chart.figures(42400, 2500.0), "42.4k req/s, p99 2.5 ms")
        self.assertEqual(chart.figures(42400, 250000.0), "42.4k req/s, p99 250 ms")
        self.assertEqual(chart.figures(42400, 1.5e6), "42.4k req/s, p99 1.50 s")
        self.assertEqual(chart.figures(42400, 900.0, "r2 (3 errors)"),
                         "42.4k req/s, p99 900 us; left out: r2 (3 errors)")

    def test_the_printed_summary_wraps_and_the_marks_are_drawn_over_the_bars(self):
        page = summary.side_by_side_chart.render_html(
            [("link, closed loop", [("ceiling", 90000, 400.0, None), ("codeledgerd-sync", 80000, 400.0, None)],
              [("0.8x the ceiling", 72000.0)])], "x" * 300)
        self.assertIn("white-space:pre-wrap", page)  # probe 34d: long lines ran off the picture
        self.assertNotIn("overflow-x", page)
        # The dashed line comes after the bars (a longer bar hid it), before the figures.
        self.assertLess(page.rindex("fill='#1f77b4'"), page.index("stroke-dasharray"))
        self.assertLess(page.index("stroke-dasharray"), page.index(">80.0k req/s"))

    def test_html_without_a_path_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            r = subprocess.run([sys.executable, SCRIPT, f.name, "--html"], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: side-by-side-summary.py", r.stderr)


class Usage(unittest.TestCase):
    def test_help_prints_the_usage(self):
        r = subprocess.run([sys.executable, SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: side-by-side-summary.py [--not-durable]", r.stdout)
        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main()
