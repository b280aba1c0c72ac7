#!/usr/bin/env python3
"""The summary instructions.sh prints, from `callgrind_annotate --inclusive=yes
--tree=calling` output of a server's dump: the requests served (the calls of
Dispatcher::handle, from its callers' callee lines, which end in "(N x)"), the instructions
per request (PROGRAM TOTALS / requests), and the `top` codeledger functions by inclusive
instructions per request.

usage: instructions-summary.py ANNOTATED TARGET SCENARIO TOP
Exits 1 with the reason when no request was counted.
"""
import re
import sys

LINE = re.compile(r"\s*([\d,]+) \([ \d.]+%\)\s+([*>])?\s*(.*)$")
CALLS = re.compile(r"\(([\d,]+)x\)")


def number(text):
    return int(text.replace(",", ""))


def summarise(lines):
    """(total instructions, requests, {function: inclusive instructions})."""
    total, requests, functions = 0, 0, {}
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        cost, mark, rest = number(m.group(1)), m.group(2), m.group(3)
        if "PROGRAM TOTALS" in rest:
            total = cost
        elif mark == ">" and "Dispatcher::handle(" in rest:
            calls = CALLS.search(rest)
            if calls:
                requests = max(requests, number(calls.group(1)))
        elif mark == "*":
            # "file:function [object]": the function, without its object or parameter list
            name = re.sub(r"\s*\[[^\]]*\]\s*$", "", rest).split(":", 1)[-1]
            name = re.sub(r"\(.*", "", name)
            if name.startswith("codeledger::"):
                functions[name] = max(functions.get(name, 0), cost)  # inlined pieces are smaller
    return total, requests, functions


def render(target, scenario, top, total, requests, functions):
    out = [f"{target} {scenario} requests={requests} instructions_per_request={total / requests:.0f}"]
    for name, cost in sorted(functions.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"  {cost / requests:8.0f}  {name}")
    return "\n".join(out)


def main(argv):
    path, target, scenario, top = argv[1], argv[2], argv[3], int(argv[4])
    with open(path, errors="replace") as f:
        total, requests, functions = summarise(f)
    if requests == 0 or total == 0:
        sys.exit("instructions: no request was counted (is this codeledgerd or ceiling-server?)")
    print(render(target, scenario, top, total, requests, functions))


if __name__ == "__main__":
    main(sys.argv)
