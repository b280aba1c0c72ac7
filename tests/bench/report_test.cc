#include "bench/load/report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/load/resp.h"

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

TEST(ReportJson, HasEveryTopLevelFigure) {
  const std::string json = report_json(SampleReport());
  for (const char* key :
       {"\"config\":{", "\"elapsed_s\":2", "\"start_monotonic_s\":75071.5", "\"throughput_rps\":5", "\"client_cpu_pct\":97", "\"requests\":10",
        "\"ok\":8", "\"expected_rejections\":1", "\"errors\":1", "\"latency\":{",
        "\"p50_us\":5", "\"p90_us\":9", "\"p99_us\":10", "\"p999_us\":10", "\"max_us\":10",
        "\"in_flight\":{\"count\":0", "\"send_lag\":{\"count\":0",
        "\"ops\":[{\"name\":\"redeem\"", "\"outcomes\":{\"ok\":8}", "\"timeline\":[{\"t_s\":1",
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
  EXPECT_EQ(tick_labels(html, 2, "end"),
            (std::vector<std::string>{"0", "2,000", "4,000", "6,000", "8,000"}));
  const std::vector<std::string> seconds = tick_labels(html, 1, "middle");
  ASSERT_GE(seconds.size(), 7u);  // the title, six ticks, the axis name
  EXPECT_EQ(std::vector<std::string>(seconds.begin() + 1, seconds.begin() + 7),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
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
