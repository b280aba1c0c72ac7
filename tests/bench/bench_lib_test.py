"""bench/scripts/bench-lib.sh: --data-dir (make_work_dir) refuses what is not a writable
directory with a clear error, makes the run's scratch directory under one that is, and
data_dir_note warns exactly when the data sits in memory (tmpfs), where an fdatasync makes
nothing durable; side-by-side.sh and thread-cpu.sh refuse a bad --data-dir before starting
anything, side-by-side.sh a --rounds outside 1..30, a --peak-duration outside 1..3600 s and
--peak-only beside a closed-loop option; --pin (set_pin) takes two taskset lists of CPUs
this machine has and sets the servers' and the load generator's prefixes; stop_descendants,
in the scripts' EXIT traps, stops the command a TERM interrupted; load_failed shows
ledger-load's own error; crash-loop.sh refuses bad --cycles and --seconds before building,
and interrupted stops the test and its server and removes their data; side-by-side.sh keeps
--requests and --open-rate within the codes ledger-load sets up, and an unwritable --out
leaves no scratch directory; thread-cpu.sh checks every flag before a server starts;
wait_port waits for the process it started to listen (not any process on the port) and
shows the end of its log when it died; a --build-dir that is neither the default nor a
build is refused, not built in; a TERM, or an INT to the script alone, stops the load and the
server of snapshot-stall.sh, snapshot-rss.sh and thread-cpu.sh, and snapshot-stall.sh spins
one client thread only on a CPU of its own; ./dev peak-sale's SECONDS check."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "bench", "scripts")
LIB = os.path.join(SCRIPTS, "bench-lib.sh")
MEMORY_FILE_SYSTEMS = ("tmpfs", "ramfs")


def bash(snippet, *args):
    return subprocess.run(["bash", "-c", 'source "$0"; ' + snippet, LIB, *args],
                          capture_output=True, text=True, timeout=60)


def run_script(script, build_dir, *args):
    """One of bench/scripts run with --build-dir build_dir and args."""
    return subprocess.run(["bash", os.path.join(SCRIPTS, script), "--build-dir", build_dir, *args],
                          capture_output=True, text=True, timeout=60)


def fs_type(path):
    return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True,
                          check=True).stdout.strip()


def running(pid):
    """True while pid is a process that has not exited (a zombie has)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def wait_for_file(path, seconds=10):
    deadline = time.monotonic() + seconds
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        if time.monotonic() > deadline:
            raise AssertionError("no " + path)
        time.sleep(0.02)
    time.sleep(0.05)  # the writer has gone on to exec the sleep
    with open(path) as f:
        return int(f.read())


