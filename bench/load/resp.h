// Minimal RESP2 reply reader for the Redis comparison: finds where one complete reply ends in
// a receive buffer and extracts what the harness classifies on (an integer, an error, or the
// element count of an array). Nested arrays are walked, not materialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace codeledger::bench::resp {

enum class Kind : std::uint8_t { kSimple, kError, kInteger, kBulk, kNullBulk, kArray };

struct Reply {
  Kind kind = Kind::kSimple;
  std::int64_t integer = 0;     // kInteger value, kArray element count, kBulk length
  std::string_view text;        // kSimple / kError / kBulk payload (points into the buffer)
};

inline constexpr std::size_t kDepthMax = 8;  // nesting the harness's commands never exceed

// 0 when `buf` does not yet hold a complete reply; otherwise the reply's length in bytes and
// *out describes its top level. -1 (as size_t max) when the bytes are not RESP.
std::size_t parse(std::string_view buf, Reply* out);
inline constexpr std::size_t kMalformed = static_cast<std::size_t>(-1);

}  // namespace codeledger::bench::resp
