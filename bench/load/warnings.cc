#include "bench/load/warnings.h"

#include <cstdio>

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
  if (report.client_cpu_pct >= kClientBoundPct) {
    out.push_back(format("the busiest client thread was %.0f %% busy: the load generator, not the "
                         "target, may have limited this run (more --threads, or CPUs of its own).",
                         report.client_cpu_pct));
  }
  return out;
}

}  // namespace codeledger::bench
