#include "wal/crc32c.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "wal/status.h"

namespace codeledger::wal {

void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "wal invariant failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

#if defined(__x86_64__)
// Compiled for SSE4.2 alone, so the rest of the binary still runs on older CPUs.
__attribute__((target("sse4.2"))) std::uint32_t extend_hw(std::uint32_t crc, const void* data,
                                                           std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}

bool detect_hw() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
std::uint32_t extend_hw(std::uint32_t crc, const void* data, std::size_t n) {
  return crc32c_extend_portable(crc, data, n);
}
bool detect_hw() { return false; }
#endif

const bool kHardware = detect_hw();

}  // namespace

std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (std::size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool crc32c_hardware_available() { return kHardware; }

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) {
  return kHardware ? extend_hw(crc, data, n) : crc32c_extend_portable(crc, data, n);
}

}  // namespace codeledger::wal
