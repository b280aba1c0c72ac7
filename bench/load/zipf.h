// Zipf-distributed ranks in [1, n] by rejection-inversion (Hörmann & Derflinger, 1996): O(1)
// memory and expected O(1) time per draw, so a 10M-code pool needs no 80 MB CDF table.
// Rank 1 is the most popular; P(k) is proportional to 1 / k^s.
#pragma once

#include <cstdint>
#include <random>

namespace codeledger::bench {

class ZipfSampler {
 public:
  // n >= 1, exponent s > 0 (s = 0.99 is the YCSB default skew).
  ZipfSampler(std::uint64_t n, double exponent);

  std::uint64_t n() const { return n_; }
  double exponent() const { return s_; }
  // A rank in [1, n].
  std::uint64_t sample(std::mt19937_64& rng) const;

 private:
  double h(double x) const;
  double h_integral(double x) const;
  double h_integral_inverse(double x) const;

  std::uint64_t n_;
  double s_;
  double h_integral_x1_;
  double h_integral_n_;
  double s_hat_;
};

}  // namespace codeledger::bench
