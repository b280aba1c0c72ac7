#include "bench/load/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace codeledger::bench {
namespace {

constexpr double kRelativeErrorMax = 1.0 / 64;  // the sub-bucket resolution

void ExpectNear(std::uint64_t got, double want) {
  EXPECT_LE(std::fabs(static_cast<double>(got) - want), want * kRelativeErrorMax + 1)
      << "got " << got << " want " << want;
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, PercentilesOfUniformDataWithinResolution) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1'000'000; ++v) h.record(v * 10);
  ExpectNear(h.percentile(50), 5'000'000);
  ExpectNear(h.percentile(90), 9'000'000);
  ExpectNear(h.percentile(99), 9'900'000);
  ExpectNear(h.percentile(99.9), 9'990'000);
  EXPECT_EQ(h.max(), 10'000'000u);
}

TEST(Histogram, TailOutlierShowsOnlyAtTheTail) {
  Histogram h;
  h.record(1000, 999);
  h.record(5'000'000);
  ExpectNear(h.percentile(99), 1000);
  ExpectNear(h.percentile(99.9), 1000);
  EXPECT_EQ(h.percentile(99.95), 5'000'000u);
  EXPECT_EQ(h.max(), 5'000'000u);
}

TEST(Histogram, IndexRoundTripCoversRange) {
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 127, 128, 129, 1000, 123456789,
                          Histogram::kValueMax}) {
    const auto i = Histogram::index_of(v);
    EXPECT_LE(Histogram::lowest_of(i), v);
    EXPECT_GE(Histogram::highest_of(i), v);
  }
  EXPECT_EQ(Histogram::index_of(Histogram::kValueMax) + 1, Histogram::slot_count());
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (std::uint64_t v = 1; v <= 5000; ++v) {
    (v % 2 ? a : b).record(v * 7);
    all.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

}  // namespace
}  // namespace codeledger::bench
