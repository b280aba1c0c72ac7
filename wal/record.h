// Encoding and decoding of the framing in wal/format.h: segment and snapshot names, the
// segment header and records. Pure functions over bytes; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace codeledger::wal {

std::string segment_name(std::uint64_t first_lsn);
std::optional<std::uint64_t> parse_segment_name(std::string_view name);
std::string snapshot_name(std::uint64_t covered_lsn);
std::optional<std::uint64_t> parse_snapshot_name(std::string_view name);

void encode_segment_header(std::uint64_t first_lsn, std::string& out);
// The first_lsn of a valid header, nullopt when bytes do not start with one.
std::optional<std::uint64_t> decode_segment_header(std::string_view bytes);

// Records are built in place so the payload is encoded straight into the output buffer:
// begin_record reserves the header, the caller appends the payload, finish_record fills the
// header in and computes the crc.
std::size_t begin_record(std::string& out);
void finish_record(std::string& out, std::size_t header_offset, std::uint64_t lsn,
                   std::int64_t time_ms, std::uint8_t type);

struct RecordView {
  std::uint64_t lsn = 0;
  std::int64_t time_ms = 0;
  std::uint8_t type = 0;
  std::string_view payload;
};

enum class Parse : std::uint8_t {
  kOk,
  kTruncated,  // the bytes end inside the header or inside the payload it announces
  kBad,        // a full record is there but it is not valid (crc, type, length, reserved)
};

// Parses the record starting at data[offset]. On kOk fills view and record_bytes.
// Never reads outside data and never trusts the length before bounding it.
Parse parse_record(std::string_view data, std::size_t offset, RecordView* view,
                   std::size_t* record_bytes);

// Zero fill: the offset from which every byte of data is zero (data.size() when the last
// byte is not). A record boundary at or past it starts a zero tail: preallocated space the
// writer never reached, a clean end of the segment's data (docs/wal-format.md, "Zero fill").
std::size_t zero_fill_start(std::string_view data);

// Little-endian helpers shared by the snapshot code.
void put_u32(std::string& out, std::uint32_t v);
void put_u64(std::string& out, std::uint64_t v);
std::uint32_t get_u32(const char* p);
std::uint64_t get_u64(const char* p);

}  // namespace codeledger::wal