def write_fake_build(tmp, programs):
    """A stand-in build directory under tmp: each {relative path: script text} written and made
    executable. Returns the build directory."""
    build = os.path.join(tmp, "build")
    for rel, text in programs.items():
        path = os.path.join(build, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    return build


class StopDescendants(unittest.TestCase):
    # Like side-by-side.sh's load(): the command waited on runs inside a command
    # substitution and a pipeline, a grandchild of the script.
    SCRIPT = ('trap "$1" EXIT; '
              'line=$(sh -c \'echo $$ > "$1"; exec sleep 30\' _ "$2" | cat); echo went on')

    def run_and_term(self, exit_trap, grace_s):
        with tempfile.TemporaryDirectory() as tmp:
            pid_file = os.path.join(tmp, "load.pid")
            script = subprocess.Popen(["bash", "-c", 'source "$0"; ' + self.SCRIPT, LIB,
                                       exit_trap, pid_file],
                                      stdout=subprocess.PIPE, text=True)
            load = wait_for_file(pid_file)
            self.assertTrue(running(load))
            script.send_signal(signal.SIGTERM)
            out, _ = script.communicate(timeout=10)
            self.assertEqual(script.returncode, -signal.SIGTERM)
            self.assertNotIn("went on", out)
            deadline = time.monotonic() + grace_s
            while running(load) and time.monotonic() < deadline:
                time.sleep(0.02)
            still_running = running(load)
            if still_running:
                os.kill(load, signal.SIGKILL)
            return still_running

    def test_the_interrupted_command_is_stopped(self):
        self.assertFalse(self.run_and_term("stop_descendants", grace_s=5))

    def test_without_it_the_command_outlives_the_script(self):
        # What the EXIT traps had before: a TERM left the load running.
        self.assertTrue(self.run_and_term("true", grace_s=1))


class MakeWorkDir(unittest.TestCase):
    def test_a_missing_directory_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "nope")
            r = bash('make_work_dir "$1" run', missing)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--data-dir " + missing + " is not a writable directory", r.stderr)
            self.assertFalse(os.path.exists(missing))

    def test_a_file_is_refused(self):
        with tempfile.NamedTemporaryFile() as f:
            r = bash('make_work_dir "$1" run', f.name)
            self.assertEqual(r.returncode, 2)
            self.assertIn("is not a writable directory", r.stderr)

    def test_the_scratch_directory_is_made_under_the_one_given(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = bash('make_work_dir "$1" run', tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            made = r.stdout.strip()
            self.assertEqual(os.path.dirname(made), tmp)
            self.assertTrue(os.path.basename(made).startswith("run."))
            self.assertTrue(os.path.isdir(made))


class DataDirNote(unittest.TestCase):
    def check(self, parent):
        with tempfile.TemporaryDirectory(dir=parent) as work:
            r = bash('data_dir_note "$1"', work)
            self.assertEqual(r.returncode, 0, r.stderr)
            fs = fs_type(work)
            lines = r.stdout.splitlines()
            self.assertEqual(lines[0], "data: %s (%s)" % (os.path.dirname(work), fs))
            in_memory = fs in MEMORY_FILE_SYSTEMS
            self.assertEqual(len(lines), 2 if in_memory else 1, r.stdout)
            if in_memory:
                self.assertIn("not durable", lines[1])

    def test_the_default_temporary_directory(self):
        self.check(None)

    @unittest.skipUnless(os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK),
                         "no writable /dev/shm")
    def test_dev_shm(self):
        self.check("/dev/shm")


class LoadFailed(unittest.TestCase):
    def test_the_load_s_own_words_are_shown_and_the_script_ends(self):
        with tempfile.NamedTemporaryFile("w", suffix=".out") as out:
            out.write("ledger-load: bad value for --scenario: bad\n")
            out.flush()
            r = bash('load_failed thread-cpu "the load\'s set-up failed" "$1"; echo went on', out.name)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "thread-cpu: the load's set-up failed:\n"
                                       "ledger-load: bad value for --scenario: bad\n")
            self.assertNotIn("went on", r.stdout)


