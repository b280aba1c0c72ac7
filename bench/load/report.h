// What one ledger-load run measured, and its two renderings: JSON with every figure and a
// self-contained HTML page with inline SVG charts (no scripts, no network).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/load/histogram.h"

namespace codeledger::bench {

// Latency figures in microseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};
LatencySummary summarize(const Histogram& nanoseconds);

struct OpReport {
  std::string name;
  std::uint64_t requests = 0, ok = 0, expected_rejections = 0, errors = 0;
  LatencySummary latency;
};

// One point of the timeline: the answers of the span_s seconds ending at t_s. A whole second
// (span_s 1, t_s = N for the second from N - 1 to N), except in a run shorter than a second,
// whose one point covers the run (t_s = span_s = elapsed_s), so requests / span_s is a rate.
struct SecondPoint {
  double t_s = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double p99_us = 0;  // 0: no answer with a latency in the span (none, or only failed sends)
  double max_us = 0;  // the slowest answer of the span (0 as p99_us)
  double span_s = 1;
};

struct VerifyReport {
  bool ran = false;
  bool failed = false;  // the check itself could not finish (notes say why)
  std::uint64_t codes_checked = 0;
  std::uint64_t double_redemptions = 0;  // codes redeemed more often than their limit allows
  std::uint64_t lost_acks = 0;           // acknowledged redemptions the server does not show
  std::vector<std::string> notes;
};

struct Report {
  std::vector<std::pair<std::string, std::string>> config;  // name -> value, shown as given
  double elapsed_s = 0;
  // The measured window's start in seconds of CLOCK_MONOTONIC (std::chrono::steady_clock on
  // Linux): lines the timeline up with traces taken beside the run (perf record -k
  // CLOCK_MONOTONIC; bench/scripts/vcpu-gaps.py).
  double start_monotonic_s = 0;
  double throughput_rps = 0;
  // The busiest client thread's CPU time, as a share of the measured window (its drain after
  // the deadline included). Near 100: the load generator, not the server, may be what
  // limits the run (on a small machine it shares the CPUs with the server).
  double client_cpu_pct = 0;
  // requests = ok + expected_rejections + errors, over every operation (ops[] adds up to them).
  std::uint64_t requests = 0, ok = 0, expected_rejections = 0, errors = 0;
  // Failed connects (a server down or restarting): no request went out, so they are neither
  // requests nor errors, but any of them makes the run unclean.
  std::uint64_t connect_failures = 0;
  // Open loop: slots due before the end (more than 10 ms before it) that no connection sent,
  // because every connection they could go on was still waiting for an answer. Any of them
  // means the rate was not met.
  std::uint64_t unsent_slots = 0;
  LatencySummary latency;    // from each request's intended send time to its answer
  LatencySummary in_flight;  // from the actual send to the answer
  LatencySummary send_lag;   // from the intended to the actual send (open loop)
  std::vector<OpReport> ops;
  std::map<std::string, std::uint64_t> outcomes;  // outcome class -> count
  std::vector<SecondPoint> timeline;
  // Answers after the timeline's last point (the deadline's overshoot and the drain): drawn in
  // no second, so timeline[] plus these add up to the totals.
  std::uint64_t timeline_tail_requests = 0, timeline_tail_errors = 0;
  VerifyReport verify;
  std::vector<std::string> error_samples;  // first few unexpected answers, for diagnosis
  std::vector<std::string> warnings;       // causes that change what the figures mean (warnings.h)
};

std::string report_json(const Report& r);
std::string report_html(const Report& r);
// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0 when the bytes there are not one. Both renderings
// write U+FFFD for such bytes.
std::size_t utf8_sequence_at(std::string_view s, std::size_t i);
// Quotes and escapes s as a JSON string. Bytes that are not UTF-8 (an answer cut short
// mid-character, a label in another encoding) become U+FFFD, so the document stays JSON.
std::string json_quote(std::string_view s);

}  // namespace codeledger::bench
