// Per-thread measurements. Each client thread owns one ThreadStats and is its only writer;
// the progress line reads just the atomics, everything else is merged after the run.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/load/api.h"
#include "bench/load/classify.h"
#include "bench/load/histogram.h"

namespace codeledger::bench {

inline constexpr std::size_t kErrorSamplesMax = 8;

struct ThreadStats {
  explicit ThreadStats(std::size_t seconds)
      : per_second(seconds), errors_per_second(seconds, 0), failed_sends_per_second(seconds, 0) {}

  Histogram all;        // from the slot's intended send time (closed loop: the send) to the answer
  Histogram in_flight;  // from the actual send to the answer: the server's and the network's part
  Histogram send_lag;   // open loop: how late the send was against its slot (queued behind the
                        // connection's previous answer, or the client thread itself late)
  std::array<Histogram, kOpKindCount> by_op;
  std::array<std::array<std::uint64_t, kOutcomeCount>, kOpKindCount> outcomes{};
  std::array<std::uint64_t, kOpKindCount> expected_rejections{}, errors{};
  std::vector<Histogram> per_second;  // latency of requests completed in second i
  std::vector<std::uint64_t> errors_per_second;
  std::vector<std::uint64_t> failed_sends_per_second;  // requests whose write or read failed: no latency
  std::unordered_map<std::uint32_t, std::uint32_t> redeemed;  // code -> successful redeems
  std::vector<std::string> error_samples;
  std::uint64_t unsent_slots = 0;      // open loop: slots due before the end, never sent
  // When the thread's last request ended (answered, failed, or given up on): a run the
  // request cap ends is measured up to the last of these (runner.cc).
  std::chrono::steady_clock::time_point last_answer{};

  // Read by the progress line while the run goes on.
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> failed{0};  // the requests counted as errors, as the report's errors
  // No request was sent: not a request, not an error (shown apart on the progress line).
  std::atomic<std::uint64_t> connect_failures{0};
  // Progress line: the last second this thread finished (high 32 bits) and that second's p99
  // in microseconds (low 32), in one word so the reader never gets one without the other.
  std::atomic<std::uint64_t> finished_second_p99{kNoFinishedSecond};
  std::size_t filling_second = 0;  // the client thread's own

  static constexpr std::uint64_t kNoFinishedSecond = ~std::uint64_t{0};
};

// Called by the client thread with the second of each answer: when a later second begins,
// publishes the p99 of the one it was filling (the thread is the histograms' only writer,
// so the progress line never reads one while it changes).
inline void note_second(ThreadStats& s, std::size_t second) {
  if (second <= s.filling_second) return;
  const Histogram& filled = s.per_second[s.filling_second];
  if (filled.count() > 0) {
    const std::uint64_t p99_us = std::min<std::uint64_t>(filled.percentile(99) / 1000, 0xffffffffu);
    s.finished_second_p99.store((std::uint64_t{s.filling_second} << 32) | p99_us, std::memory_order_release);
  }
  s.filling_second = second;
}

// The p99 in microseconds the thread published for `second`, if it has.
inline std::optional<std::uint64_t> finished_p99_us(const ThreadStats& s, std::size_t second) {
  const std::uint64_t v = s.finished_second_p99.load(std::memory_order_acquire);
  if (v == ThreadStats::kNoFinishedSecond || (v >> 32) != second) return std::nullopt;
  return v & 0xffffffffu;
}

}  // namespace codeledger::bench
