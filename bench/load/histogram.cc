#include "bench/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace codeledger::bench {
namespace {

constexpr unsigned kExactBits = 7;                         // values < 128 get their own slot
constexpr std::uint64_t kExactCount = 1u << kExactBits;    // 128
constexpr std::uint64_t kSubCount = kExactCount / 2;       // 64 sub-buckets per power of two
// p / 100 * total is inexact in binary (99.9 % of 1000 is 999.0000000000001); without the
// slack the rank would round up past the value the percentile names.
constexpr double kRankSlack = 1e-9;

}  // namespace

Histogram::Histogram() : counts_(slot_count(), 0) {}

std::size_t Histogram::slot_count() { return index_of(kValueMax) + 1; }

std::size_t Histogram::index_of(std::uint64_t value) {
  value = std::min(value, kValueMax);
  if (value < kExactCount) return static_cast<std::size_t>(value);
  const unsigned exponent = static_cast<unsigned>(std::bit_width(value)) - 1;  // >= 7
  const unsigned shift = exponent - (kExactBits - 1);
  const std::uint64_t sub = value >> shift;  // in [64, 128)
  return static_cast<std::size_t>(kExactCount + (exponent - kExactBits) * kSubCount +
                                  (sub - kSubCount));
}

std::uint64_t Histogram::lowest_of(std::size_t index) {
  if (index < kExactCount) return index;
  const std::uint64_t j = index - kExactCount;
  const unsigned exponent = static_cast<unsigned>(j / kSubCount) + kExactBits;
  const std::uint64_t sub = j % kSubCount + kSubCount;
  return sub << (exponent - (kExactBits - 1));
}

std::uint64_t Histogram::highest_of(std::size_t index) {
  if (index < kExactCount) return index;
  const std::uint64_t j = index - kExactCount;
  const unsigned exponent = static_cast<unsigned>(j / kSubCount) + kExactBits;
  return lowest_of(index) + (std::uint64_t{1} << (exponent - (kExactBits - 1))) - 1;
}

void Histogram::record(std::uint64_t value, std::uint64_t count) {
  if (count == 0) return;
  value = std::min(value, kValueMax);
  counts_[index_of(value)] += count;
  min_ = total_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  total_ += count;
  sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = total_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  total_ += other.total_;
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = min_ = max_ = 0;
  sum_ = 0.0;
}

std::uint64_t Histogram::percentile(double p) const {
  if (total_ == 0) return 0;
  if (p <= 0.0) return min_;
  if (p >= 100.0) return max_;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_) - kRankSlack)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_of(i), min_, max_);
  }
  return max_;
}

}  // namespace codeledger::bench
