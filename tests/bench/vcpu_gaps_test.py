"""bench/scripts/vcpu-gaps.py: a sample gap on one vCPU lands in the right second, counts
as time lost (the gap less one sampling interval), and a slow second with a gap is told
apart from a fast one without."""
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "bench", "scripts", "vcpu-gaps.py")
spec = importlib.util.spec_from_file_location("vcpu_gaps", SCRIPT)
vcpu_gaps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vcpu_gaps)

START = 1000.0


def every_ms(begin, end, skip=()):
    """Sample times each millisecond in [begin, end), without those inside a skip range."""
    out, t = [], begin
    while t < end:
        if not any(a < t < b for a, b in skip):
            out.append(t)
        t = round(t + 0.001, 6)
    return out


def report(p99s_ms):
    return {"start_monotonic_s": START,
            "timeline": [{"t_s": i + 1, "requests": 100, "p99_us": p * 1000}
                         for i, p in enumerate(p99s_ms)]}


class VcpuGapsTest(unittest.TestCase):
    def test_a_gap_lands_in_its_second_and_marks_it(self):
        # cpu0 runs nothing from 1.500 to 1.507 s into the run: 7 ms between two samples.
        times = {0: every_ms(START, START + 3, skip=[(START + 1.5, START + 1.507)]),
                 1: every_ms(START, START + 3)}
        rows, counts, found = vcpu_gaps.analyse(times, report([0.5, 9.0, 0.4]), 2.0, 2.0)
        self.assertEqual(len(rows), 3)
        lost, longest = rows[1][3][0]
        self.assertAlmostEqual(lost, 6.0, places=3)  # 7 ms apart = 6 ms without a sample
        self.assertAlmostEqual(longest, 6.0, places=3)
        self.assertEqual(rows[0][3][0], (0.0, 0.0))
        self.assertEqual(rows[1][3][1], (0.0, 0.0))
        self.assertEqual(counts, [1, 1, 2, 0])  # one slow second, with the gap; two fast
        self.assertEqual(len(found[0]), 1)
        self.assertNotIn(1, found)

    def test_short_gaps_and_gaps_outside_the_run_do_not_count(self):
        times = {0: every_ms(START - 1, START + 2,
                             skip=[(START - 0.5, START - 0.49), (START + 0.2, START + 0.2015)])}
        rows, counts, found = vcpu_gaps.analyse(times, report([3.0, 0.5]), 2.0, 2.0)
        self.assertEqual(counts, [1, 0, 1, 0])  # the slow second had no gap of 2 ms or more
        self.assertEqual(dict(found), {})


if __name__ == "__main__":
    unittest.main()
