"""bench/scripts/instructions-summary.py: requests are the calls of Dispatcher::handle (with
--count load, of Connection::finish), the total is PROGRAM TOTALS, allocations are the calls
of libc's malloc, calloc and realloc, and functions are listed by inclusive instructions per request
(the largest block of a name: inlined pieces elsewhere are smaller); instructions.sh
refuses bad arguments before starting anything."""
import importlib.util
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "bench", "scripts")
SPEC = importlib.util.spec_from_file_location("summary", os.path.join(SCRIPTS, "instructions-summary.py"))
summary = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(summary)

# Shaped like `callgrind_annotate --inclusive=yes --tree=calling` output (lines cut short).
ANNOTATED = """\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
244,442,920 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                     file:function
--------------------------------------------------------------------------------
168,226,811 (68.82%)  *  /w/server/http/session.cc:codeledger::server::Session::on_read(boost::system::error_code, unsigned long) [/w/codeledgerd]
138,148,258 (56.52%)  >   /w/server/http/dispatcher.cc:codeledger::server::Dispatcher::handle(boost::beast::http::message<true> const&, codeledger::server::RequestInfo&) const (9,586x) [/w/codeledgerd]
 90,319,626 (36.95%)  *  /w/server/capillary/codes.cc:codeledger::server::capillary::link_code(codeledger::server::RequestContext&) [/w/codeledgerd]
 16,700,000 ( 6.83%)  >   /w/ledger/codes.cc:codeledger::ledger::Ledger::link_code(codeledger::ledger::Op&) (9,586x) [/w/codeledgerd]
  1,000,000 ( 0.41%)  *  ???:operator new(unsigned long) [/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30]
    900,000 ( 0.37%)  >   ./malloc/./malloc/malloc.c:malloc (14,379x) [/usr/lib/x86_64-linux-gnu/libc.so.6]
    500,000 ( 0.20%)  *  ./malloc/./malloc/malloc.c:_mid_memalign.constprop.0 [/usr/lib/x86_64-linux-gnu/libc.so.6]
    400,000 ( 0.16%)  >   ./malloc/./malloc/malloc.c:malloc (4,793x) [/usr/lib/x86_64-linux-gnu/libc.so.6]
    300,000 ( 0.12%)  >   ./malloc/./malloc/malloc.c:calloc (100x) [/usr/lib/x86_64-linux-gnu/libc.so.6]
    200,000 ( 0.08%)  >   ./malloc/./malloc/malloc.c:realloc (14x) [/usr/lib/x86_64-linux-gnu/libc.so.6]
    100,000 ( 0.04%)  >   ./malloc/./malloc/malloc.c:_int_malloc (19,172x) [/usr/lib/x86_64-linux-gnu/libc.so.6]
 24,000,000 ( 9.82%)  *  /usr/include/boost/asio/detail/scheduler.ipp:boost::asio::detail::scheduler::run(boost::system::error_code&) [/w/codeledgerd]
    210,892 ( 0.09%)  *  /usr/include/c++/12/bits/basic_string.h:codeledger::server::capillary::link_code(codeledger::server::RequestContext&)
 16,700,000 ( 6.83%)  *  /w/ledger/codes.cc:codeledger::ledger::Ledger::link_code(codeledger::ledger::Op&) [/w/codeledgerd]
138,148,258 (56.52%)  => /w/server/http/dispatcher.cc:codeledger::server::Dispatcher::handle(boost::beast::http::message<true> const&) (1x)
"""


