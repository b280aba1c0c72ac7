// hash_bytes feeds the ids the ledger mints (codes, redemptions): its values must never
// change. The reference here is the original formulation (a memcpy of the tail).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "ledger/internal.h"

namespace codeledger::ledger::detail {
namespace {

std::uint64_t reference_hash(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed ^ (s.size() * 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ mix64(tail ^ 0x5bd1e995ULL)) * 0x9e3779b97f4a7c15ULL;
  return mix64(h);
}

TEST(HashBytesTest, EqualsTheOriginalFormulationForEveryLength) {
  std::mt19937_64 rng(5);
  for (std::size_t n = 0; n <= 48; ++n) {
    for (int round = 0; round < 20; ++round) {
      std::string s(n, '\0');
      for (char& c : s) c = static_cast<char>(rng());
      std::uint64_t seed = rng();
      EXPECT_EQ(hash_bytes(s, seed), reference_hash(s, seed)) << "length " << n;
    }
  }
}

TEST(HashBytesTest, TailLoadIsTheZeroExtendedLittleEndianWord) {
  const char bytes[] = "\x01\x02\x03\x04\x05\x06\x07";
  EXPECT_EQ(load_tail(bytes, 0), 0u);
  EXPECT_EQ(load_tail(bytes, 1), 0x01u);
  EXPECT_EQ(load_tail(bytes, 3), 0x030201u);
  EXPECT_EQ(load_tail(bytes, 5), 0x0504030201u);
  EXPECT_EQ(load_tail(bytes, 7), 0x07060504030201u);
}

}  // namespace
}  // namespace codeledger::ledger::detail
