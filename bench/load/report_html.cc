// HTML rendering of a Report: tables plus three inline SVG charts drawn here by hand, so the
// page needs no script, font or stylesheet from anywhere.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "bench/load/report.h"
#include "bench/load/warnings.h"

namespace codeledger::bench {
namespace {

// kLeftPx leaves room for a 10-character tick label ("10,000,000") clear of the rotated axis
// name (probe 34d: at 70 px they overlapped).
constexpr double kWidthPx = 760, kHeightPx = 260, kLeftPx = 84, kRightPx = 20, kTopPx = 30,
                 kBottomPx = 40;
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
constexpr const char* kBlue = "#1f77b4";
constexpr const char* kRed = "#d62728";
constexpr const char* kNoAnswersFill = "#e2e2e2";
// Up to this many timeline points each get a hover text with their figures; a longer run's
// page would grow by a line a second for little use.
constexpr std::size_t kHoverPointsMax = 900;

std::string fmt(double v, const char* spec = "%.1f") {
  char buf[48];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

// Text for HTML (and the inline SVG): markup characters escaped, bytes that are not UTF-8 and
// control characters other than tab and newlines as U+FFFD, as the JSON does (probe 34d: a
// label or an error answer with such bytes made the page invalid UTF-8).
std::string escape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_at(s, i);
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (n == 0 || (n == 1 && ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f))) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&#39;";
    else out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string svg_open(std::string_view title) {
  return "<svg xmlns='http://www.w3.org/2000/svg' width='" + fmt(kWidthPx, "%.0f") +
         "' height='" + fmt(kHeightPx, "%.0f") + "' font-family='sans-serif' font-size='11'>" +
         "<text x='" + fmt(kWidthPx / 2, "%.0f") + "' y='16' text-anchor='middle' " +
         "font-size='13'>" + escape(title) + "</text>";
}

// A value axis: linear from 0 to `top` in steps of `step`, or logarithmic from 1 to `top` (a
// power of ten) with a tick at each decade.
struct Scale {
  double top = 1, step = 1;
  bool log = false;

