// Log-linear latency histogram in the HdrHistogram style: values below 128 are exact, above
// that every power of two is split into 64 linear sub-buckets, so any recorded value is known
// to within 1/64 (< 1.6 %) while the whole range up to ~18 minutes in nanoseconds fits in a
// fixed 2,240-slot array (no allocation while recording).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace codeledger::bench {

class Histogram {
 public:
  static constexpr std::uint64_t kValueMax = (std::uint64_t{1} << 40) - 1;  // larger values clamp

  Histogram();

  void record(std::uint64_t value, std::uint64_t count = 1);
  void merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return total_; }
  std::uint64_t min() const { return total_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_); }
  // Smallest recorded-bucket value v such that at least p % of the values are <= v, reported
  // as the bucket's highest equivalent value (never above max()). p in [0, 100].
  std::uint64_t percentile(double p) const;

  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t lowest_of(std::size_t index);
  static std::uint64_t highest_of(std::size_t index);
  static std::size_t slot_count();

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  double sum_ = 0.0;
};

}  // namespace codeledger::bench
