#include "bench/load/zipf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace codeledger::bench {
namespace {

TEST(Zipf, SamplesStayInRange) {
  ZipfSampler z(1000, 0.99);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100'000; ++i) {
    const auto k = z.sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 1000u);
  }
}

TEST(Zipf, FrequenciesFollowPowerLaw) {
  constexpr std::uint64_t kN = 100;
  constexpr int kDraws = 1'000'000;
  ZipfSampler z(kN, 1.0);
  std::mt19937_64 rng(42);
  std::vector<int> hits(kN + 1, 0);
  for (int i = 0; i < kDraws; ++i) ++hits[z.sample(rng)];
  double harmonic = 0;
  for (std::uint64_t k = 1; k <= kN; ++k) harmonic += 1.0 / static_cast<double>(k);
  // P(1) = 1 / H_100 ~ 0.193; allow 2 % relative slack for sampling noise.
  EXPECT_NEAR(hits[1] / static_cast<double>(kDraws), 1.0 / harmonic, 0.02 / harmonic);
  EXPECT_NEAR(static_cast<double>(hits[1]) / hits[2], 2.0, 0.1);
  EXPECT_NEAR(static_cast<double>(hits[1]) / hits[10], 10.0, 0.7);
}

TEST(Zipf, SingleElementAlwaysOne) {
  ZipfSampler z(1, 0.99);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(z.sample(rng), 1u);
}

TEST(Zipf, RejectsBadParameters) {
  EXPECT_THROW(ZipfSampler(0, 1.0), std::invalid_argument);
  EXPECT_THROW(ZipfSampler(10, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace codeledger::bench
