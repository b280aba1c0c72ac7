#include "bench/load/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/load/resp.h"
#include "bench/load/runner.h"
#include "bench/load/warnings.h"

namespace codeledger::bench {
namespace {

Report SampleReport() {
  Report r;
  r.config = {{"scenario", "peak-sale"}, {"label", "quote\" <tag>"}};
  r.elapsed_s = 2;
  r.start_monotonic_s = 75071.5;
  r.requests = 10;
  r.ok = 8;
  r.expected_rejections = 1;
  r.errors = 1;
  r.throughput_rps = 5;
  r.client_cpu_pct = 97;
  Histogram h;
  for (int i = 1; i <= 10; ++i) h.record(static_cast<std::uint64_t>(i) * 1000);
  r.latency = summarize(h);
  r.ops.push_back({"redeem", 10, 8, 1, 1, r.latency});
  r.outcomes["ok"] = 8;
  r.timeline = {{1, 5, 0, 9.0}, {2, 5, 1, 10.0}};
  r.verify.ran = true;
  r.verify.codes_checked = 3;
  r.warnings = {"the <busy> client"};
  return r;
}

Report SampleReportWithoutErrors() {
  Report r = SampleReport();
  r.ok = 9;
  r.errors = 0;
  r.ops[0].ok = 9;
  r.ops[0].errors = 0;
  r.timeline = {{1, 5, 0, 9.0, 9.5, 1}, {2, 5, 0, 10.0, 10.0, 1}};
  r.warnings.clear();
  return r;
}

TEST(ReportJson, HasEveryTopLevelFigure) {
  const std::string json = report_json(SampleReport());
  for (const char* key :
       {"\"config\":{", "\"elapsed_s\":2", "\"start_monotonic_s\":75071.5", "\"throughput_rps\":5", "\"client_cpu_pct\":97", "\"requests\":10",
        "\"ok\":8", "\"expected_rejections\":1", "\"errors\":1", "\"latency\":{",
        "\"p50_us\":5", "\"p90_us\":9", "\"p99_us\":10", "\"p999_us\":10", "\"max_us\":10",
        "\"in_flight\":{\"count\":0", "\"send_lag\":{\"count\":0",
        "\"ops\":[{\"name\":\"redeem\"", "\"outcomes\":{\"ok\":8}",
        "\"timeline\":[{\"t_s\":1,\"requests\":5,\"errors\":0,\"p99_us\":9,\"max_us\":0,\"span_s\":1}",
        "\"verify\":{\"ran\":true,\"failed\":false,\"codes_checked\":3,\"double_redemptions\":0",
        "\"connect_failures\":0", "\"unsent_slots\":0", "\"timeline_tail\":{\"requests\":0",
        "\"lost_acks\":0", "\"error_samples\":[]", "\"warnings\":[\"the <busy> client\"]"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " missing in " << json;
  }
  EXPECT_NE(json.find(R"("quote\" <tag>")"), std::string::npos);
  EXPECT_EQ(json.back(), '\n');
}

// Every string in the JSON is UTF-8 whatever the bytes were: an error sample cut mid-character,
// or a label in another encoding, becomes U+FFFD there (probe 33: json.load refused a report).
TEST(ReportJson, BytesThatAreNotUtf8BecomeTheReplacementCharacter) {
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_quote("x\xc3"), "\"x\\ufffd\"") << "a character cut short";
  EXPECT_EQ(json_quote("\xff\xfe"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"") << "an overlong '/'";
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"") << "a surrogate";
  EXPECT_EQ(json_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
}

TEST(ReportHtml, SelfContainedWithThreeCharts) {
  const std::string html = report_html(SampleReport());
  std::size_t charts = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 3u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // nothing fetched: no scripts, images, links
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("quote&quot; &lt;tag&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td>in flight (sent to answered)</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>send lag (intended to sent)</td>"), std::string::npos);
  EXPECT_NE(html.find("busiest client thread: 97 % CPU"), std::string::npos);
  // The warnings come before the figures, escaped.
  const auto warnings = html.find("<h2>Warnings</h2><ul><li>the &lt;busy&gt; client</li></ul>");
  ASSERT_NE(warnings, std::string::npos);
  EXPECT_LT(warnings, html.find("<h2>Results</h2>"));
}

// The labels of one chart's value axis (right-aligned texts) or time axis (centred texts
// below the plot), in order.
std::vector<std::string> tick_labels(const std::string& html, int chart, const std::string& anchor) {
  std::size_t at = 0;
  for (int i = 0; i <= chart; ++i) at = html.find("<svg", i == 0 ? 0 : at + 1);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  std::vector<std::string> labels;
  const std::string marker = "text-anchor='" + anchor + "'>";
  for (std::size_t p = svg.find(marker); p != std::string::npos; p = svg.find(marker, p + 1)) {
    const std::size_t from = p + marker.size();
    labels.push_back(svg.substr(from, svg.find('<', from) - from));
  }
  return labels;
}

TEST(ReportHtml, AxesTickAtRoundValues) {
  Report r = SampleReport();
  Histogram h;
  for (std::uint64_t us : {150, 900, 4'000, 14'607}) h.record(us * 1000);
  r.latency = summarize(h);
  r.ops.clear();
  r.timeline = {{1, 62'000, 0, 7'900}, {2, 76'109, 0, 7'400}, {5, 70'000, 0, 7'700}};
  const std::string html = report_html(r);
  EXPECT_EQ(tick_labels(html, 0, "end"),
            (std::vector<std::string>{"1 us", "10 us", "100 us", "1 ms", "10 ms", "100 ms"}));
  EXPECT_EQ(tick_labels(html, 1, "end"),
            (std::vector<std::string>{"0", "20,000", "40,000", "60,000", "80,000"}));
  // The p99 and max per second on a log axis, as the percentiles: short labels that keep
  // clear of the axis name, and a stall of seconds does not flatten the rest (probe 34d).
  EXPECT_EQ(tick_labels(html, 2, "end"),
            (std::vector<std::string>{"1 us", "10 us", "100 us", "1 ms", "10 ms"}));
  const std::vector<std::string> seconds = tick_labels(html, 1, "middle");
  ASSERT_GE(seconds.size(), 7u);  // the title, six ticks, the axis name
  EXPECT_EQ(std::vector<std::string>(seconds.begin() + 1, seconds.begin() + 7),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
}

// The <svg> of chart `chart` (0: percentiles, 1: requests per second, 2: latency per second).
std::string chart_of(const std::string& html, int chart) {
  std::size_t at = 0;
  for (int i = 0; i <= chart; ++i) at = html.find("<svg", i == 0 ? 0 : at + 1);
  return html.substr(at, html.find("</svg>", at) - at);
}

// The d attributes of the paths drawn in `color` in svg.
std::vector<std::string> paths_in(const std::string& svg, const std::string& color) {
  std::vector<std::string> out;
  for (std::size_t p = svg.find("<path d='"); p != std::string::npos; p = svg.find("<path d='", p + 1)) {
    const std::size_t from = p + 9, end = svg.find('>', p);
    if (svg.substr(p, end - p).find("stroke='" + color + "'") == std::string::npos) continue;
    out.push_back(svg.substr(from, svg.find('\'', from) - from));
  }
  return out;
}

// The x and y coordinates in a path's d attribute, in order.
std::vector<std::pair<double, double>> coordinates(const std::string& d) {
  std::vector<std::pair<double, double>> out;
  for (std::size_t i = 0; i < d.size();) {
    if (d[i] == 'M' || d[i] == 'L') {
      std::size_t used = 0;
      const double x = std::stod(d.substr(i + 1), &used);
      const std::size_t comma = i + 1 + used;
      const double y = std::stod(d.substr(comma + 1), &used);
      out.emplace_back(x, y);
      i = comma + 1 + used;
    } else {
      ++i;
    }
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// One timeline point (any run under two seconds) draws as a block over its second on both
// per-second charts (probe 34d: a one-point polyline drew nothing, leaving bare axes).
TEST(ReportHtml, AOnePointTimelineDrawsItsSecond) {
  Report r = SampleReport();
  r.timeline = {{1, 5'000, 0, 200, 900, 1}};
  const std::string html = report_html(r);
  for (const auto& [chart, color] : {std::pair{1, "#1f77b4"}, std::pair{2, "#d62728"}}) {
    const std::vector<std::string> paths = paths_in(chart_of(html, chart), color);
    ASSERT_EQ(paths.size(), 1u) << chart_of(html, chart);
    const auto xy = coordinates(paths[0]);
    ASSERT_GE(xy.size(), 2u) << paths[0];
    double x_min = 1e9, x_max = 0, y_min = 1e9;
    for (const auto& [x, y] : xy) {
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
    }
    EXPECT_GT(x_max - x_min, 300) << "the second spans the plot: " << paths[0];
    EXPECT_LT(y_min, 220) << "drawn above the baseline: " << paths[0];
  }
}

// A second with no answers is a gap in the p99 line with a grey "no answers" column, not a
// fall to 0 us (probe 34d: a two-second stall drew as the best latency of the run).
TEST(ReportHtml, ASecondWithoutAnswersIsAGapNotAZeroLatency) {
  Report r = SampleReport();
  r.timeline = {{1, 900, 0, 300, 800, 1}, {2, 0, 0, 0, 0, 1}, {3, 950, 0, 280, 2'000'000, 1}};
  const std::string svg = chart_of(report_html(r), 2);
  const std::vector<std::string> p99 = paths_in(svg, "#d62728");
  ASSERT_EQ(p99.size(), 1u) << svg;
  EXPECT_EQ(count_of(p99[0], "M"), 2u) << "two pieces around the gap: " << p99[0];
  for (const auto& [x, y] : coordinates(p99[0])) EXPECT_LT(y, 200) << "nothing near 1 us: " << p99[0];
  EXPECT_EQ(count_of(svg, "fill='#e2e2e2'"), 1u) << svg;
  EXPECT_NE(svg.find("no answers"), std::string::npos);
  // The stall's 2 s answer shows in the max line, on the log axis up to 10 s.
  EXPECT_NE(svg.find(">10 s</text>"), std::string::npos) << svg;
  EXPECT_EQ(paths_in(svg, "#777").size(), 1u);
}

// The run's errors are drawn, in red from the baseline, and the page opens with the verdict:
// a run whose every request failed does not look like a healthy one (probe 34d).
TEST(ReportHtml, ErrorsAreDrawnAndTheHeadlineSaysTheRunFailed) {
  Report r = SampleReport();
  r.requests = 145'219;
  r.ok = r.expected_rejections = 0;
  r.errors = 145'219;
  r.throughput_rps = 72'576;
  r.verify.ran = false;
  r.timeline = {{1, 72'000, 72'000, 150, 900, 1}, {2, 73'219, 73'219, 160, 950, 1}};
  const std::string html = report_html(r);
  const std::string svg = chart_of(html, 1);
  EXPECT_NE(svg.find("Requests per second (errors in red)"), std::string::npos);
  const std::vector<std::string> red = paths_in(svg, "#d62728");
  const std::vector<std::string> blue = paths_in(svg, "#1f77b4");
  ASSERT_EQ(red.size(), 1u) << svg;
  ASSERT_EQ(blue.size(), 1u) << svg;
  EXPECT_EQ(coordinates(red[0]), coordinates(blue[0])) << "every request was an error";
  const auto verdict = html.find("<p class='bad'><b>Not a clean run</b> (exit status 1): 145219 of "
                                 "145219 requests were errors (100 %): not one succeeded.</p>");
  ASSERT_NE(verdict, std::string::npos) << html.substr(0, 1500);
  EXPECT_LT(verdict, html.find("<h2>Configuration</h2>"));
  EXPECT_NE(html.find("errors: <b class='bad'>145219 (100 % of the requests)</b>, so 0 requests/s "
                      "without error"), std::string::npos);
  // A clean run says so, and no red is drawn.
  const std::string clean = report_html(SampleReportWithoutErrors());
  EXPECT_NE(clean.find("<p class='good'><b>Clean run</b> (exit status 0)"), std::string::npos);
  EXPECT_TRUE(paths_in(chart_of(clean, 1), "#d62728").empty());
  EXPECT_NE(chart_of(clean, 1).find("errors/s: none"), std::string::npos);
}

// Errors that came after the last whole second (a server that never answered) are not "none".
TEST(ReportHtml, ErrorsAfterTheLastSecondAreNotCalledNone) {
  Report r = SampleReport();
  r.requests = r.errors = 8;
  r.ok = r.expected_rejections = 0;
  r.timeline = {{1, 0, 0, 0, 0, 1}};
  r.timeline_tail_requests = r.timeline_tail_errors = 8;
  const std::string svg = chart_of(report_html(r), 1);
  EXPECT_EQ(svg.find("errors/s: none<"), std::string::npos) << svg;
  EXPECT_NE(svg.find("errors/s: none here"), std::string::npos) << svg;
  EXPECT_NE(svg.find("none in any second: 8 requests (8 errors) ended after the last one"),
            std::string::npos) << svg;
}

// A verify that failed reads as a failure, not as "double redemptions: 0" (probe 34d).
TEST(ReportHtml, AFailedVerifyIsNotShownAsACleanOne) {
  Report r = SampleReportWithoutErrors();
  r.verify.failed = true;
  r.verify.notes = {"verification failed: verify look-up failed: HTTP 429"};
  r.warnings = run_warnings(r, Options{});
  const std::string html = report_html(r);
  EXPECT_EQ(html.find("double redemptions: <b>0</b>"), std::string::npos);
  EXPECT_NE(html.find("verify: <b class='bad'>failed</b> (double redemptions and lost acks not "
                      "known; 3 codes checked before it stopped)"), std::string::npos);
  EXPECT_NE(html.find("the verify failed, so double redemptions and lost acks are not known"),
            std::string::npos);
  EXPECT_NE(html.find("<li>the verify failed (verification failed: verify look-up failed: HTTP "
                      "429): double redemptions"), std::string::npos);
}

// The HTML is UTF-8 whatever the bytes of a label or an error answer were: they become U+FFFD
// there as in the JSON (probe 34d: python could not decode the page).
TEST(ReportHtml, BytesThatAreNotUtf8BecomeTheReplacementCharacter) {
  Report r = SampleReport();
  r.config = {{"scenario", "lookup"}, {"label", "\xff\xfe-bad"}};
  r.error_samples = {"lookup C1 -> \xc3 cut\x01"};
  const std::string html = report_html(r);
  for (std::size_t i = 0; i < html.size();) {
    const std::size_t n = utf8_sequence_at(html, i);
    ASSERT_NE(n, 0u) << "not UTF-8 at byte " << i;
    i += n;
  }
  EXPECT_NE(html.find("<td>\xef\xbf\xbd\xef\xbf\xbd-bad</td>"), std::string::npos);
  EXPECT_NE(html.find("lookup C1 -&gt; \xef\xbf\xbd cut\xef\xbf\xbd"), std::string::npos);
}

// The page's title and heading name the run, so several open pages can be told apart.
TEST(ReportHtml, TheTitleNamesTheRun) {
  Report r = SampleReport();
  r.config = {{"target", "http"}, {"address", "127.0.0.1:8080"}, {"scenario", "redeem"},
              {"label", "durability:sync"}, {"loop", "closed"}};
  const std::string html = report_html(r);
  EXPECT_NE(html.find("<title>ledger-load: redeem, durability:sync, 127.0.0.1:8080</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<h1>ledger-load report: redeem, durability:sync, 127.0.0.1:8080</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("Closed loop: each connection sends its next request when the answer"),
            std::string::npos);
  EXPECT_EQ(html.find("runs from each request's intended send time"), std::string::npos);
}

// One client thread's figures: `answers` answers of 100 us in second 0, and `later` more in
// second 1 (after the deadline: the drain).
RunResult one_thread_run(double elapsed_s, int answers, int later) {
  RunResult result;
  result.threads.push_back(std::make_unique<ThreadStats>(6));
  ThreadStats& t = *result.threads.back();
  for (int i = 0; i < answers + later; ++i) {
    const std::size_t second = i < answers ? 0 : 1;
    t.all.record(100'000);
    t.by_op[static_cast<std::size_t>(OpKind::kLookup)].record(100'000);
    ++t.outcomes[static_cast<std::size_t>(OpKind::kLookup)][static_cast<std::size_t>(Outcome::kOk)];
    t.per_second[second].record(100'000);
  }
  result.elapsed_s = elapsed_s;
  result.thread_cpu_s = {0.1};
  return result;
}

// A run shorter than a second has one point that covers the run, so its height is the run's
// rate (probe 34d: a 0.22 s run at 89,000/s drew one "second" of 20,000).
TEST(Timeline, ARunShorterThanASecondHasOnePointOverTheRun) {
  Report r;
  fill_report(one_thread_run(0.25, 20'000, 0), r);
  ASSERT_EQ(r.timeline.size(), 1u);
  EXPECT_DOUBLE_EQ(r.timeline[0].t_s, 0.25);
  EXPECT_DOUBLE_EQ(r.timeline[0].span_s, 0.25);
  EXPECT_EQ(r.timeline[0].requests, 20'000u);
  EXPECT_DOUBLE_EQ(r.throughput_rps, 80'000);
  EXPECT_NE(report_json(r).find("\"timeline\":[{\"t_s\":0.25,\"requests\":20000,\"errors\":0,"
                                "\"p99_us\":100,\"max_us\":100,\"span_s\":0.25}]"), std::string::npos)
      << report_json(r);
  const std::string html = report_html(r);
  EXPECT_EQ(tick_labels(html, 1, "end"),
            (std::vector<std::string>{"0", "20,000", "40,000", "60,000", "80,000"}));
  EXPECT_NE(html.find("The run was shorter than a second: its one span is the run itself (0.250 s)"),
            std::string::npos);
  // From a second on, whole seconds only, as before; what follows is the tail.
  Report longer;
  fill_report(one_thread_run(1.4, 500, 200), longer);
  ASSERT_EQ(longer.timeline.size(), 1u);
  EXPECT_DOUBLE_EQ(longer.timeline[0].t_s, 1);
  EXPECT_DOUBLE_EQ(longer.timeline[0].span_s, 1);
  EXPECT_EQ(longer.timeline_tail_requests, 200u);
}

TEST(Resp, ParsesCompleteAndIncompleteReplies) {
  resp::Reply r;
  EXPECT_EQ(resp::parse(":1004\r\n", &r), 7u);
  EXPECT_EQ(r.kind, resp::Kind::kInteger);
  EXPECT_EQ(r.integer, 1004);
  EXPECT_EQ(resp::parse(":10", &r), 0u);
  EXPECT_EQ(resp::parse("*2\r\n$4\r\nleft\r\n$1\r\n1\r\n", &r), 21u);
  EXPECT_EQ(r.kind, resp::Kind::kArray);
  EXPECT_EQ(r.integer, 2);
  EXPECT_EQ(resp::parse("*2\r\n$4\r\nleft\r\n$1\r", &r), 0u);
  EXPECT_EQ(resp::parse("-NOSCRIPT x\r\n", &r), 13u);
  EXPECT_EQ(r.kind, resp::Kind::kError);
  EXPECT_EQ(resp::parse("?bad\r\n", &r), resp::kMalformed);
}

}  // namespace
}  // namespace codeledger::bench
