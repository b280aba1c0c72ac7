"""The side-by-side summary as a page with pictures (side-by-side-summary.py --html): for each
closed-loop scenario one bar per target, its median requests a second over the rounds with
its median p99 beside it, then the printed summary. Self-contained: inline SVG, no script,
nothing fetched, so it opens from a file."""
import html

WIDTH = 760
LEFT = 190    # target names
RIGHT = 190   # the figures after each bar
TOP = 34      # the title
BAR_H = 20
GAP = 6
CHAR_W = 6.8  # about the width of a 12 px sans-serif character
FAMILY_COLORS = (("ceiling", "#7f7f7f"), ("codeledgerd", "#1f77b4"), ("redis", "#d62728"))


def color(target):
    for prefix, value in FAMILY_COLORS:
        if target.startswith(prefix):
            return value
    return "#9467bd"


TROUBLE_COLOR = "#b00000"


def latency_text(us):
    """A p99 read at its own scale: "35 us", "940 us", "2.5 ms", "120 ms", "1.20 s" (probe 34d:
    "0.0 ms" for 35 us)."""
    if us < 1000:
        return "%.0f us" % us
    if us < 100000:
        return "%.1f ms" % (us / 1000)
    if us < 1000000:
        return "%.0f ms" % (us / 1000)
    return "%.2f s" % (us / 1e6)


def figures(rps, p99_us, trouble=None):
    """The text after a bar: its median figures, and the runs left out of them."""
    if rps is None:
        return "no clean run: " + trouble if trouble else "did not run"
    text = "%.1fk req/s" % (rps / 1000)
    text += ", p99 " + latency_text(p99_us) if p99_us is not None else ""
    return text + ("; left out: " + trouble if trouble else "")


def bar_chart(title, bars, marks=()):
    """bars: [(target, median req/s or None, median p99 in us or None, trouble or None)], drawn
    in order (trouble: the runs left out of the medians, which failed or had errors; a target
    without a clean run has no bar, only that text, in red); marks: [(label, req/s)], dashed
    lines across the bars (issue 6's targets)."""
    top_rps = max([b[1] for b in bars if b[1]] + [rps for _, rps in marks] or [1])
    plot_w = WIDTH - LEFT - RIGHT
    bars_h = len(bars) * (BAR_H + GAP)
    height = TOP + bars_h + 10 + 16 * len(marks)
    out = ["<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' "
           "font-size='12'>" % (WIDTH, height),
           "<text x='%d' y='18' text-anchor='middle' font-size='14'>%s</text>"
           % (WIDTH // 2, html.escape(title))]
    rows = []
    for i, bar in enumerate(bars):
        target, rps, p99_us = bar[:3]
        trouble = bar[3] if len(bar) > 3 else None
        y = TOP + i * (BAR_H + GAP)
        w = plot_w * (rps or 0) / top_rps
        out.append("<text x='%d' y='%d' text-anchor='end'%s>%s</text>"
                   % (LEFT - 6, y + BAR_H - 6, " fill='%s'" % TROUBLE_COLOR if trouble else "",
                      html.escape(target)))
        out.append("<rect x='%d' y='%d' width='%.1f' height='%d' fill='%s'/>"
                   % (LEFT, y, w, BAR_H, color(target)))
        rows.append((y, w, figures(rps, p99_us, trouble), trouble))
    # The marks over the bars (a bar longer than a mark no longer hides it), under the figures.
    for i, (label, rps) in enumerate(marks):
        x = LEFT + plot_w * rps / top_rps
        out.append("<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#333' stroke-dasharray='4 3'/>"
                   % (x, TOP - 4, x, TOP + bars_h))
        out.append("<text x='%.1f' y='%d' text-anchor='middle' font-size='11'>%s</text>"
                   % (x, TOP + bars_h + 12 + 16 * i, html.escape(label)))
    for y, w, label, trouble in rows:
        # A white ground under the figures, so a target's dashed line does not cross them.
        out.append("<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='white'/>"
                   % (LEFT + w + 3, y + 2, CHAR_W * len(label) + 6, BAR_H - 4))
        out.append("<text x='%.1f' y='%d'%s>%s</text>"
                   % (LEFT + w + 6, y + BAR_H - 6, " fill='%s'" % TROUBLE_COLOR if trouble else "",
                      html.escape(label)))
    out.append("</svg>")
    return "".join(out)


def render_html(charts, summary_text):
    """charts: [(title, bars, marks)] as bar_chart takes them; summary_text: the printed summary."""
    page = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>side-by-side summary</title>"
            "<style>body{font-family:sans-serif;margin:2em;max-width:820px}"
            "svg{display:block;margin:1em 0;overflow:visible}"
            "pre{font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}</style></head><body>",
            "<h1>side-by-side summary</h1>",
            "<p>Median requests a second over the clean rounds (the bar) and median p99, at the "
            "same connection and request counts; grey the ceiling, blue codeledgerd, red Redis + "
            "Lua. The dashed lines are issue 6's closed-loop targets for sync, drawn from the "
            "medians (the summary judges the median of each round's ratio). A run that failed or "
            "had errors is left out of the medians and named in red beside its target; a target "
            "with no clean run has no bar.</p>"]
    if not charts:
        page.append("<p><b>No closed-loop run to draw</b>: see the summary below.</p>")
    page.extend(bar_chart(title, bars, marks) for title, bars, marks in charts)
    page.append("<h2>Summary</h2><pre>%s</pre></body></html>\n" % html.escape(summary_text))
    return "".join(page)
