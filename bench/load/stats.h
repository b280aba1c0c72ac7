// Per-thread measurements. Each client thread owns one ThreadStats and is its only writer;
// the progress line reads just the two atomics, everything else is merged after the run.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/load/api.h"
#include "bench/load/classify.h"
#include "bench/load/histogram.h"

namespace codeledger::bench {

inline constexpr std::size_t kErrorSamplesMax = 8;

struct ThreadStats {
  explicit ThreadStats(std::size_t seconds) : per_second(seconds), errors_per_second(seconds, 0) {}

  Histogram all;        // from the slot's intended send time (closed loop: the send) to the answer
  Histogram in_flight;  // from the actual send to the answer: the server's and the network's part
  Histogram send_lag;   // open loop: how late the send was against its slot (queued behind the
                        // connection's previous answer, or the client thread itself late)
  std::array<Histogram, kOpKindCount> by_op;
  std::array<std::array<std::uint64_t, kOutcomeCount>, kOpKindCount> outcomes{};
  std::array<std::uint64_t, kOpKindCount> expected_rejections{}, errors{};
  std::vector<Histogram> per_second;  // latency of requests completed in second i
  std::vector<std::uint64_t> errors_per_second;
  std::unordered_map<std::uint32_t, std::uint32_t> redeemed;  // code -> successful redeems
  std::vector<std::string> error_samples;

  std::atomic<std::uint64_t> completed{0};  // progress line
  std::atomic<std::uint64_t> failed{0};
};

}  // namespace codeledger::bench
