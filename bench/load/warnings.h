// What a finished run should tell its user beyond the figures: causes that make the figures
// mean something other than they seem (a rate limit answering instead of the ledger, an open
// loop that never reached its rate, a load generator that was the bottleneck).
#pragma once

#include <string>
#include <vector>

#include "bench/load/options.h"
#include "bench/load/report.h"

namespace codeledger::bench {

// Below this share of the asked rate, an open loop is reported as fallen behind.
inline constexpr double kOpenLoopReachedMin = 0.95;
// At or above this CPU share, the busiest client thread may have been the limit (as in
// bench/scripts/side-by-side-summary.py).
inline constexpr double kClientBoundPct = 90;

std::vector<std::string> run_warnings(const Report& report, const Options& options);

// The exit status's verdict: no unexpected answer, no failed connect, no double redemption
// or lost ack, and a verify that finished. (An open loop's unsent slots are a warning: the
// rate was not met, which the latency figures show.)
bool run_was_clean(const Report& report);

}  // namespace codeledger::bench