  double plot_height() const { return kHeightPx - kTopPx - kBottomPx; }
  // How far above the axis v sits, in pixels.
  double height(double v) const {
    if (log) return plot_height() * std::log10(std::max(v, 1.0)) / std::log10(top);
    return plot_height() * std::clamp(v / top, 0.0, 1.0);
  }
};

// A tick step a reader can count in: 1, 2, 2.5 or 5 times a power of ten, giving at most
// `ticks` steps over span.
double nice_step(double span, int ticks) {
  const double raw = span / ticks;
  if (!(raw > 0)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
  }
  return 10 * magnitude;
}

Scale linear_scale(double max, int ticks, double step_min = 0) {
  Scale s;
  s.step = std::max(step_min, nice_step(max, ticks));
  s.top = std::max(s.step, std::ceil(max / s.step - 1e-9) * s.step);
  return s;
}

// Seconds since the start: whole-second ticks for a timeline of whole seconds (probe 34d:
// 0.2 s ticks for points a second apart), finer ones only for a run shorter than a second.
Scale time_scale(double end_s) {
  return end_s >= 1 ? linear_scale(end_s, 8, 1) : linear_scale(end_s, 5);
}

Scale log_scale(double max) {
  Scale s;
  s.log = true;
  s.top = std::pow(10.0, std::ceil(std::log10(std::max(max, 10.0)) - 1e-9));
  s.step = 10;
  return s;
}

// "20,000" for whole steps, "2.5" or "0.25" below one.
std::string tick_label(double v, double step) {
  if (step < 1) return fmt(v, "%g");
  std::string digits = fmt(v, "%.0f"), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A decade of microseconds as people say it: "100 us", "1 ms", "10 s".
std::string duration_label(double us) {
  if (us >= 1e6) return fmt(us / 1e6, "%g") + " s";
  if (us >= 1e3) return fmt(us / 1e3, "%g") + " ms";
  return fmt(us, "%g") + " us";
}

std::string axes(const Scale& y, std::string_view y_label) {
  const double plot_h = y.plot_height();
  std::string s = "<line x1='" + fmt(kLeftPx) + "' y1='" + fmt(kTopPx) + "' x2='" + fmt(kLeftPx) +
                  "' y2='" + fmt(kHeightPx - kBottomPx) + "' stroke='#333'/>";
  s += "<line x1='" + fmt(kLeftPx) + "' y1='" + fmt(kHeightPx - kBottomPx) + "' x2='" +
       fmt(kWidthPx - kRightPx) + "' y2='" + fmt(kHeightPx - kBottomPx) + "' stroke='#333'/>";
  const double first = y.log ? 1 : 0;
  for (double value = first; value <= y.top * (1 + 1e-9);
       value = y.log ? value * y.step : value + y.step) {
    const double at = kHeightPx - kBottomPx - y.height(value);
    s += "<text x='" + fmt(kLeftPx - 4) + "' y='" + fmt(at + 4) + "' text-anchor='end'>" +
         (y.log ? duration_label(value) : tick_label(value, y.step)) + "</text>";
    s += "<line x1='" + fmt(kLeftPx) + "' y1='" + fmt(at) + "' x2='" + fmt(kWidthPx - kRightPx) +
         "' y2='" + fmt(at) + "' stroke='#eee'/>";
  }
  s += "<text x='12' y='" + fmt(kTopPx + plot_h / 2) + "' transform='rotate(-90 12 " +
       fmt(kTopPx + plot_h / 2) + ")' text-anchor='middle'>" + escape(y_label) + "</text>";
  return s;
}

// Grouped bars: one group per percentile, one bar per series (all requests, then each op).
std::string percentile_chart(const Report& r) {
  std::vector<std::pair<std::string, LatencySummary>> series{{"all", r.latency}};
  for (const OpReport& op : r.ops) {
    if (op.requests > 0) series.emplace_back(op.name, op.latency);
  }
  const char* names[] = {"p50", "p90", "p99", "p99.9", "max"};
  auto pick = [](const LatencySummary& l, int i) {
    const double v[] = {l.p50_us, l.p90_us, l.p99_us, l.p999_us, l.max_us};
    return v[i];
  };
  double y_max = 10;
  for (const auto& [name, l] : series) y_max = std::max(y_max, l.max_us);
  const Scale y = log_scale(y_max);
  const double group_w = (kWidthPx - kLeftPx - kRightPx) / 5.0;
  const double bar_w = group_w * 0.8 / static_cast<double>(series.size());
  std::string s = svg_open("Latency percentiles (log scale)") + axes(y, "latency");
  for (int g = 0; g < 5; ++g) {
    const double gx = kLeftPx + g * group_w + group_w * 0.1;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const double h = y.height(pick(series[k].second, g));
      s += "<rect x='" + fmt(gx + k * bar_w) + "' y='" + fmt(kHeightPx - kBottomPx - h) +
           "' width='" + fmt(bar_w - 1) + "' height='" + fmt(h) + "' fill='" +
           kColors[k % 5] + "'><title>" + escape(series[k].first) + " " + names[g] + ": " +
           fmt(pick(series[k].second, g)) + " us</title></rect>";
    }
    s += "<text x='" + fmt(gx + group_w * 0.4) + "' y='" + fmt(kHeightPx - kBottomPx + 14) +
         "' text-anchor='middle'>" + names[g] + "</text>";
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    s += "<text x='" + fmt(kLeftPx + 10 + k * 110.0) + "' y='" + fmt(kHeightPx - 6) +
         "' fill='" + kColors[k % 5] + "'>&#9632; " + escape(series[k].first) + "</text>";
  }
  return s + "</svg>";
}

// The per-second charts. Each timeline point covers [t_s - span_s, t_s] and is drawn over that
// span (a step), so one point shows as a block, not as a line of no length (probe 34d: a
// one-point polyline drew nothing), and the first second is not left blank.
double span_of(const SecondPoint& p) { return p.span_s > 0 ? p.span_s : 1; }

struct TimeAxis {
  Scale t;
  double x(double seconds) const {
    return kLeftPx + (kWidthPx - kLeftPx - kRightPx) * seconds / t.top;
  }
};

TimeAxis time_axis(const std::vector<SecondPoint>& points) {
  double end = 0;
  for (const SecondPoint& p : points) end = std::max(end, p.t_s);
  return {time_scale(end > 0 ? end : 1)};
}

std::string time_ticks(const TimeAxis& a) {
  std::string s;
  for (double sec = 0; sec <= a.t.top * (1 + 1e-9); sec += a.t.step) {
    s += "<text x='" + fmt(a.x(sec)) + "' y='" + fmt(kHeightPx - kBottomPx + 14) +
         "' text-anchor='middle'>" + tick_label(sec, a.t.step) + "</text>";
  }
  return s + "<text x='" + fmt(a.x(a.t.top / 2)) + "' y='" + fmt(kHeightPx - 6) +
         "' text-anchor='middle'>seconds since start</text>";
}

double y_of(const Scale& y, double v) { return kHeightPx - kBottomPx - y.height(v); }

// A legend entry in the top right corner: two a row, beside the title.
std::string legend(int slot, const char* color, std::string_view mark, std::string_view text) {
  return "<text x='" + fmt(kWidthPx - kRightPx - 190 + 95 * (slot % 2)) + "' y='" +
         fmt(12 + 13 * (slot / 2)) + "' fill='" + color + "' font-size='10'>" + std::string(mark) +
         " " + escape(text) + "</text>";
}

// A filled step area under value(p) / span for every point (a rate), from the baseline.
std::string step_area(const std::vector<SecondPoint>& points, const TimeAxis& a, const Scale& y,
                      const std::function<double(const SecondPoint&)>& value, const char* color) {
  if (points.empty()) return "";
  const double base = kHeightPx - kBottomPx;
  std::string d = "M" + fmt(a.x(points.front().t_s - span_of(points.front()))) + "," + fmt(base);
  for (const SecondPoint& p : points) {
    const double h = y_of(y, value(p) / span_of(p));
    d += " L" + fmt(a.x(p.t_s - span_of(p))) + "," + fmt(h) + " L" + fmt(a.x(p.t_s)) + "," + fmt(h);
  }
  d += " L" + fmt(a.x(points.back().t_s)) + "," + fmt(base) + " Z";
  return "<path d='" + d + "' fill='" + color + "' fill-opacity='0.75' stroke='" + color +
         "' stroke-width='1'/>";
}

// A step line at value(p) over each point with answers, broken where a point has none.
std::string step_line(const std::vector<SecondPoint>& points, const TimeAxis& a, const Scale& y,
                      const std::function<double(const SecondPoint&)>& value, const char* color,
                      std::string_view extra) {
  std::string d;
  bool drawing = false;
  for (const SecondPoint& p : points) {
    if (p.p99_us <= 0) {  // no answers: a gap, not a fall to zero
      drawing = false;
      continue;
    }
    const double h = y_of(y, value(p));
    d += std::string(drawing ? " L" : " M") + fmt(a.x(p.t_s - span_of(p))) + "," + fmt(h) + " L" +
         fmt(a.x(p.t_s)) + "," + fmt(h);
    drawing = true;
  }
  if (d.empty()) return "";
  return "<path d='" + d.substr(1) + "' fill='none' stroke='" + color + "' " + std::string(extra) + "/>";
}

std::string point_text(const SecondPoint& p) {
  std::string s = fmt(p.t_s - span_of(p), "%g") + "-" + fmt(p.t_s, "%g") + " s: " +
                  std::to_string(p.requests) + " requests, " + std::to_string(p.errors) + " errors";
  if (p.p99_us <= 0) return s + ", no answers";
  return s + ", p99 " + fmt(p.p99_us) + " us, max " + fmt(p.max_us) + " us";
}

// Invisible columns, one a point, whose hover text gives its figures.
std::string hover_columns(const std::vector<SecondPoint>& points, const TimeAxis& a) {
  if (points.size() > kHoverPointsMax) return "";
  std::string s;
  for (const SecondPoint& p : points) {
    s += "<rect x='" + fmt(a.x(p.t_s - span_of(p))) + "' y='" + fmt(kTopPx) + "' width='" +
         fmt(a.x(p.t_s) - a.x(p.t_s - span_of(p))) + "' height='" +
         fmt(kHeightPx - kTopPx - kBottomPx) + "' fill='none' pointer-events='all'><title>" +
         point_text(p) + "</title></rect>";
  }
  return s;
}

std::string note_in_plot(std::string_view text) {
  return "<text x='" + fmt((kLeftPx + kWidthPx - kRightPx) / 2) + "' y='" +
         fmt(kTopPx + (kHeightPx - kTopPx - kBottomPx) / 2) + "' text-anchor='middle' fill='#555'>" +
         escape(text) + "</text>";
}

// Requests per second, with the errors among them in red from the baseline up: a run whose
// every request failed is red to the top (probe 34d: it looked like a healthy run).
std::string throughput_chart(const Report& r) {
  const std::vector<SecondPoint>& points = r.timeline;
  const TimeAxis a = time_axis(points);
  double y_max = 1;
  bool errors = false;
  std::uint64_t drawn = 0;
  for (const SecondPoint& p : points) {
    y_max = std::max(y_max, static_cast<double>(p.requests) / span_of(p));
    errors = errors || p.errors > 0;
    drawn += p.requests;
  }
  const Scale y = linear_scale(y_max, 4, 1);  // whole requests: no "0.25 requests/s"
  std::string s = svg_open(errors ? "Requests per second (errors in red)" : "Requests per second") +
                  axes(y, "requests/s");
  s += step_area(points, a, y, [](const SecondPoint& p) { return static_cast<double>(p.requests); }, kBlue);
  if (errors) {
    s += step_area(points, a, y, [](const SecondPoint& p) { return static_cast<double>(p.errors); }, kRed);
  }
  s += legend(0, kBlue, "&#9632;", "requests/s");
  // None drawn is not none at all when the run's errors came after the last second.
  s += legend(1, kRed, "&#9632;", errors ? "errors/s" : r.errors > 0 ? "errors/s: none here" : "errors/s: none");
  if (points.empty()) {
    s += note_in_plot("no timeline");
  } else if (drawn == 0) {
    s += note_in_plot(r.timeline_tail_requests > 0
                          ? "none in any second: " + std::to_string(r.timeline_tail_requests) +
                                " requests (" + std::to_string(r.timeline_tail_errors) +
                                " errors) ended after the last one"
                          : std::string("no requests"));
  }
  return s + time_ticks(a) + hover_columns(points, a) + "</svg>";
}

// Each second's p99 (red) and slowest answer (grey, dashed) on a log axis, so a stall of
// seconds and the usual hundreds of microseconds both read; a second with no answers is a
// grey column and a gap in the lines, not a p99 of 0 (probe 34d: a stall drew as a dip).
std::string latency_chart(const std::vector<SecondPoint>& points) {
  const TimeAxis a = time_axis(points);
  double y_max = 10;
  bool gaps = false, answers = false;
  for (const SecondPoint& p : points) {
    y_max = std::max({y_max, p.max_us, p.p99_us});
    gaps = gaps || p.p99_us <= 0;
    answers = answers || p.p99_us > 0;
  }
  const Scale y = log_scale(y_max);
  std::string s = svg_open("Latency per second: p99 and max (log scale)");
  for (const SecondPoint& p : points) {
    if (p.p99_us > 0) continue;
    s += "<rect x='" + fmt(a.x(p.t_s - span_of(p))) + "' y='" + fmt(kTopPx) + "' width='" +
         fmt(a.x(p.t_s) - a.x(p.t_s - span_of(p))) + "' height='" +
         fmt(kHeightPx - kTopPx - kBottomPx) + "' fill='" + kNoAnswersFill + "'/>";
  }
  s += axes(y, "latency");
  s += step_line(points, a, y, [](const SecondPoint& p) { return p.max_us; }, "#777",
                 "stroke-width='1' stroke-dasharray='4 3'");
  s += step_line(points, a, y, [](const SecondPoint& p) { return p.p99_us; }, kRed, "stroke-width='2'");
  s += legend(0, kRed, "&#9472;", "p99");
  s += legend(1, "#777", "- -", "max");
  if (gaps) s += legend(2, "#999", "&#9632;", "no answers");
  if (!answers) s += note_in_plot(points.empty() ? "no timeline" : "no answers in any second");
  return s + time_ticks(a) + hover_columns(points, a) + "</svg>";
}

// The p50 .. max cells of one table row.
std::string percentile_cells(const LatencySummary& l) {
  return "<td>" + fmt(l.p50_us) + "</td><td>" + fmt(l.p90_us) + "</td><td>" + fmt(l.p99_us) +
         "</td><td>" + fmt(l.p999_us) + "</td><td>" + fmt(l.max_us) + "</td>";
}

std::string latency_row(std::string_view name, std::uint64_t req, std::uint64_t ok,
                        std::uint64_t rej, std::uint64_t err, const LatencySummary& l) {
  return "<tr><td>" + escape(name) + "</td><td>" + std::to_string(req) + "</td><td>" +
         std::to_string(ok) + "</td><td>" + std::to_string(rej) + "</td><td>" +
         std::to_string(err) + "</td>" + percentile_cells(l) + "</tr>";
}

std::string part_row(std::string_view name, const LatencySummary& l) {
  return "<tr><td>" + escape(name) + "</td><td>" + std::to_string(l.count) + "</td>" +
         percentile_cells(l) + "</tr>";
}

std::string config_value(const Report& r, std::string_view name) {
  for (const auto& [k, v] : r.config) {
    if (k == name) return v;
  }
  return {};
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? std::string("0 %") : fmt(100.0 * static_cast<double>(part) / static_cast<double>(whole), "%.3g") + " %";
}

// The verdict first, as the exit status has it (warnings.h, run_was_clean), with its causes:
// the figures below read differently when requests failed or the verify did not finish
// (probe 34d: an all-error run opened with its requests/s in bold, as a healthy one).
std::string verdict_line(const Report& r) {
  std::vector<std::string> causes;
  if (r.errors > 0) {
    causes.push_back(std::to_string(r.errors) + " of " + std::to_string(r.requests) +
                     " requests were errors (" + percent(r.errors, r.requests) + ")" +
                     (r.ok + r.expected_rejections == 0 ? ": not one succeeded" : ""));
  }
  if (r.connect_failures > 0) causes.push_back(std::to_string(r.connect_failures) + " connects failed");
  if (r.requests == 0) causes.push_back("no request was answered or failed: nothing was measured");
  if (r.verify.failed) causes.push_back("the verify failed, so double redemptions and lost acks are not known");
  if (r.verify.double_redemptions > 0) {
    causes.push_back(std::to_string(r.verify.double_redemptions) + " codes were redeemed twice");
  }
  if (r.verify.lost_acks > 0) causes.push_back(std::to_string(r.verify.lost_acks) + " acknowledged redemptions were lost");
  if (!run_was_clean(r) || r.requests == 0) {
    std::string s = std::string("<p class='bad'><b>Not a clean run</b> (exit status ") +
                    (run_was_clean(r) ? "0" : "1") + "): ";
    for (std::size_t i = 0; i < causes.size(); ++i) s += (i ? "; " : "") + escape(causes[i]);
    return s + ".</p>";
  }
  std::string s = "<p class='good'><b>Clean run</b> (exit status 0): no errors, no failed connects";
  if (r.verify.ran) {
    s += ", and the verify found no double redemption and no lost ack (" +
         std::to_string(r.verify.codes_checked) + " codes checked)";
  } else {
    s += " (not verified: --no-verify, or a scenario without redemptions)";
  }
  s += ".";
  if (!r.warnings.empty()) s += " The warnings below still change what the figures mean.";
  return s + "</p>";
}

std::string tables(const Report& r) {
  std::string s = verdict_line(r) + "<h2>Configuration</h2><table>";
  for (const auto& [k, v] : r.config) s += "<tr><td>" + escape(k) + "</td><td>" + escape(v) + "</td></tr>";
  s += "</table>";
  if (!r.warnings.empty()) {  // before the figures: they change what the figures mean
    s += "<h2>Warnings</h2><ul>";
    for (const std::string& w : r.warnings) s += "<li>" + escape(w) + "</li>";
    s += "</ul>";
  }
  s += "<h2>Results</h2><p><b>" + fmt(r.throughput_rps, "%.0f") + " requests/s</b> over " +
       fmt(r.elapsed_s, "%.2f") + " s; errors: ";
  if (r.errors > 0) {
    const double without = r.elapsed_s > 0 ? static_cast<double>(r.requests - r.errors) / r.elapsed_s : 0;
    s += "<b class='bad'>" + std::to_string(r.errors) + " (" + percent(r.errors, r.requests) +
         " of the requests)</b>, so " + fmt(without, "%.0f") + " requests/s without error";
  } else {
    s += "<b>0</b>";
  }
  s += "; busiest client thread: " + fmt(r.client_cpu_pct, "%.0f") + " % CPU";
  if (r.verify.failed) {
    s += "; verify: <b class='bad'>failed</b> (double redemptions and lost acks not known; " +
         std::to_string(r.verify.codes_checked) + " codes checked before it stopped)";
  } else if (r.verify.ran) {
    s += "; double redemptions: <b>" + std::to_string(r.verify.double_redemptions) +
         "</b>; lost acks: <b>" + std::to_string(r.verify.lost_acks) + "</b> (" +
         std::to_string(r.verify.codes_checked) + " codes checked)";
  }
  s += "</p><table><tr><th>op</th><th>requests</th><th>ok</th><th>expected rejections</th>"
       "<th>errors</th><th>p50 us</th><th>p90 us</th><th>p99 us</th><th>p99.9 us</th>"
       "<th>max us</th></tr>";
  s += latency_row("all", r.requests, r.ok, r.expected_rejections, r.errors, r.latency);
  for (const OpReport& o : r.ops) {
    s += latency_row(o.name, o.requests, o.ok, o.expected_rejections, o.errors, o.latency);
  }
  s += config_value(r, "loop") == "closed"
           ? "</table><p>Closed loop: each connection sends its next request when the answer "
             "to the last one is in, so the latency above is the time in flight and the send "
             "lag is about zero. Split in two:"
           : "</table><p>The latency above runs from each request's intended send time (its "
             "slot in the open loop's schedule). Split in two:";
  s += "</p><table><tr><th>part</th><th>requests</th><th>p50 us</th><th>p90 us</th>"
       "<th>p99 us</th><th>p99.9 us</th><th>max us</th></tr>";
  s += part_row("in flight (sent to answered)", r.in_flight);
  s += part_row("send lag (intended to sent)", r.send_lag);
  s += "</table><h2>Outcomes</h2><table>";
  for (const auto& [k, v] : r.outcomes) s += "<tr><td>" + escape(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
  s += "</table>";
  for (const std::string& n : r.verify.notes) s += "<p>verify: " + escape(n) + "</p>";
  if (!r.error_samples.empty()) {
    s += "<h2>Error samples</h2><pre>";
    for (const std::string& e : r.error_samples) s += escape(e) + "\n";
    s += "</pre>";
  }
  return s;
}

// What the run was, for the page's title and heading: "redeem, durability:sync, 127.0.0.1:8080"
// (probe 34d: every page was "ledger-load report", so open ones could not be told apart).
std::string run_name(const Report& r) {
  std::string name;
  for (const char* key : {"scenario", "label", "address"}) {
    const std::string v = config_value(r, key);
    if (!v.empty() && v != "-") name += (name.empty() ? "" : ", ") + v;
  }
  return name;
}

std::string charts_note(const Report& r) {
  std::string s = "<p>Per second: each second is drawn over its own span (the point at "
                  "<code>t_s</code> N covers N-1 to N).";
  if (r.timeline.size() == 1 && r.timeline.front().span_s < 1) {
    s += " The run was shorter than a second: its one span is the run itself (" +
         fmt(r.timeline.front().span_s, "%.3f") + " s), and its height is a rate.";
  }
  if (r.timeline_tail_requests > 0) {
    s += " Not drawn: " + std::to_string(r.timeline_tail_requests) + " requests (" +
         std::to_string(r.timeline_tail_errors) + " errors) answered after the last whole second.";
  }
  return s + "</p>";
}

}  // namespace

std::string report_html(const Report& r) {
  const std::string name = escape(run_name(r));
  std::string s =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ledger-load: " + name + "</title>"
      "<style>body{font-family:sans-serif;margin:2em;max-width:820px}table{border-collapse:"
      "collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;"
      "overflow-wrap:anywhere}td:first-child{text-align:left}svg{display:block;margin:1em 0}"
      "pre{white-space:pre-wrap;overflow-wrap:anywhere}.bad{color:#b00000}"
      "p.bad{border:2px solid #b00000;padding:.4em .6em}p.good{border:1px solid #2a7a2a;"
      "padding:.4em .6em}</style></head><body><h1>ledger-load report: " + name + "</h1>";
  s += tables(r);
  s += "<h2>Charts</h2>" + percentile_chart(r) + charts_note(r);
  s += throughput_chart(r);
  s += latency_chart(r.timeline);
  return s + "</body></html>\n";
}

}  // namespace codeledger::bench
