// Runs the load: N client threads, each with its own io_context and its share of the
// connections, plus the controlling thread that prints the progress line once a second and
// stops everything at the deadline or the request cap.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "bench/load/options.h"
#include "bench/load/report.h"
#include "bench/load/stats.h"
#include "bench/load/workload.h"

namespace codeledger::bench {

struct RunResult {
  std::vector<std::unique_ptr<ThreadStats>> threads;
  double elapsed_s = 0;
  double start_monotonic_s = 0;  // the measured window's start on the steady clock
  // CPU time each client thread used, in thread order (--spin: its busy time, not spinning)
  std::vector<double> thread_cpu_s;
};

RunResult run_load(const Options& options, const Plan& plan);
// The measured window's end: for a run the request cap ended (`capped`), its last answer
// (the latest ThreadStats::last_answer after `start`); for any other, `stopped`, when the
// watcher stopped it at the deadline.
std::chrono::steady_clock::time_point window_end(bool capped, std::chrono::steady_clock::time_point start,
                                                 const std::vector<std::unique_ptr<ThreadStats>>& stats,
                                                 std::chrono::steady_clock::time_point stopped);
// Merges the threads' figures into the report (everything but config and verify).
void fill_report(const RunResult& result, Report& report);
// Successful redeems per code, over all threads.
std::unordered_map<std::uint32_t, std::uint32_t> merged_redeems(const RunResult& result);

}  // namespace codeledger::bench
