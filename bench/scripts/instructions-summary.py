#!/usr/bin/env python3
"""The summary instructions.sh prints, from `callgrind_annotate --inclusive=yes
--tree=calling` output of a dump: the requests (the calls of REQUEST_FUNCTION, by default
the server's Dispatcher::handle, with --count load ledger-load's Connection::finish, from
its callers' callee lines, which end in "(N x)"), the instructions per request (PROGRAM
TOTALS / requests), the heap allocations per request (the calls of libc's malloc, calloc and
realloc, from every caller's callee lines: operator new and memalign end in malloc too; the
design brief allows none on the hot path), and the `top` codeledger functions by inclusive
instructions per request.

usage: instructions-summary.py ANNOTATED TARGET SCENARIO TOP [REQUEST_FUNCTION]
Exits 1 with the reason when no request was counted.
"""
import re
import sys

LINE = re.compile(r"\s*([\d,]+) \([ \d.]+%\)\s+([*>])?\s*(.*)$")
CALLS = re.compile(r"\(([\d,]+)x\)")
ALLOCATOR = re.compile(r"/malloc\.c:(malloc|calloc|realloc) \(")


def number(text):
    return int(text.replace(",", ""))


def function_name(signature):
    """A function's name without its parameter list: the first "(" that is not part of an
    "(anonymous namespace)" starts it. Cutting at the very first "(" named every function of
    an anonymous namespace after the namespace around it, and kept only the largest (probe 41c:
    run_io_thread and HeadText::put both read "codeledger::server::")."""
    return re.sub(r"\((?!anonymous namespace\)).*", "", signature)


def summarise(lines, request_function="Dispatcher::handle"):
    """(total instructions, requests, {function: inclusive instructions}, allocations)."""
    total, requests, functions, allocations = 0, 0, {}, 0
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        cost, mark, rest = number(m.group(1)), m.group(2), m.group(3)
        if "PROGRAM TOTALS" in rest:
            total = cost
        elif mark == ">" and request_function + "(" in rest:
            calls = CALLS.search(rest)
            if calls:
                requests = max(requests, number(calls.group(1)))
        elif mark == ">" and ALLOCATOR.search(rest):
            calls = CALLS.search(rest)
            allocations += number(calls.group(1)) if calls else 0
        elif mark == "*":
            # "file:function [object]": the function, without its object or parameter list
            name = re.sub(r"\s*\[[^\]]*\]\s*$", "", rest).split(":", 1)[-1]
            name = function_name(name)
            if name.startswith("codeledger::"):
                functions[name] = max(functions.get(name, 0), cost)  # inlined pieces are smaller
    return total, requests, functions, allocations


def render(target, scenario, top, total, requests, functions, allocations):
    out = [f"{target} {scenario} requests={requests} instructions_per_request={total / requests:.0f}"
           f" allocations_per_request={allocations / requests:.2f}"]
    for name, cost in sorted(functions.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"  {cost / requests:8.0f}  {name}")
    return "\n".join(out)


USAGE = "usage: instructions-summary.py ANNOTATED TARGET SCENARIO TOP [REQUEST_FUNCTION]"


def main(argv):
    if "-h" in argv[1:] or "--help" in argv[1:]:
        print(__doc__.strip())
        sys.exit(0)
    if len(argv) not in (5, 6) or not argv[4].isdigit():
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    path, target, scenario, top = argv[1], argv[2], argv[3], int(argv[4])
    request_function = argv[5] if len(argv) > 5 else "Dispatcher::handle"
    with open(path, errors="replace") as f:
        total, requests, functions, allocations = summarise(f, request_function)
    if requests == 0 or total == 0:
        sys.exit(f"instructions: no request was counted (no call of {request_function} in the dump)")
    print(render(target, scenario, top, total, requests, functions, allocations))


if __name__ == "__main__":
    main(sys.argv)
