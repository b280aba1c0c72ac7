"""bench/scripts/fsync-probe.py: BUSY_DUTY is read strictly (a clear error, not a guess), and
a run with duty-cycled spinners prints its figures."""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "bench", "scripts", "fsync-probe.py")
spec = importlib.util.spec_from_file_location("fsync_probe", SCRIPT)
fsync_probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fsync_probe)


def run_probe(env, count="20"):
    with tempfile.TemporaryDirectory() as tmp:
        return subprocess.run([sys.executable, SCRIPT, os.path.join(tmp, "probe.bin"), count],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=60)


class ParseDuty(unittest.TestCase):
    def test_spin_and_idle_microseconds(self):
        self.assertEqual(fsync_probe.parse_duty("1000/500"), (1000, 500))
        self.assertEqual(fsync_probe.parse_duty("300/0"), (300, 0))

    def test_empty_means_spin_without_pause(self):
        self.assertIsNone(fsync_probe.parse_duty(""))

    def test_anything_else_is_refused(self):
        for bad in ["1000", "1000/", "/500", "a/b", "-1/5", "0/100", "1.5/2", "1/2/3",
                    "20000000/1"]:
            with self.subTest(bad=bad), self.assertRaises(SystemExit):
                fsync_probe.parse_duty(bad)


class Run(unittest.TestCase):
    def test_duty_cycled_spinner_run_prints_its_figures(self):
        done = run_probe({"BUSY": "1", "BUSY_DUTY": "200/200"})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRegex(done.stdout, r"^fdatasync busy=1 duty=200/200 n=20 p50=\d+us .*"
                                      r"thread_cpu_per_sync=\d+us")

    def test_bad_duty_is_refused_before_anything_runs(self):
        done = run_probe({"BUSY": "1", "BUSY_DUTY": "fast"})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("BUSY_DUTY must be SPIN_US/IDLE_US", done.stderr)
        self.assertEqual(done.stdout, "")


class Arguments(unittest.TestCase):
    """The probe overwrites and deletes the file it is given: `fsync-probe.py --help` took
    "--help" for that file (session 41)."""

    def test_help_prints_the_usage_and_touches_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, SCRIPT, "--help"], cwd=tmp,
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("usage: [BUSY=K [BUSY_DUTY=S/I]] bench/scripts/fsync-probe.py", done.stdout)
            self.assertEqual(os.listdir(tmp), [])

    def test_an_existing_file_is_refused_and_kept(self):
        with tempfile.TemporaryDirectory() as tmp:
            kept = os.path.join(tmp, "segment")
            with open(kept, "w") as f:
                f.write("precious")
            done = subprocess.run([sys.executable, SCRIPT, kept, "20"], capture_output=True,
                                  text=True, timeout=60)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("exists", done.stderr)
            with open(kept) as f:
                self.assertEqual(f.read(), "precious")

    def test_options_extra_arguments_and_bad_counts_are_refused(self):
        for args, message in [(["-x"], "unexpected argument '-x'"),
                              (["p", "20", "more"], "unexpected argument 'more'"),
                              (["p", "0"], "N must be a whole number from 1 to 10000000"),
                              (["p", "2k"], "N must be a whole number from 1 to 10000000")]:
            with self.subTest(args=args), self.assertRaises(SystemExit) as refused:
                fsync_probe.parse_args(args)
            self.assertIn(message, str(refused.exception.code))


if __name__ == "__main__":
    unittest.main()
