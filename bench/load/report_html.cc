// HTML rendering of a Report: tables plus three inline SVG charts drawn here by hand, so the
// page needs no script, font or stylesheet from anywhere.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/load/report.h"

namespace codeledger::bench {
namespace {

constexpr double kWidthPx = 760, kHeightPx = 260, kLeftPx = 70, kRightPx = 20, kTopPx = 30,
                 kBottomPx = 40;
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};

std::string fmt(double v, const char* spec = "%.1f") {
  char buf[48];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
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

Scale linear_scale(double max, int ticks) {
  Scale s;
  s.step = nice_step(max, ticks);
  s.top = std::max(s.step, std::ceil(max / s.step - 1e-9) * s.step);
  return s;
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
  s += "<text x='14' y='" + fmt(kTopPx + plot_h / 2) + "' transform='rotate(-90 14 " +
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

std::string line_chart(const std::vector<SecondPoint>& points, bool p99, std::string_view title,
                       std::string_view y_label) {
  auto value = [p99](const SecondPoint& p) {
    return p99 ? p.p99_us : static_cast<double>(p.requests);
  };
  double y_max = 1, t_max = 1;
  for (const SecondPoint& p : points) {
    y_max = std::max(y_max, value(p));
    t_max = std::max(t_max, p.t_s);
  }
  const Scale y = linear_scale(y_max, 4), t = linear_scale(t_max, 8);
  const double plot_w = kWidthPx - kLeftPx - kRightPx;
  std::string s = svg_open(title) + axes(y, y_label) + "<polyline fill='none' " +
                  "stroke='" + kColors[p99 ? 3 : 0] + "' stroke-width='1.5' points='";
  for (const SecondPoint& p : points) {
    s += fmt(kLeftPx + plot_w * p.t_s / t.top) + "," +
         fmt(kHeightPx - kBottomPx - y.height(value(p))) + " ";
  }
  s += "'/>";
  for (double sec = 0; sec <= t.top * (1 + 1e-9); sec += t.step) {  // seconds since the start
    s += "<text x='" + fmt(kLeftPx + plot_w * sec / t.top) + "' y='" +
         fmt(kHeightPx - kBottomPx + 14) + "' text-anchor='middle'>" + tick_label(sec, t.step) +
         "</text>";
  }
  s += "<text x='" + fmt(kLeftPx + plot_w / 2) + "' y='" + fmt(kHeightPx - 6) +
       "' text-anchor='middle'>seconds since start</text>";
  return s + "</svg>";
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

std::string tables(const Report& r) {
  std::string s = "<h2>Configuration</h2><table>";
  for (const auto& [k, v] : r.config) s += "<tr><td>" + escape(k) + "</td><td>" + escape(v) + "</td></tr>";
  s += "</table>";
  if (!r.warnings.empty()) {  // before the figures: they change what the figures mean
    s += "<h2>Warnings</h2><ul>";
    for (const std::string& w : r.warnings) s += "<li>" + escape(w) + "</li>";
    s += "</ul>";
  }
  s += "<h2>Results</h2><p><b>" + fmt(r.throughput_rps, "%.0f") + " requests/s</b> over " +
       fmt(r.elapsed_s, "%.2f") + " s; errors: <b>" + std::to_string(r.errors) + "</b>";
  s += "; busiest client thread: " + fmt(r.client_cpu_pct, "%.0f") + " % CPU";
  if (r.verify.ran) {
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
  s += "</table><p>The latency above runs from each request's intended send time. Split in two:"
       "</p><table><tr><th>part</th><th>requests</th><th>p50 us</th><th>p90 us</th>"
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

}  // namespace

std::string report_html(const Report& r) {
  std::string s =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ledger-load report</title>"
      "<style>body{font-family:sans-serif;margin:2em;max-width:820px}table{border-collapse:"
      "collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
      "td:first-child{text-align:left}svg{display:block;margin:1em 0}</style></head><body>"
      "<h1>ledger-load report</h1>";
  s += tables(r);
  s += "<h2>Charts</h2>" + percentile_chart(r);
  s += line_chart(r.timeline, false, "Throughput per second", "requests/s");
  s += line_chart(r.timeline, true, "p99 latency per second (microseconds)", "p99 us");
  return s + "</body></html>\n";
}

}  // namespace codeledger::bench
