#include "bench/load/warnings.h"

#include <cstdio>

#include "bench/load/histogram.h"
#include "bench/load/outcome.h"

namespace codeledger::bench {
namespace {

std::string format(const char* spec, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, spec, a, b, c);
  return buf;
}

}  // namespace

std::vector<std::string> run_warnings(const Report& report, const Options& o) {
  std::vector<std::string> out;
  if (const auto it = report.outcomes.find(std::string(outcome_name(Outcome::kRateLimited)));
      it != report.outcomes.end() && it->second > 0) {
    out.push_back(std::to_string(it->second) + " answers were 429: the API key's rate limit refused "
                  "them, not the ledger. codeledgerd's --demo key allows 1000 requests a minute; use "
                  "a key whose limits are above the load (--key, --secret; docs/benchmarks.md, "
                  "Commands).");
  }
  if (o.rate_rps > 0 && report.throughput_rps < kOpenLoopReachedMin * o.rate_rps) {
    out.push_back(format("the open loop fell behind: %.0f req/s asked, %.0f reached (send lag p99 %.1f ms). ",
                         o.rate_rps, report.throughput_rps, report.send_lag.p99_us / 1000) +
                  "Each connection has one request in flight, so " + std::to_string(o.connections) +
                  " connections reach at most " + std::to_string(o.connections) +
                  " / latency; add --connections, or the target could not keep up.");
  }
  if (report.unsent_slots > 0) {
    out.push_back(std::to_string(report.unsent_slots) +
                  " open-loop slots were due before the end but never sent: every connection they "
                  "could go on was waiting for an answer. The rate was not met; their latency is "
                  "not in the figures (add --connections, or the target could not keep up).");
  }
  if (report.connect_failures > 0) {
    out.push_back(std::to_string(report.connect_failures) +
                  " connects failed (the target down or restarting): no request went out on them, "
                  "so they are not in requests or errors, but the run is not clean.");
  }
  if (const auto it = report.outcomes.find(std::string(outcome_name(Outcome::kUnanswered)));
      it != report.outcomes.end() && it->second > 0) {
    out.push_back(std::to_string(it->second) +
                  " requests had no answer when the run stopped waiting for them; each is an "
                  "error whose latency runs to that moment.");
  }
  if (report.errors > 0) {
    out.push_back(std::to_string(report.errors) + " of " + std::to_string(report.requests) +
                  format(" requests (%.3g %%)",
                         100.0 * static_cast<double>(report.errors) / static_cast<double>(report.requests)) +
                  " were errors: the requests/s and the latency figures count them too (an error "
                  "answer is often quicker than a real one); see the outcomes and the error samples.");
  }
  if (report.verify.failed) {
    std::string why;
    for (const std::string& n : report.verify.notes) why += (why.empty() ? "" : "; ") + n;
    out.push_back("the verify failed (" + (why.empty() ? std::string("no reason given") : why) +
                  "): double redemptions and lost acks were not checked, so their 0s mean "
                  "nothing; the run is not clean.");
  }
  constexpr double kClampUs = static_cast<double>(Histogram::kValueMax) / 1000;
  if (report.latency.max_us >= kClampUs) {
    out.push_back(format("latencies of %.0f s or more were recorded as %.0f s (the histograms' "
                         "range): the run fell that far behind.",
                         kClampUs / 1e6, kClampUs / 1e6));
  }
  if (report.client_cpu_pct >= kClientBoundPct) {
    out.push_back(format("the busiest client thread was %.0f %% busy: the load generator, not the "
                         "target, may have limited this run (more --threads, or CPUs of its own).",
                         report.client_cpu_pct));
  }
  return out;
}

bool run_was_clean(const Report& r) {
  return r.errors == 0 && r.connect_failures == 0 && r.verify.double_redemptions == 0 &&
         r.verify.lost_acks == 0 && !r.verify.failed;
}

}  // namespace codeledger::bench