class CrashLoopRefusesBadCounts(unittest.TestCase):
    """Checked before anything is built (build_dir points nowhere a build could start)."""

    def test_cycles_and_seconds_must_be_whole_numbers_in_range(self):
        with tempfile.TemporaryDirectory() as tmp:
            for args, message in ((("--cycles", "0"), "--cycles must be a whole number, 1..999999"),
                                  (("--cycles", "1.5"), "--cycles must be a whole number, 1..999999"),
                                  (("--seconds", "-1"), "--seconds must be a whole number, 1..86400"),
                                  (("--seconds", "86401"), "--seconds must be a whole number, 1..86400"),
                                  (("--cycles",), "--cycles needs a value")):
                with self.subTest(args=args):
                    r = subprocess.run(["bash", os.path.join(SCRIPTS, "crash-loop.sh"),
                                        "--build-dir", os.path.join(tmp, "never"), *args],
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertEqual(r.stderr, "crash-loop: " + message + "\n")
                    self.assertFalse(os.path.exists(os.path.join(tmp, "never")))


class SnapshotRssRefusesBadCounts(unittest.TestCase):
    """Checked before a server starts (the build dir holds no binaries)."""

    def test_codes_and_snapshots_must_be_whole_numbers_in_range(self):
        with tempfile.TemporaryDirectory() as tmp:
            for args, message in ((("--codes", "0"), "--codes must be a whole number, 1..10000000"),
                                  (("--codes", "10000001"), "--codes must be a whole number, 1..10000000"),
                                  (("--snapshots", "101"), "--snapshots must be a whole number, 1..100"),
                                  (("--snapshots",), "--snapshots needs a value")):
                with self.subTest(args=args):
                    r = run_script("snapshot-rss.sh", tmp, *args)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertEqual(r.stderr, "snapshot-rss: " + message + "\n")


class SnapshotStallRefusesBadCounts(unittest.TestCase):
    """Checked before a server starts (the build dir holds no binaries)."""

    def test_counts_and_seconds_must_be_whole_numbers_in_range(self):
        with tempfile.TemporaryDirectory() as tmp:
            for args, message in ((("--codes", "0"), "--codes must be a whole number, 1..10000000"),
                                  (("--rate", "x"), "--rate must be a whole number, 1..10000000"),
                                  (("--duration", "1"), "--duration must be a whole number of seconds, 2..3600"),
                                  (("--duration", "10", "--at", "10"), "--at must be a whole number of seconds, 1..9"),
                                  (("--at",), "--at needs a value")):
                with self.subTest(args=args):
                    r = run_script("snapshot-stall.sh", tmp, *args)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertEqual(r.stderr, "snapshot-stall: " + message + "\n")


class ScriptsRefuseABadDataDir(unittest.TestCase):
    def test_each_script_exits_2_with_the_reason(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "nope")
            for script in ("side-by-side.sh", "thread-cpu.sh"):
                with self.subTest(script=script):
                    r = run_script(script, tmp, "--data-dir", missing)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(script[:-3] + ": --data-dir " + missing +
                                  " is not a writable directory", r.stderr)


class SideBySideRounds(unittest.TestCase):
    def run_script(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            return run_script("side-by-side.sh", tmp, "--data-dir", os.path.join(tmp, "nope"), *args)

    def test_rounds_outside_1_to_30_are_refused(self):
        for rounds in ("0", "31", "x"):
            with self.subTest(rounds=rounds):
                r = self.run_script("--rounds", rounds)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("side-by-side: --rounds must be a whole number, 1..30", r.stderr)

    def test_thirty_rounds_pass_the_check(self):
        # The next check (the missing --data-dir) is what stops this one.
        r = self.run_script("--rounds", "30")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("--rounds", r.stderr)
        self.assertIn("is not a writable directory", r.stderr)


class SideBySideCounts(unittest.TestCase):
    run_script = SideBySideRounds.run_script

    def test_bad_counts_and_targets_are_refused_before_a_server_starts(self):
        cases = [(("--requests", "abc"), "--requests must be a whole number, 1..10000000"),
                 (("--requests", "0"), "--requests must be a whole number, 1..10000000"),
                 # a code a request: ledger-load sets up at most 10^7 (every run failed above)
                 (("--requests", "10000001"), "--requests must be a whole number, 1..10000000"),
                 (("--connections", "0"), "--connections must be a whole number, 1..4096"),
                 (("--connections", "4097"), "--connections must be a whole number, 1..4096"),
                 (("--only", "sync,bogus"),
                  "--only takes a comma-separated subset of ceiling,none,async,sync,redis, not 'bogus'"),
                 (("--only", ","), "--only names no target"),
                 (("--open-rate", "0"), "--open-rate must be a whole number of requests per second, 1..999900"),
                 # 10 s at the rate plus 1000 codes must fit in ledger-load's 10^7
                 (("--open-rate", "999901"),
                  "--open-rate must be a whole number of requests per second, 1..999900"),
                 (("--connections",), "--connections needs a value")]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.run_script(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(r.stderr, "side-by-side: " + message + "\n")

    def test_good_ones_pass_the_check(self):
        for args in (("--requests", "1000", "--connections", "4096", "--only", "ceiling,redis"),
                     ("--requests", "10000000", "--open-rate", "999900"),
                     ("--quick", "--open-rate", "3333000")):  # --quick's open loop runs 3 s
            with self.subTest(args=args):
                r = self.run_script(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("is not a writable directory", r.stderr)

    def test_an_unwritable_out_leaves_no_scratch_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            parent = os.path.join(tmp, "data")
            os.mkdir(parent)
            r = run_script("side-by-side.sh", tmp, "--data-dir", parent, "--out", "/proc/no/such")
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertEqual(r.stderr, "side-by-side: --out /proc/no/such is not a directory it can write\n")
            self.assertEqual(os.listdir(parent), [])


class ThreadCpuChecksItsFlags(unittest.TestCase):
    """Each is refused before the --data-dir check, which comes before any server starts."""

    def test_bad_flags_are_refused_with_the_reason(self):
        cases = [(("--requests", "abc"), "--requests must be a whole number, 1..1000000000"),
                 (("--rate", "-5"), "--rate must be a whole number of requests per second, 1..10000000"),
                 (("--connections", "0"), "--connections must be a whole number, 1..4096"),
                 (("--codes", "0"), "--codes must be a whole number, 1..10000000"),
                 (("--codes", "10000001"), "--codes must be a whole number, 1..10000000"),
                 (("--requests", "20000000"),
                  "--requests above 10000000 needs --codes (a run sets up at most 10000000 codes)"),
                 (("--scenario", "bogus"), "bad --scenario bogus (one of link|redeem|lookup|hot-code|peak-sale)"),
                 (("--target", "redis"), "bad --target redis (one of ceiling|none|async|sync)")]
        with tempfile.TemporaryDirectory() as tmp:
            for args, message in cases:
                with self.subTest(args=args):
                    r = run_script("thread-cpu.sh", tmp, "--data-dir", os.path.join(tmp, "nope"), *args)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertEqual(r.stderr, "thread-cpu: " + message + "\n")

    def test_good_ones_pass_the_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run_script("thread-cpu.sh", tmp, "--data-dir", os.path.join(tmp, "nope"), "--scenario",
                           "lookup", "--requests", "20000000", "--codes", "1000", "--rate", "10000000")
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("is not a writable directory", r.stderr)


class BuildDir(unittest.TestCase):
    def test_the_default_and_a_configured_build_may_be_built_in(self):
        with tempfile.TemporaryDirectory() as tmp:
            default = os.path.join(tmp, "build", "release")
            self.assertEqual(bash('require_build_dir t "$1" "$2" "$1/x"', default + "/", default).returncode, 0)
            configured = os.path.join(tmp, "configured")
            os.mkdir(configured)
            open(os.path.join(configured, "CMakeCache.txt"), "w").close()
            self.assertEqual(bash('require_build_dir t "$1" "$2" "$1/x"', configured, default).returncode, 0)

    def test_another_must_hold_the_binaries(self):
        with tempfile.TemporaryDirectory() as tmp:
            default = os.path.join(tmp, "build", "release")
            r = bash('require_build_dir t "$1" "$2" "$1/x"; echo reached', tmp, default)
            self.assertEqual(r.returncode, 2)
            self.assertIn("t: %s/x is missing, and %s is not a configured build" % (tmp, tmp), r.stderr)
            self.assertNotIn("reached", r.stdout)
            binary = os.path.join(tmp, "x")
            with open(binary, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(binary, 0o755)
            self.assertEqual(bash('require_build_dir t "$1" "$2" "$1/x"', tmp, default).returncode, 0)

    def test_each_script_refuses_a_build_dir_that_does_not_exist(self):
        # A typo used to configure and build a whole new tree there.
        with tempfile.TemporaryDirectory() as tmp:
            typo = os.path.join(tmp, "typo")
            for script in ("side-by-side.sh", "thread-cpu.sh", "crash-loop.sh", "snapshot-rss.sh",
                           "snapshot-stall.sh"):
                with self.subTest(script=script):
                    r = run_script(script, typo)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(script[:-3] + ": --build-dir " + typo + " does not exist", r.stderr)
                    self.assertFalse(os.path.exists(typo))


class WaitPort(unittest.TestCase):
    LISTEN = ("import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
              "print(s.getsockname()[1], flush=True); time.sleep(float(sys.argv[1]))")

    def listener(self, seconds):
        """A process listening on a free port: (Popen, port)."""
        p = subprocess.Popen([sys.executable, "-c", self.LISTEN, str(seconds)], stdout=subprocess.PIPE,
                             text=True)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        return p, int(p.stdout.readline())

    def test_our_own_listener_passes(self):
        p, port = self.listener(30)
        r = bash('wait_port "$1" "$2" 5', str(port), str(p.pid))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_another_process_on_the_port_does_not_pass_for_ours(self):
        _, port = self.listener(30)
        with tempfile.NamedTemporaryFile("w", suffix=".log") as log:
            # Ours: alive a moment, then gone with the reason in its log, as codeledgerd does.
            r = bash('echo "codeledgerd: cannot listen on 127.0.0.1:$1: Address already in use" > "$2"; '
                     'sleep 0.5 & wait_port "$1" $! 5 "$2"', str(port), log.name)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("exited before it listened on port %d" % port, r.stderr)
        self.assertIn("the end of its log:\n  codeledgerd: cannot listen on 127.0.0.1:%d: Address already in use"
                      % port, r.stderr)

    def test_a_process_that_never_listens_times_out(self):
        r = bash('sleep 3 & p=$!; wait_port "$(free_port)" $p 1; s=$?; kill $p; exit $s')
        self.assertEqual(r.returncode, 1)
        self.assertIn("never listened on port", r.stderr)


class CrashLoopInterrupted(unittest.TestCase):
    """A stand-in crash_tests that starts a 'server' on data under $TMPDIR, as the real one does."""
    FAKE_TEST = """#!/bin/bash
data=$(mktemp -d "$TMPDIR/codeledger-crash-XXXXXX")
echo "$data" > "$FAKE_REPORT.dir"
python3 -c 'import time; time.sleep(60)' --data-dir "$data/data" &
echo $! > "$FAKE_REPORT.server"
echo $$ > "$FAKE_REPORT.test"
wait
"""

    def fake_build(self, tmp):
        return write_fake_build(tmp, {"server/codeledgerd": "#!/bin/sh\n",
                                      "tests/crash_tests": self.FAKE_TEST})

    def interrupt(self, signal_to, sig):
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report")
            script = subprocess.Popen(["bash", os.path.join(SCRIPTS, "crash-loop.sh"), "--build-dir",
                                       self.fake_build(tmp), "--cycles", "1", "--seconds", "60"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      env=dict(os.environ, FAKE_REPORT=report, TMPDIR=tmp))
            self.addCleanup(script.communicate)
            self.addCleanup(script.kill)
            test, server = wait_for_file(report + ".test"), wait_for_file(report + ".server")
            for pid in (test, server):  # whatever the test finds, nothing of it stays behind
                self.addCleanup(lambda pid=pid: running(pid) and os.kill(pid, signal.SIGKILL))
            with open(report + ".dir") as f:
                data = f.read().strip()
            self.assertTrue(data.startswith(tmp + "/codeledger-crash-loop."), data)
            os.kill(script.pid if signal_to == "script" else test, sig)
            script.communicate(timeout=20)
            self.assertEqual([pid for pid in (test, server) if running(pid)], [])
            self.assertFalse(os.path.exists(os.path.dirname(data)))

    def test_a_term_to_the_script_stops_the_test_and_its_server_and_removes_their_data(self):
        self.interrupt("script", signal.SIGTERM)

    def test_an_int_to_the_script_does_the_same(self):
        self.interrupt("script", signal.SIGINT)

    def test_a_test_killed_on_its_own_leaves_no_server_behind(self):
        self.interrupt("test", signal.SIGTERM)


class RequireWhole(unittest.TestCase):
    def test_bounds_are_inclusive_and_the_unit_is_named(self):
        self.assertEqual(bash('require_whole t --n 0 0 5').returncode, 0)
        self.assertEqual(bash('require_whole t --n 5 0 5').returncode, 0)
        for value in ("6", "-1", "007", "1e3", "", "99999999999999999999"):
            with self.subTest(value=value):
                r = bash('require_whole t --n "$1" 0 5 seconds', value)
                self.assertEqual(r.returncode, 2)
                self.assertEqual(r.stderr, "t: --n must be a whole number of seconds, 0..5\n")


class SideBySidePeakOnly(unittest.TestCase):
    run_script = SideBySideRounds.run_script

    def test_closed_loop_options_beside_it_are_refused(self):
        for extra in (["--closed-only"], ["--rounds", "3"], ["--two-lanes-too"], ["--open-rate", "100"],
                      ["--only", "sync"], ["--pool"], ["--requests", "5000"]):
            with self.subTest(extra=extra):
                r = self.run_script("--peak-only", *extra)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("side-by-side: --peak-only runs the peak sale alone", r.stderr)

    def test_closed_only_refuses_the_open_loop_s_and_the_peak_sale_s_flags(self):
        for extra in (["--open-rate", "100"], ["--pool"], ["--peak-duration", "5"]):
            with self.subTest(extra=extra):
                r = self.run_script("--closed-only", *extra)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("side-by-side: --closed-only runs neither the open loop nor the peak sale", r.stderr)
        r = self.run_script("--closed-only", "--quick")  # --quick's own durations are not refused
        self.assertIn("is not a writable directory", r.stderr)

    def test_a_peak_duration_outside_1_to_3600_seconds_is_refused(self):
        for seconds in ("0", "3601", "x", "1.5"):
            with self.subTest(seconds=seconds):
                r = self.run_script("--peak-only", "--peak-duration", seconds)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("side-by-side: --peak-duration must be a whole number of seconds, 1..3600",
                              r.stderr)

    def test_alone_it_passes_the_check(self):
        # The next check (the missing --data-dir) is what stops this one.
        r = self.run_script("--peak-only", "--peak-duration", "5")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("--peak-only", r.stderr)
        self.assertIn("is not a writable directory", r.stderr)


class DevPeakSaleSeconds(unittest.TestCase):
    """./dev peak-sale's check of SECONDS, before it installs or builds anything, run alone
    (taken out of ./dev: running ./dev peak-sale would build)."""
    DEV = os.path.join(HERE, "..", "..", "dev")

    def ok(self, seconds):
        snippet = 'eval "$(sed -n \'/^peak_sale_seconds_ok()/,/^}/p\' "$0")"; peak_sale_seconds_ok "$1"'
        r = subprocess.run(["bash", "-c", snippet, self.DEV, seconds], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stderr, "")
        return r.returncode == 0

    def test_whole_seconds_from_1_to_3600_pass(self):
        for seconds in ("1", "60", "3600"):
            with self.subTest(seconds=seconds):
                self.assertTrue(self.ok(seconds))

    def test_anything_else_is_refused_quietly(self):
        for seconds in ("0", "3601", "0060", "1.5", "", "-5", "9223372036854775808",
                        "99999999999999999999"):
            with self.subTest(seconds=seconds):
                self.assertFalse(self.ok(seconds))


class Pin(unittest.TestCase):
    def test_two_cpu_lists_set_both_prefixes(self):
        r = bash('set_pin test "0:0"; echo "${SERVER_PIN[*]}|${LOAD_PIN[*]}"; pin_note')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), ["taskset -c 0|taskset -c 0",
                                                 "cpus: servers on 0, the load generator on 0 (--pin)"])

    def test_unpinned_runs_say_so(self):
        r = bash('echo "${#SERVER_PIN[@]}${#LOAD_PIN[@]}"; pin_note')
        self.assertEqual(r.stdout.splitlines(), ["00", "cpus: not pinned"])

    def test_a_malformed_spec_or_a_missing_cpu_is_refused(self):
        last = os.cpu_count() - 1
        cases = [("1", "--pin must be SERVER_CPUS:LOAD_CPUS"), ("a:0", "--pin must be SERVER_CPUS:LOAD_CPUS"),
                 ("0:", "--pin must be SERVER_CPUS:LOAD_CPUS"),
                 (f"0:{last + 1}", f"--pin names CPU {last + 1}; this machine has CPUs 0..{last}")]
        for spec, reason in cases:
            with self.subTest(spec=spec):
                r = bash('set_pin test "$1"; echo reached', spec)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("test: " + reason, r.stderr)
                self.assertNotIn("reached", r.stdout)

    def test_the_open_loop_spins_only_on_cpus_of_the_load_generators_own(self):
        # (server CPUs, load CPUs, client threads) -> ledger-load's pacing flag
        cases = [("1", "0", 1, "--spin"), ("2-3", "0,1", 2, "--spin"), ("1", "0", 2, ""),
                 ("0-1", "1", 1, ""), ("1,3", "0-2", 1, "")]
        for server, load, threads, flag in cases:
            with self.subTest(server=server, load=load, threads=threads):
                r = bash('SERVER_PIN=(taskset -c "$1"); LOAD_PIN=(taskset -c "$2"); echo "[$(open_loop_pace "$3")]"',
                         server, load, str(threads))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.strip(), "[%s]" % flag)
        r = bash('echo "[$(open_loop_pace 1)]"')  # not pinned: the spinning could take the servers' CPU
        self.assertEqual(r.stdout.strip(), "[]")

    def test_each_script_refuses_a_bad_pin_before_starting_anything(self):
        with tempfile.TemporaryDirectory() as tmp:
            for script in ("side-by-side.sh", "thread-cpu.sh"):
                with self.subTest(script=script):
                    r = run_script(script, tmp, "--pin", "0")
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(script[:-3] + ": --pin must be SERVER_CPUS:LOAD_CPUS", r.stderr)


class ScratchServerScriptsInterrupted(unittest.TestCase):
    """The scripts that start a server with a stand-in build: a 'codeledgerd' that listens
    where it is told, and a 'ledger-load' that notes its pid, says its codes are ready and
    sleeps, as snapshot-stall's and snapshot-rss's fill would for up to its --duration 600.
    A TERM, or an INT to the script alone (kill -INT, not Ctrl-C's group), ends the script
    and stops the load."""
    FAKE_SERVER = """#!/usr/bin/env python3
import os, socket, sys, time
with open(os.environ["FAKE_REPORT"] + ".server", "a") as f:
    f.write("%d\\n" % os.getpid())
listen = sys.argv[sys.argv.index("--listen") + 1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(listen.rsplit(":", 1)[1]))); s.listen()
time.sleep(60)
"""
    FAKE_LOAD = """#!/bin/sh
echo "$*" >> "$FAKE_REPORT.args"
case " $* " in *" --scenario link "*) [ -n "${FAKE_FILL_TOO:-}" ] && exit 0 ;; esac
echo $$ >> "$FAKE_REPORT.load"
echo "ledger-load: 1000 codes ready"
exec sleep 60
"""

    def fake_build(self, tmp):
        return write_fake_build(tmp, {"server/codeledgerd": self.FAKE_SERVER,
                                      "bench/ledger-load": self.FAKE_LOAD})

    def interrupt(self, script_name, sig, *args, fill_too=False):
        """Signals the script once its load runs (with fill_too: the load after the fill);
        returns the command lines the load was started with."""
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report")
            env = dict(os.environ, FAKE_REPORT=report)
            if fill_too:
                env["FAKE_FILL_TOO"] = "1"
            script = subprocess.Popen(["bash", os.path.join(SCRIPTS, script_name), "--build-dir",
                                       self.fake_build(tmp), "--codes", "1000", *args],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      env=env)
            self.addCleanup(script.communicate)
            self.addCleanup(script.kill)
            load = wait_for_file(report + ".load")
            server = wait_for_file(report + ".server")
            for pid in (load, server):
                self.addCleanup(lambda pid=pid: running(pid) and os.kill(pid, signal.SIGKILL))
            self.assertTrue(running(load))
            script.send_signal(sig)
            script.communicate(timeout=20)
            deadline = time.monotonic() + 5
            while running(load) and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertFalse(running(load), "the load outlived " + script_name)
            self.assertFalse(running(server), "the server outlived " + script_name)
            with open(report + ".args") as f:
                return f.read().splitlines()

    def test_a_term_to_snapshot_stall_stops_its_fill(self):
        self.interrupt("snapshot-stall.sh", signal.SIGTERM)

    def test_a_term_to_snapshot_rss_stops_its_fill(self):
        self.interrupt("snapshot-rss.sh", signal.SIGTERM)

    def test_an_int_to_snapshot_stall_alone_stops_its_fill(self):
        self.interrupt("snapshot-stall.sh", signal.SIGINT)

    def test_an_int_to_snapshot_rss_alone_stops_its_fill(self):
        self.interrupt("snapshot-rss.sh", signal.SIGINT)

    def test_a_term_to_snapshot_stall_in_its_measured_run_stops_that_load(self):
        self.interrupt("snapshot-stall.sh", signal.SIGTERM, "--duration", "4", "--at", "2", fill_too=True)

    def measured_run_flags(self, *pin):
        """snapshot-stall's measured run's ledger-load flags, with the given --pin."""
        lines = self.interrupt("snapshot-stall.sh", signal.SIGTERM, "--duration", "4", "--at", "2", *pin,
                               fill_too=True)
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("--scenario link", lines[0])
        self.assertIn("--scenario redeem", lines[1])
        return lines[1].split()

    def test_snapshot_stall_does_not_spin_unpinned(self):
        flags = self.measured_run_flags()
        self.assertNotIn("--spin", flags)
        self.assertEqual(flags[flags.index("--threads") + 1], "1")

    @unittest.skipUnless(os.cpu_count() >= 2 and shutil.which("taskset"), "needs two CPUs and taskset")
    def test_snapshot_stall_spins_one_thread_on_a_cpu_of_its_own(self):
        flags = self.measured_run_flags("--pin", "1:0")
        self.assertIn("--spin", flags)
        self.assertEqual(flags[flags.index("--threads") + 1], "1")

    @unittest.skipUnless(os.cpu_count() >= 2 and shutil.which("taskset"), "needs two CPUs and taskset")
    def test_snapshot_stall_does_not_spin_beside_the_server(self):
        flags = self.measured_run_flags("--pin", "0-1:1")
        self.assertNotIn("--spin", flags)

    def test_a_term_to_thread_cpu_stops_its_load(self):
        self.interrupt("thread-cpu.sh", signal.SIGTERM)

    def test_an_int_to_thread_cpu_alone_stops_its_load(self):
        self.interrupt("thread-cpu.sh", signal.SIGINT)


if __name__ == "__main__":
    unittest.main()
