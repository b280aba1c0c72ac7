// CRC32C (Castagnoli), the checksum of every record and snapshot. The SSE4.2 instruction is
// used when the CPU has it (chosen once at run time); a table-driven fallback otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace codeledger::wal {

// Continues a crc: crc32c_extend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n);
inline std::uint32_t crc32c(const void* data, std::size_t n) { return crc32c_extend(0, data, n); }
inline std::uint32_t crc32c(std::string_view s) { return crc32c(s.data(), s.size()); }

// The portable path alone, so tests can check both give the same answers.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t n);
bool crc32c_hardware_available();

}  // namespace codeledger::wal
