// Hex text both ways, for the ledger and everything above it: one digit's value for every
// parser (object ids, percent-escapes, stored secret digests), and bytes written as
// lowercase hex (object ids, digests).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace codeledger {

// 0-15 for 0-9, a-f, A-F; -1 for any other character.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Both lowercase hex digits of every byte value: one two-byte copy a byte instead of two
// lookups and the shifts between them (every code answer writes two object ids;
// docs/benchmarks-history.md, session 26).
inline constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (std::size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = kDigits[b >> 4];
    pairs[2 * b + 1] = kDigits[b & 0xf];
  }
  return pairs;
}();

// Writes 2 * size lowercase hex digits to `out` (no terminator).
inline void write_hex(const std::uint8_t* data, std::size_t size, char* out) {
  for (std::size_t i = 0; i < size; ++i) {
    std::memcpy(out + 2 * i, &kHexPairs[2 * std::size_t{data[i]}], 2);
  }
}

}  // namespace codeledger