class Summarise(unittest.TestCase):
    def test_requests_total_and_the_project_functions(self):
        total, requests, functions, allocations = summary.summarise(ANNOTATED.splitlines())
        self.assertEqual(total, 244442920)
        self.assertEqual(allocations, 14379 + 4793 + 100 + 14)  # not malloc's own _int_malloc
        self.assertEqual(requests, 9586)
        self.assertEqual(functions, {
            "codeledger::server::Session::on_read": 168226811,
            "codeledger::server::capillary::link_code": 90319626,
            "codeledger::ledger::Ledger::link_code": 16700000,
        })

    def test_the_report_is_per_request_largest_first_and_cut_at_top(self):
        text = summary.render("none", "link", 2, *summary.summarise(ANNOTATED.splitlines()))
        self.assertEqual(text.splitlines(), [
            "none link requests=9586 instructions_per_request=25500 allocations_per_request=2.01",
            "     17549  codeledger::server::Session::on_read",
            "      9422  codeledger::server::capillary::link_code",
        ])

    def test_the_load_generator_counts_its_answers_taken(self):
        load = ANNOTATED.replace("codeledger::server::Dispatcher::handle(boost::beast::http::message<true> const&, codeledger::server::RequestInfo&) const (9,586x)",
                                 "codeledger::bench::Connection::finish(codeledger::bench::Classified const&, std::basic_string_view<char>) (4,000x)")
        self.assertEqual(summary.summarise(load.splitlines())[1], 0)  # not a server's dump
        total, requests, _, _ = summary.summarise(load.splitlines(), "Connection::finish")
        self.assertEqual((total, requests), (244442920, 4000))

    def test_no_handler_calls_is_an_error_not_a_division_by_zero(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("1,000 (100.0%)  PROGRAM TOTALS\n")
            f.flush()
            r = subprocess.run(["python3", os.path.join(SCRIPTS, "instructions-summary.py"),
                                f.name, "none", "link", "5"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no request was counted (no call of Dispatcher::handle in the dump)", r.stderr)


MISSING_DIR = os.path.join(tempfile.gettempdir(), "codeledger-no-such-directory")


class InstructionsScriptArguments(unittest.TestCase):
    def run_script(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            return subprocess.run(["bash", os.path.join(SCRIPTS, "instructions.sh"), "--build-dir", tmp, *args],
                                  capture_output=True, text=True, timeout=60)

    def test_bad_arguments_exit_2_with_the_reason(self):
        cases = [
            (("--target", "nope"), "bad --target nope"),
            (("--target", "redis"), "--target redis needs --count load"),
            (("--count", "client"), "bad --count client (server or load)"),
            (("--scenario", "nope"), "bad --scenario nope"),
            (("--requests", "99"), "--requests must be a whole number, 100..1000000"),
            (("--requests", "x"), "--requests must be a whole number, 100..1000000"),
            (("--top", "101"), "--top must be a whole number, 0..100"),
            (("--bogus",), "unknown argument --bogus"),
            (("--dump", MISSING_DIR + "/cg.out"), f"--dump {MISSING_DIR}/cg.out is not a file name in a writable directory"),
            (("--dump", "/tmp"), "--dump /tmp is not a file name in a writable directory"),
        ]
        for args, reason in cases:
            with self.subTest(args=args):
                r = self.run_script(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("instructions: " + reason, r.stderr)

    def test_a_build_without_the_binaries_is_refused(self):
        r = self.run_script()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"instructions: (.*ledger-load is missing|valgrind is missing)")


class AnonymousNamespace(unittest.TestCase):
    """Probe 3: every function of an anonymous namespace was listed as its enclosing
    namespace ("codeledger::server::"), one entry for them all, keeping only the largest."""
    LINES = [
        " 9,000,000 (50.00%)  *  /w/server/http/listener.cc:codeledger::server::(anonymous namespace)::"
        "run_io_thread(boost::asio::io_context&) [/w/codeledgerd]",
        " 1,000,000 ( 5.00%)  *  /w/server/http/head.cc:codeledger::server::(anonymous namespace)::"
        "HeadText::put(std::string_view) [/w/codeledgerd]",
        "    10,000 ( 0.05%)  >   /w/server/http/dispatcher.cc:codeledger::server::Dispatcher::handle("
        "boost::beast::http::message<true> const&) const (100x) [/w/codeledgerd]",
        "18,000,000 (100.0%)  PROGRAM TOTALS",
    ]

    def test_each_function_keeps_its_own_name(self):
        _, _, functions, _ = summary.summarise(self.LINES)
        self.assertEqual(functions, {
            "codeledger::server::(anonymous namespace)::run_io_thread": 9_000_000,
            "codeledger::server::(anonymous namespace)::HeadText::put": 1_000_000})


class Usage(unittest.TestCase):
    SCRIPT = os.path.join(SCRIPTS, "instructions-summary.py")

    def test_help_prints_the_usage(self):
        r = subprocess.run(["python3", self.SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: instructions-summary.py ANNOTATED TARGET SCENARIO TOP", r.stdout)
        self.assertEqual(r.stderr, "")

    def test_missing_arguments_print_the_usage(self):
        r = subprocess.run(["python3", self.SCRIPT], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "usage: instructions-summary.py ANNOTATED TARGET SCENARIO TOP [REQUEST_FUNCTION]\n")


if __name__ == "__main__":
    unittest.main()
